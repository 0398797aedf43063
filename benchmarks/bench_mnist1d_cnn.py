"""One training epoch of the MNIST-1D CNN: chainrule against PyTorch.

The CNN of the MNIST-1D paper (three Conv1d layers of 25 channels, kernels 5,
3, 3, stride 2, padding 1, ReLU, then Linear 125->10), Adam at 1e-2, batch
100, cross-entropy, over the 4,000 training sequences (40 steps), float32, the
same batches in the same order for both. There is no NumPy-by-hand column:
the row's figure is the ratio to PyTorch.
"""
import numpy as np

import chainrule as cr
from chainrule.train_command import ConvNet

from .common import Row, compare, load_torch

BATCH = 100


def _chainrule_epoch(X, y):
    cr.manual_seed(0)
    model = ConvNet(X.shape[1], 10)
    optimizer = cr.optim.Adam(model.parameters(), lr=1e-2)
    loss_fn = cr.nn.CrossEntropyLoss()
    batches = [(cr.tensor(X[i:i + BATCH]), cr.tensor(y[i:i + BATCH])) for i in range(0, len(X), BATCH)]

    def epoch():
        for inputs, targets in batches:
            loss = loss_fn(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return epoch


def _torch_epoch(torch, X, y):
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(nn.Unflatten(1, (1, X.shape[1])),
                          nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(125, 10))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    batches = [(torch.from_numpy(X[i:i + BATCH]), torch.from_numpy(y[i:i + BATCH])) for i in range(0, len(X), BATCH)]

    def epoch():
        for inputs, targets in batches:
            loss = nn.functional.cross_entropy(model(inputs), targets)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return epoch


def run(torch="auto"):
    torch = load_torch() if torch == "auto" else torch
    X, y, _, _ = cr.data.load_mnist1d()
    X, y = np.ascontiguousarray(X, np.float32), y.astype(np.int64)
    impls = {"chainrule": _chainrule_epoch(X, y)}
    if torch is not None:
        impls["torch"] = _torch_epoch(torch, X, y)
    t = compare(impls, repeat=5, warmup=1)
    torch_time = t["torch"].best if "torch" in t else None
    ratio = None if torch_time is None else t["chainrule"].best / torch_time
    return [Row(benchmark="MNIST-1D CNN, one training epoch (40 steps of 100), Adam, float32",
                chainrule=t["chainrule"].best, numpy=None, torch=torch_time,
                target="(reported: ratio to PyTorch)", met=True, unit="ms",
                detail="-" if ratio is None else f"{ratio:.2f}x PyTorch")]
