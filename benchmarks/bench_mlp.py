"""One MLP training step: forward, softmax cross-entropy, backward (no update).

ReLU hidden layers, float32, weights W of shape (out, in). chainrule's step is
written as a user writes it, with ``cr.nn.functional.linear`` and
``cross_entropy`` (PyTorch's step uses their torch counterparts); the NumPy
step computes the same gradients by hand.
"""
import numpy as np

import chainrule as cr
from chainrule.nn import functional as F

from .common import Row, compare, load_torch

# (layer sizes, batch, target ratio to NumPy)
CASES = (((784, 256, 256, 10), 128, 1.15), ((40, 100, 100, 10), 32, 2.0))


def _problem(sizes, batch):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    labels = rng.integers(0, sizes[-1], batch)
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        w = rng.standard_normal((fan_out, fan_in)).astype(np.float32) * np.float32(np.sqrt(2 / fan_in))
        params.append((w, np.zeros(fan_out, np.float32)))
    return x, labels, params


def _chainrule_loss(x, labels, params):
    h = x
    for i, (w, b) in enumerate(params):
        h = F.linear(h, w, b)
        if i < len(params) - 1:
            h = F.relu(h)
    return F.cross_entropy(h, labels)


def _leaves(params):
    return [(cr.tensor(w, requires_grad=True), cr.tensor(b, requires_grad=True)) for w, b in params]


def _chainrule_step(x, labels, params):
    x = cr.tensor(x)
    params = _leaves(params)
    leaves = [p for pair in params for p in pair]

    def step():
        for p in leaves:
            p.grad = None
        _chainrule_loss(x, labels, params).backward()
    return step


def _check_same_gradients(x, labels, params):
    """Make sure the two steps compute the same thing before timing them."""
    leaves = _leaves(params)
    loss = _chainrule_loss(cr.tensor(x), labels, leaves)
    loss.backward()
    expected_loss, grads = _numpy_step(x, labels, params)()
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-4)
    for (w, b), (gw, gb) in zip(leaves, reversed(grads)):
        np.testing.assert_allclose(w.grad.data, gw, rtol=1e-3, atol=1e-6)
        np.testing.assert_allclose(b.grad.data, gb, rtol=1e-3, atol=1e-6)


def _numpy_step(x, labels, params):
    n = len(labels)
    rows = np.arange(n)

    def step():
        # forward, keeping each layer's input
        inputs, h = [], x
        for i, (w, b) in enumerate(params):
            inputs.append(h)
            h = h @ w.T + b
            if i < len(params) - 1:
                h = np.maximum(h, 0)
        shifted = h - h.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[rows, labels].mean()
        # backward: d loss / d logits = (softmax - onehot) / n
        g = np.exp(logp)
        g[rows, labels] -= 1
        g /= n
        grads = []
        for i in reversed(range(len(params))):
            w = params[i][0]
            grads.append((g.T @ inputs[i], g.sum(axis=0)))
            if i > 0:
                g = (g @ w) * (inputs[i] > 0)   # the ReLU passes g where its output was positive
        return loss, grads
    return step


def _torch_step(torch, x, labels, params):
    x = torch.from_numpy(x)
    labels = torch.from_numpy(labels)
    params = [(torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)) for w, b in params]
    leaves = [p for pair in params for p in pair]

    def step():
        for p in leaves:
            p.grad = None
        h = x
        for i, (w, b) in enumerate(params):
            h = torch.nn.functional.linear(h, w, b)
            if i < len(params) - 1:
                h = h.relu()
        torch.nn.functional.cross_entropy(h, labels).backward()
    return step


def run(torch="auto"):
    """One row per MLP size: time per training step."""
    torch = load_torch() if torch == "auto" else torch
    rows = []
    for sizes, batch, target in CASES:
        x, labels, params = _problem(sizes, batch)
        _check_same_gradients(x, labels, params)
        impls = {"chainrule": _chainrule_step(x, labels, params), "numpy": _numpy_step(x, labels, params)}
        if torch is not None:
            impls["torch"] = _torch_step(torch, x, labels, params)
        t = compare(impls, repeat=25)   # BLAS timings vary most: more rounds
        ratio = t["chainrule"].best / t["numpy"].best
        rows.append(Row(
            benchmark=f"MLP {'-'.join(map(str, sizes))} step, batch {batch}, float32",
            chainrule=t["chainrule"].best, numpy=t["numpy"].best,
            torch=t["torch"].best if "torch" in t else None,
            target=f"<= {target:g}x NumPy", met=ratio <= target, unit="ms"))
    return rows
