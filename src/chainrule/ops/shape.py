"""Shape primitives: views and rearrangements whose rules move cotangents back."""
import numpy as np

from .._core.primitive import defjvp, defvjp, primitive


def _shape_arg(shape):
    # reshape(x, 2, 3) and reshape(x, (2, 3)) both work, as in NumPy's method and PyTorch.
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


@primitive(name="reshape", shares_memory=True)
def _reshape(x, shape):
    return np.reshape(x, shape)


defvjp(_reshape, lambda g, ans, x, shape: _reshape(g, np.shape(x)))
defjvp(_reshape, lambda t, ans, x, shape: _reshape(t, shape))


def reshape(x, *shape):
    """Same data in a new shape; ``-1`` stands for the size that fits."""
    return _reshape(x, _shape_arg(shape))


@primitive(name="transpose", shares_memory=True)
def _transpose(x, axes=None):
    return np.transpose(x, axes)


def _inverse_permutation(axes, ndim):
    return None if axes is None else tuple(np.argsort([a % ndim for a in axes]))


defvjp(_transpose, lambda g, ans, x, axes=None: _transpose(g, _inverse_permutation(axes, np.ndim(x))))
defjvp(_transpose, lambda t, ans, x, axes=None: _transpose(t, axes))


def transpose(x, *axes):
    """Permute axes as NumPy does (reverse them by default)."""
    axes = _shape_arg(axes) if axes else None
    return _transpose(x, axes)


@primitive(shares_memory=True)
def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


# The engine sums the cotangent back over the broadcast axes.
defvjp(broadcast_to, lambda g, ans, x, shape: g)
defjvp(broadcast_to, lambda t, ans, x, shape: broadcast_to(t, shape))


def expand_dims_to(g, x, axis, keepdims):
    """Put back, as size 1, the axes that a reduction of ``x`` over ``axis`` removed."""
    if keepdims:
        return g
    ndim = np.ndim(x)
    axes = range(ndim) if axis is None else sorted(a % ndim for a in _as_tuple(axis))
    shape = list(np.shape(g))
    for a in axes:
        shape.insert(a, 1)
    return _reshape(g, tuple(shape))


def _as_tuple(axis):
    return axis if isinstance(axis, tuple) else (axis,)
