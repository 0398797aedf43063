"""The reusable training loop and `chainrule train`."""
import json

import numpy as np
import pytest

import chainrule as cr


class PlainSGD:
    """The notes' update w <- w - eta dJ/dw, as any optimizer fit() accepts."""

    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None

    def step(self):
        with cr.no_grad():
            for p in self.params:
                p.sub_(self.lr * p.grad.data)


def separable_batches(rng, n_batches=8, size=32):
    batches = []
    for _ in range(n_batches):
        x = rng.standard_normal((size, 2))
        y = (x[:, 0] + 2 * x[:, 1] > 0).astype(np.int64)
        batches.append((cr.tensor(x), cr.tensor(y)))
    return batches


def test_fit_learns_a_separable_problem_and_reports_each_epoch():
    rng = np.random.default_rng(0)
    cr.manual_seed(0)
    model = cr.nn.Linear(2, 2)
    train, val = separable_batches(rng), separable_batches(rng, n_batches=2)
    history = cr.train.fit(model, cr.nn.CrossEntropyLoss(), PlainSGD(model.parameters(), 0.5), train,
                           epochs=5, val_loader=val, progress=False)
    assert history["epoch"] == [1, 2, 3, 4, 5]
    assert history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.9
    assert set(history) == {"epoch", "loss", "accuracy", "val_loss", "val_accuracy"}


def test_evaluate_records_no_graph_and_restores_nothing_it_should_not():
    model = cr.nn.Linear(2, 2)
    batches = separable_batches(np.random.default_rng(1), n_batches=1)
    loss, accuracy = cr.train.evaluate(model, cr.nn.CrossEntropyLoss(), batches)
    assert loss > 0 and 0 <= accuracy <= 1 and not model.training
    assert all(p.grad is None for p in model.parameters())


needs_training_stack = pytest.mark.skipif(
    not (hasattr(cr, "optim") and hasattr(cr, "data") and hasattr(cr, "save")),
    reason="the optimizers, data loaders and checkpoints land with the training issue")


@needs_training_stack
def test_train_command_end_to_end(tmp_path, capsys):
    from chainrule.cli import main

    out = tmp_path / "run"
    assert main(["train", "--epochs", "3", "--out", str(out), "--no-progress"]) == 0
    printed = capsys.readouterr().out
    assert "test accuracy" in printed and "epoch" in printed
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["epochs"] == 3 and len(metrics["history"]["loss"]) == 3
    assert metrics["test_accuracy"] > 0.85
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    state = cr.load(str(out / "model.safetensors"))
    assert set(state) == {"first.weight", "first.bias", "second.weight", "second.bias", "out.weight", "out.bias"}
