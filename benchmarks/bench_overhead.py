"""Per-op overhead: what chainrule adds to each small elementwise NumPy call.

A chain of CHAIN ops (``h = h * y``, ``h = h + y`` or ``h = tanh(h)``) on
10-element float64 arrays, then one backward from the last value. On arrays
this small NumPy's own work is tiny, so chainrule time minus the hand-written
NumPy time, per op, is the bookkeeping chainrule adds: recording a node,
wrapping results, walking the graph, calling the rule, accumulating. The
backward call's fixed cost is spread over the chain, as in a real graph.
"""
import numpy as np

import chainrule as cr

from .common import Row, compare, load_torch

SIZE = 10
CHAIN = 100
TARGET_GRAD_US = 3.0
TARGET_NO_GRAD_US = 1.0


def _mul_by_hand(a, b, g):
    hs = [a]
    for _ in range(CHAIN):
        hs.append(hs[-1] * b)
    gb = np.zeros_like(b)
    for h in reversed(hs[:-1]):
        gb = gb + g * h      # d(h*b)/db = h, summed over the ops that used b
        g = g * b            # d(h*b)/dh = b
    return g, gb


def _add_by_hand(a, b, g):
    h = a
    for _ in range(CHAIN):
        h = h + b
    gb = np.zeros_like(b)
    for _ in range(CHAIN):
        gb = gb + g          # d(h+b)/db = 1; d(h+b)/dh = 1 passes g on unchanged
    return g, gb


def _tanh_by_hand(a, b, g):
    outs = []
    h = a
    for _ in range(CHAIN):
        h = np.tanh(h)
        outs.append(h)
    for out in reversed(outs):
        g = g * (1 - out * out)   # d tanh(h)/dh = 1 - tanh(h)^2
    return g, None


def _forward_by_hand(step):
    def run(a, b):
        h = a
        for _ in range(CHAIN):
            h = step(h, b)
        return h
    return run


# name -> (one step on Tensors, one step on arrays, forward + backward by hand)
OPS = {
    "mul": (lambda h, y: h * y, np.multiply, _mul_by_hand),
    "add": (lambda h, y: h + y, np.add, _add_by_hand),
    "tanh": (lambda h, y: h.tanh(), lambda h, y: np.tanh(h), _tanh_by_hand),
}


def _chain(step, x, y):
    h = x
    for _ in range(CHAIN):
        h = step(h, y)
    return h


def _with_backward(step, x, y, g):
    def run():
        _chain(step, x, y).backward(g)
        x.grad = y.grad = None
    return run


def _without_grad(no_grad, step, x, y):
    def run():
        with no_grad():
            _chain(step, x, y)
    return run


def _impls(op, with_grad, torch):
    step, np_step, by_hand = OPS[op]
    rng = np.random.default_rng(0)
    a = rng.standard_normal(SIZE)
    b = 1 + 0.01 * rng.standard_normal(SIZE)   # near 1, so a chain of products stays finite
    g = np.ones(SIZE)
    x = cr.tensor(a, requires_grad=True)
    y = cr.tensor(b, requires_grad=True)
    if with_grad:
        impls = {"chainrule": _with_backward(step, x, y, g), "numpy": lambda: by_hand(a, b, g)}
    else:
        forward = _forward_by_hand(np_step)
        impls = {"chainrule": _without_grad(cr.no_grad, step, x, y), "numpy": lambda: forward(a, b)}
    if torch is not None:
        tx = torch.tensor(a, requires_grad=True)
        ty = torch.tensor(b, requires_grad=True)
        tg = torch.tensor(g)
        impls["torch"] = (_with_backward(step, tx, ty, tg) if with_grad
                          else _without_grad(torch.no_grad, step, tx, ty))
    return impls


def run(torch="auto"):
    """Rows for mul, add and tanh: forward + backward, then forward under no_grad."""
    torch = load_torch() if torch == "auto" else torch
    rows = []
    for with_grad, target in ((True, TARGET_GRAD_US), (False, TARGET_NO_GRAD_US)):
        for op in OPS:
            t = compare(_impls(op, with_grad, torch))
            per_op = {name: timing.best / CHAIN for name, timing in t.items()}
            overhead_us = (per_op["chainrule"] - per_op["numpy"]) * 1e6
            mode = "fwd+bwd" if with_grad else "fwd, no_grad"
            rows.append(Row(
                benchmark=f"{op}, 10 float64, {mode}, per op",
                chainrule=per_op["chainrule"], numpy=per_op["numpy"], torch=per_op.get("torch"),
                target=f"overhead <= {target:g} us", met=overhead_us <= target,
                unit="us", detail=f"overhead {overhead_us:.2f} us"))
    return rows
