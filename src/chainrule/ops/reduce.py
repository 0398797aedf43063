"""Reductions over axes: sum, mean, var, std, max, min, prod, logsumexp, argmax, argmin."""
import numpy as np

from .._core.primitive import defjvp, defvjp, nondifferentiable, primitive
from .shape import broadcast_to, expand_dims_to


@primitive
def sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


# Every input element feeds its sum with weight 1: the cotangent is copied back.
defvjp(sum, lambda g, ans, x, axis=None, keepdims=False:
       broadcast_to(expand_dims_to(g, x, axis, keepdims), np.shape(x)))
defjvp(sum, lambda t, ans, x, axis=None, keepdims=False: sum(t, axis=axis, keepdims=keepdims))


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (all axes by default)."""
    return sum(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def _count(x, axis):
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


argmax = nondifferentiable(np.argmax, "argmax")
argmin = nondifferentiable(np.argmin, "argmin")
