"""Helpers shared by the op tests: an independent finite-difference oracle.

Deliberately separate from ``cr.numerical_grad``: the tests of the ops should
not lean on the library code that ``chainrule check`` itself relies on.
"""
import numpy as np

import chainrule as cr


def leaf(value):
    """A float64 tensor that requires grad."""
    return cr.tensor(np.array(value, dtype=np.float64), requires_grad=True)


def numerical_grad(f, x, eps=1e-6):
    """Central differences of the scalar function ``f`` of the array ``x``."""
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
    return grad


def check_grad(op, x, atol=1e-6, seed=0):
    """Compare the gradient of sum(op(x) * w), for a random w, with finite differences."""
    w = np.random.default_rng(seed).standard_normal(np.shape(op(x).data))
    t = leaf(x)
    op(t).backward(w)
    expected = numerical_grad(lambda a: np.sum(op(a).data * w), x)
    np.testing.assert_allclose(t.grad.data, expected, atol=atol)
