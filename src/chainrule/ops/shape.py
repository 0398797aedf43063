"""Shape primitives: views and rearrangements whose rules move cotangents back.

The primitives are reshape, transpose, broadcast_to, concatenate, pad (constant
mode), getitem with its transpose index_add, and astype. Every other shape op
(swapaxes, expand_dims, squeeze, flatten, stack, split, the other pad modes)
is a composite of these and has no derivative code of its own. All of them are
linear, so each JVP applies the op itself to the tangent.
"""
import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .._core.primitive import defjvp, defjvp_argnum, defvjp, defvjp_argnum, nondifferentiable, primitive


def _shape(x):
    # Arrays and Tensors carry their shape; np.shape is only for Python numbers
    # and lists (on a Tensor it would go through NumPy's function dispatch).
    return x.shape if hasattr(x, "shape") else np.shape(x)


def batch_axes(t, x):
    """The leading axes by which a tangent ``t`` has more than its primal ``x``:
    several directions at once, in forward mode."""
    return tuple(np.shape(t)[:np.ndim(t) - np.ndim(x)])


def _shape_arg(shape):
    # reshape(x, 2, 3) and reshape(x, (2, 3)) both work, as in NumPy's method and PyTorch.
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return shape


# --- reshape, transpose, broadcast_to ---------------------------------------
@primitive(name="reshape", shares_memory=True)
def _reshape(x, shape):
    return np.reshape(x, shape)


defvjp(_reshape, lambda g, ans, x, shape: _reshape(g, x.shape))
defjvp(_reshape, lambda t, ans, x, shape: _reshape(t, batch_axes(t, x) + tuple(np.shape(ans))))
_reshape.batched_jvp = True


def reshape(x, *shape):
    """Same data in a new shape; ``-1`` stands for the size that fits."""
    return _reshape(x, _shape_arg(shape))


@primitive(name="transpose", shares_memory=True)
def _transpose(x, axes=None):
    return np.transpose(x, axes)


def _inverse_permutation(axes, ndim):
    return None if axes is None else tuple(np.argsort([a % ndim for a in axes]))


defvjp(_transpose, lambda g, ans, x, axes=None: _transpose(g, _inverse_permutation(axes, x.ndim)))
def _transpose_jvp(t, ans, x, axes=None):
    nb, ndim = len(batch_axes(t, x)), np.ndim(x)
    order = range(ndim)[::-1] if axes is None else [a % ndim for a in axes]
    return _transpose(t, tuple(range(nb)) + tuple(nb + a for a in order))


defjvp(_transpose, _transpose_jvp)
_transpose.batched_jvp = True


def transpose(x, *axes):
    """Permute axes as NumPy does (reverse them by default)."""
    axes = _shape_arg(axes) if axes else None
    return _transpose(x, axes)


@primitive(shares_memory=True)
def broadcast_to(x, shape):
    return np.broadcast_to(x, shape)


# The engine sums the cotangent back over the broadcast axes.
defvjp(broadcast_to, lambda g, ans, x, shape: g)
def _broadcast_to_jvp(t, ans, x, shape):
    # Line the tangent's own axes up with the target's last ones, behind the batch axes.
    batch = batch_axes(t, x)
    padded = _reshape(t, batch + (1,) * (len(shape) - np.ndim(x)) + tuple(np.shape(x)))
    return broadcast_to(padded, batch + tuple(shape))


defjvp(broadcast_to, _broadcast_to_jvp)
broadcast_to.batched_jvp = True


def expand_dims_to(g, x, axis, keepdims):
    """Put back, as size 1, the axes that a reduction of ``x`` over ``axis`` removed."""
    if keepdims:
        return g
    ndim = len(_shape(x))
    axes = range(ndim) if axis is None else sorted(a % ndim for a in _as_tuple(axis))
    shape = list(_shape(g))
    for a in axes:
        shape.insert(a, 1)
    return _reshape(g, tuple(shape))


def _as_tuple(axis):
    return axis if isinstance(axis, tuple) else (axis,)


# --- composites over reshape and transpose ------------------------------------
def _shape_after(opname, numpy_op, x, *args):
    """The shape NumPy's ``numpy_op`` would give ``x``, with NumPy's own checks.

    It runs on a zero-stride stand-in for ``x``, so no data is touched or allocated.
    """
    shape = _shape(x)
    try:
        return numpy_op(np.broadcast_to(False, shape), *args).shape
    except ValueError as err:
        raise ValueError(f"{opname}: {err} (input shape {shape})") from err


def swapaxes(x, axis1, axis2):
    """Exchange two axes."""
    ndim = len(_shape(x))
    axes = list(range(ndim))
    a, b = normalize_axis_index(axis1, ndim, "swapaxes"), normalize_axis_index(axis2, ndim, "swapaxes")
    axes[a], axes[b] = b, a
    return _transpose(x, tuple(axes))


def expand_dims(x, axis):
    """Insert size-1 axes at the positions ``axis`` (an int or tuple) of the result."""
    return _reshape(x, _shape_after("expand_dims", np.expand_dims, x, axis))


def squeeze(x, axis=None):
    """Remove size-1 axes: all of them, or those in ``axis``."""
    return _reshape(x, _shape_after("squeeze", np.squeeze, x, axis))


def flatten(x, start_dim=0, end_dim=-1):
    """Merge axes ``start_dim`` to ``end_dim`` into one (all of them by default, as NumPy)."""
    shape = _shape(x)
    if not shape:
        return _reshape(x, (1,))
    start = normalize_axis_index(start_dim, len(shape), "flatten")
    end = normalize_axis_index(end_dim, len(shape), "flatten")
    merged = int(np.prod(shape[start:end + 1]))
    return _reshape(x, shape[:start] + (merged,) + shape[end + 1:])


# --- indexing -----------------------------------------------------------------
@primitive(name="getitem")
def getitem(x, index):
    """``x[index]`` with NumPy's basic and advanced indexing."""
    return np.asarray(x)[index]


@primitive(name="index_add")
def _index_add(g, index, shape):
    """Zeros of ``shape`` with ``g`` added at ``index``: the transpose of getitem."""
    out = np.zeros(shape, np.result_type(g))
    if _may_repeat(index):
        # An element picked twice gets both cotangents, which assignment would drop.
        np.add.at(out, index, g)
    else:
        out[index] = g
    return out


def _may_repeat(index):
    """Whether ``index`` may select an element more than once: it holds integer arrays."""
    parts = index if isinstance(index, tuple) else (index,)
    return any(isinstance(p, (list, tuple, np.ndarray)) and np.asarray(p).dtype != np.bool_ for p in parts)


# Indexing and index_add are each other's transpose, so derivatives of any order stay indexing.
defvjp(getitem, lambda g, ans, x, index: _index_add(g, index, x.shape))
defvjp(_index_add, lambda g, ans, v, index, shape: getitem(g, index))


def _positions(shape, index):
    """The flat positions in an array of ``shape`` that ``index`` picks, shaped like the result."""
    return np.arange(int(np.prod(shape))).reshape(shape)[index]


# With directions on leading axes, the index applies to the flattened trailing
# axes as one integer array: put after an Ellipsis, any index (basic, advanced,
# boolean, with Ellipsis or newaxis) then leaves the batch axes in front.
def _getitem_jvp(t, ans, x, index):
    batch = batch_axes(t, x)
    if not batch:
        return getitem(t, index)
    return getitem(_reshape(t, batch + (-1,)), (Ellipsis, _positions(_shape(x), index)))


def _index_add_jvp(t, ans, v, index, shape):
    batch = batch_axes(t, v)
    if not batch:
        return _index_add(t, index, shape)
    flat = _index_add(t, (Ellipsis, _positions(shape, index)), batch + (int(np.prod(shape)),))
    return _reshape(flat, batch + tuple(shape))


defjvp(getitem, _getitem_jvp)
defjvp(_index_add, _index_add_jvp)
getitem.batched_jvp = _index_add.batched_jvp = True


def _along(axis, ndim, part):
    """An index that applies ``part`` (a slice) to axis ``axis`` and keeps the others whole."""
    return (slice(None),) * (axis % ndim) + (part,)


def split(x, indices_or_sections, axis=0):
    """A list of pieces of ``x`` along ``axis``, as numpy.split: equal sections or cut points."""
    n = _shape(x)[axis]
    if isinstance(indices_or_sections, (int, np.integer)):
        sections = int(indices_or_sections)
        if sections <= 0 or n % sections:
            raise ValueError(f"split: axis {axis} of length {n} does not divide into {sections} equal sections")
        cuts = list(range(n // sections, n, n // sections))
    else:
        cuts = list(indices_or_sections)
    edges = [0] + cuts + [n]
    ndim = len(_shape(x))
    return [getitem(x, _along(axis, ndim, slice(a, b))) for a, b in zip(edges[:-1], edges[1:])]


# --- concatenate and stack ----------------------------------------------------
@primitive(name="concatenate")
def _concatenate(*parts, axis=0):
    # The parts come as separate arguments: the engine differentiates positional arguments.
    return np.concatenate(parts, axis=axis)


def _part_bounds(i, parts, axis):
    sizes = [_shape(p)[axis] for p in parts]
    start = sum(sizes[:i])
    return start, start + sizes[i], sum(sizes)


def _concatenate_vjp(i):
    # Part i's cotangent is its own stretch of the output's cotangent.
    def rule(g, ans, *parts, axis=0):
        start, stop, _ = _part_bounds(i, parts, axis)
        return getitem(g, _along(axis, ans.ndim, slice(start, stop)))
    return rule


def _concatenate_jvp(i):
    # Part i's tangent lands in its stretch of the output; zeros elsewhere
    # (and on any leading batch axes of the tangent, no padding).
    def rule(t, ans, *parts, axis=0):
        start, stop, total = _part_bounds(i, parts, axis)
        ndim = len(_shape(ans))
        widths = [(0, 0)] * (len(batch_axes(t, parts[i])) + ndim)
        widths[axis % ndim - ndim] = (start, total - stop)
        return _pad(t, tuple(widths))
    return rule


defvjp_argnum(_concatenate, _concatenate_vjp)
defjvp_argnum(_concatenate, _concatenate_jvp)
_concatenate.batched_jvp = True


def concatenate(tensors, axis=0):
    """Join a sequence of arrays along an existing axis (``axis=None``: flattened first)."""
    if axis is None:
        tensors, axis = [_reshape(t, (-1,)) for t in tensors], 0
    return _concatenate(*tensors, axis=axis)


def stack(tensors, axis=0):
    """Join arrays of one shape along a new axis ``axis``."""
    shapes = {_shape(t) for t in tensors}
    if len(shapes) != 1:
        raise ValueError(f"stack: expected at least one array and all of the same shape, got shapes "
                         f"{[_shape(t) for t in tensors]}")
    return _concatenate(*[expand_dims(t, axis) for t in tensors], axis=axis)


# --- pad --------------------------------------------------------------------------
@primitive(name="pad")
def _pad(x, pad_width, constant_values=0):
    return np.pad(x, pad_width, mode="constant", constant_values=constant_values)


def _pad_pairs(pad_width, ndim):
    """``pad_width`` as one (before, after) pair per axis, read as numpy.pad reads it."""
    try:
        pairs = np.broadcast_to(np.asarray(pad_width, dtype=int), (ndim, 2))
    except ValueError as err:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit an input with {ndim} axes; expected "
                         "an int, a (before, after) pair or one pair per axis") from err
    if (pairs < 0).any():
        raise ValueError(f"pad: pad_width {pad_width!r} has negative widths")
    return tuple((int(before), int(after)) for before, after in pairs)


def _unpadded(pad_width, shape):
    """The index of the original elements inside the padded array."""
    pairs = _pad_pairs(pad_width, len(shape))
    return tuple(slice(before, before + n) for (before, _), n in zip(pairs, shape))


# The padding is constant, so only the original elements get a cotangent (or carry a tangent).
defvjp(_pad, lambda g, ans, x, pad_width, constant_values=0: getitem(g, _unpadded(pad_width, x.shape)))
defjvp(_pad, lambda t, ans, x, pad_width, constant_values=0:
       _pad(t, ((0, 0),) * len(batch_axes(t, x)) + _pad_pairs(pad_width, len(_shape(x)))))
_pad.batched_jvp = True

# Modes where each padded element copies an element of the input.
_GATHER_MODES = ("edge", "reflect", "symmetric", "wrap")


def pad(x, pad_width, mode="constant", constant_values=0):
    """Pad ``x`` as numpy.pad does, in mode "constant", "edge", "reflect", "symmetric" or "wrap"."""
    shape = _shape(x)
    pairs = _pad_pairs(pad_width, len(shape))
    if mode == "constant":
        return _pad(x, pairs, constant_values=constant_values)
    if mode in _GATHER_MODES:
        # Pad the positions of x instead of its values, then gather: indexing
        # already knows how to send the cotangents back (adding up repeats).
        source = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pairs, mode=mode)
        return getitem(_reshape(x, (-1,)), source)
    raise NotImplementedError(
        f"pad: mode {mode!r} is not supported; expected one of 'constant', {', '.join(map(repr, _GATHER_MODES))}")


# --- astype -----------------------------------------------------------------------
@primitive(name="astype")
def _astype(x, dtype):
    return np.asarray(x).astype(dtype)


# A cast is the identity on values: the cotangent is cast back to the input's dtype.
defvjp(_astype, lambda g, ans, x, dtype: _astype(g, x.dtype))
defjvp(_astype, lambda t, ans, x, dtype: _astype(t, dtype))
_astype.batched_jvp = True

_cast_constant = nondifferentiable(lambda x, dtype: np.asarray(x).astype(dtype), "astype")


def astype(x, dtype):
    """``x`` cast to ``dtype``; differentiable to float dtypes, a constant otherwise."""
    if np.issubdtype(dtype, np.floating):
        return _astype(x, dtype)
    return _cast_constant(x, dtype)
