"""A small training loop to reuse: mini-batch gradient descent as the notes write it.

For each mini-batch: forward pass, loss, ``zero_grad``, backward pass,
optimizer step; after each epoch, the mean loss and the accuracy on the
training data (as seen during the epoch) and on the validation data.
"""
import sys

import numpy as np

import chainrule as cr


def fit(model, loss_fn, optimizer, train_loader, epochs, val_loader=None, scheduler=None, progress=True):
    """Train ``model`` and return its history: per epoch, ``loss`` and ``accuracy``
    on the training batches, and ``val_loss`` and ``val_accuracy`` when a
    ``val_loader`` is given.

    ``loss_fn(outputs, targets)`` returns a scalar Tensor; accuracy counts the
    rows whose largest output is the target class. ``scheduler.step()`` runs
    once per epoch. A tqdm progress bar shows each epoch's batches when
    ``progress`` is true and standard error is a terminal.
    """
    history = {"epoch": [], "loss": [], "accuracy": []}
    if val_loader is not None:
        history.update(val_loss=[], val_accuracy=[])
    for epoch in range(1, epochs + 1):
        model.train()
        totals = _Totals()
        for inputs, targets in _batches(train_loader, progress, f"epoch {epoch}/{epochs}"):
            outputs = model(inputs)
            loss = loss_fn(outputs, targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            totals.add(loss, outputs, targets)
        history["epoch"].append(epoch)
        history["loss"].append(totals.loss)
        history["accuracy"].append(totals.accuracy)
        if val_loader is not None:
            val_loss, val_accuracy = evaluate(model, loss_fn, val_loader)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
        if scheduler is not None:
            scheduler.step()
    return history


def evaluate(model, loss_fn, loader):
    """Mean loss and accuracy of ``model`` over ``loader``, in eval mode, recording no graph."""
    model.eval()
    totals = _Totals()
    with cr.no_grad():
        for inputs, targets in loader:
            outputs = model(inputs)
            totals.add(loss_fn(outputs, targets), outputs, targets)
    return totals.loss, totals.accuracy


class _Totals:
    """Running sums over batches, weighted by batch size."""

    def __init__(self):
        self.count = self.loss_sum = self.correct = 0

    def add(self, loss, outputs, targets):
        n = len(targets)
        self.count += n
        self.loss_sum += float(loss.item()) * n
        predicted = np.argmax(outputs.data, axis=-1)
        self.correct += int(np.sum(predicted == np.asarray(targets.data if isinstance(targets, cr.Tensor)
                                                           else targets)))

    @property
    def loss(self):
        return self.loss_sum / max(self.count, 1)

    @property
    def accuracy(self):
        return self.correct / max(self.count, 1)


def _batches(loader, progress, description):
    if not (progress and sys.stderr.isatty()):
        return loader
    try:
        from tqdm import tqdm
    except ImportError:  # the progress bar is a training extra; train without it
        return loader
    return tqdm(loader, desc=description, leave=False, unit="batch")
