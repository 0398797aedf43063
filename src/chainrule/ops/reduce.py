"""Reductions over axes: sum, mean, var, std, max, min, prod, logsumexp, argmax, argmin.

Each takes ``axis`` (None for all axes, an int or a tuple of ints, negative
ones counting from the end) and ``keepdims`` as NumPy does. A rule first puts
the reduced axes back as size 1 (``expand_dims_to``) so that the cotangent
broadcasts against the input.
"""
import numpy as np

from .._core.primitive import defjvp, defvjp, nondifferentiable, primitive
from .elementwise import exp, sqrt, square, where
from .shape import broadcast_to, expand_dims_to


@primitive
def sum(x, axis=None, keepdims=False):
    return np.sum(x, axis=axis, keepdims=keepdims)


# Every input element feeds its sum with weight 1: the cotangent is copied back.
defvjp(sum, lambda g, ans, x, axis=None, keepdims=False:
       broadcast_to(expand_dims_to(g, x, axis, keepdims), np.shape(x)))
defjvp(sum, lambda t, ans, x, axis=None, keepdims=False: sum(t, axis=from_end(axis, x), keepdims=keepdims))
sum.batched_jvp = True


def from_end(axis, x):
    """``axis`` of ``x`` counted from the end (all axes for None), so that the
    same reduction applies to a tangent with leading batch axes (forward mode)."""
    ndim = np.ndim(x)
    axes = range(ndim) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
    return tuple(a % ndim - ndim for a in axes) if ndim else ()


def _reduction_rules(prim, weights):
    """VJP and JVP of a reduction whose Jacobian, row by row, is ``weights``:
    d ans / d x = weights(ans, x, axis, keepdims), shaped like x.

    The VJP spreads the cotangent over each slice by these weights, the JVP
    sums the weighted tangent over the slice.
    """
    defvjp(prim, lambda g, ans, x, axis=None, keepdims=False:
           expand_dims_to(g, x, axis, keepdims) * weights(ans, x, axis, keepdims))
    defjvp(prim, lambda t, ans, x, axis=None, keepdims=False:
           sum(t * weights(ans, x, axis, keepdims), axis=from_end(axis, x), keepdims=keepdims))
    prim.batched_jvp = True


def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis`` (all axes by default)."""
    return sum(x, axis=axis, keepdims=keepdims) / _count(x, axis)


def var(x, axis=None, keepdims=False, *, ddof=0):
    """Variance over ``axis``: the mean squared deviation, divided by
    ``n - ddof`` instead of ``n`` (``ddof=1`` for the unbiased estimate), as NumPy."""
    centered = x - mean(x, axis=axis, keepdims=True)
    return sum(square(centered), axis=axis, keepdims=keepdims) / (_count(x, axis) - ddof)


def std(x, axis=None, keepdims=False, *, ddof=0):
    """Standard deviation over ``axis``: the square root of :func:`var`."""
    return sqrt(var(x, axis=axis, keepdims=keepdims, ddof=ddof))


def _count(x, axis):
    shape = np.shape(x)
    if axis is None:
        return int(np.prod(shape))
    axes = axis if isinstance(axis, tuple) else (axis,)
    return int(np.prod([shape[a] for a in axes]))


@primitive
def max(x, axis=None, keepdims=False):
    return np.max(x, axis=axis, keepdims=keepdims)


@primitive
def min(x, axis=None, keepdims=False):
    return np.min(x, axis=axis, keepdims=keepdims)


def _tied_share(ans, x, axis, keepdims):
    # The entries equal to the extreme share its derivative evenly: 1/k each for k ties.
    chosen = x == expand_dims_to(ans, x, axis, keepdims)
    return chosen / sum(chosen, axis=axis, keepdims=True)


_reduction_rules(max, _tied_share)
_reduction_rules(min, _tied_share)


@primitive
def prod(x, axis=None, keepdims=False):
    return np.prod(x, axis=axis, keepdims=keepdims)


def _product_of_others(ans, x, axis, keepdims):
    # d prod(x)/dx_i is the product of the other entries of x_i's slice. That is ans / x_i
    # where the slice has no zero. In a slice with one zero only the zero's entry has a
    # nonzero derivative (the product of the rest); with two or more zeros none has.
    # Dividing the zeros out (as ones) keeps this exact and free of 0/0.
    zero = x == 0
    zeros = sum(zero, axis=axis, keepdims=True)
    ones_for_zeros = where(zero, 1.0, x)
    rest = prod(ones_for_zeros, axis=axis, keepdims=True)
    return where(zeros == 0, rest / ones_for_zeros, where(zero, rest, 0.0) * (zeros == 1))


_reduction_rules(prod, _product_of_others)


@primitive
def logsumexp(x, axis=None, keepdims=False):
    """log(sum(exp(x))) over ``axis``, without overflow or underflow."""
    # Shift by the slice maximum so exp sees numbers <= 0. An infinite maximum is not
    # shifted: a slice of all -inf then gives log(0) = -inf rather than nan.
    peak = np.max(x, axis=axis, keepdims=True)
    peak = np.where(np.isfinite(peak), peak, 0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


def _softmax(ans, x, axis, keepdims):
    # d logsumexp(x)/dx_i = exp(x_i - ans), the softmax of the slice. A slice of all -inf
    # (ans = -inf) gets weight exp(-inf) = 0 instead of exp(-inf + inf) = nan.
    ans = expand_dims_to(ans, x, axis, keepdims)
    return exp(x - where(ans == -np.inf, 0.0, ans))


_reduction_rules(logsumexp, _softmax)


argmax = nondifferentiable(np.argmax, "argmax")
argmin = nondifferentiable(np.argmin, "argmin")
