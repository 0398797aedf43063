"""Linear algebra: matmul (NumPy semantics, batched and 1-D), dot, einsum."""
import string

import numpy as np

from .._core.primitive import defjvp, defjvp_argnum, defvjp, defvjp_argnum, primitive
from .elementwise import mul
from .shape import reshape, transpose


@primitive
def matmul(x, y):
    return np.matmul(x, y)


def _as_matrices(x, y):
    # A 1-D operand acts as a row (left) or column (right) vector, as in NumPy.
    x2 = reshape(x, (1, -1)) if np.ndim(x) == 1 else x
    y2 = reshape(y, (-1, 1)) if np.ndim(y) == 1 else y
    return x2, y2


def _matrix_T(a):
    axes = tuple(range(np.ndim(a) - 2)) + (np.ndim(a) - 1, np.ndim(a) - 2)
    return transpose(a, axes)


def _g_as_matrix(g, x, y):
    shape = np.shape(g)
    if np.ndim(x) == 1:
        shape = shape[:-1] + (1,) + shape[-1:] if np.ndim(y) > 1 else shape + (1,)
    if np.ndim(y) == 1:
        shape = shape + (1,)
    return reshape(g, shape) if shape != np.shape(g) else g


def _matmul_vjp_x(g, ans, x, y):
    # For s = W x: dJ/dW = g x^T; batch axes broadcast are summed by the engine.
    x2, y2 = _as_matrices(x, y)
    gx = matmul(_g_as_matrix(g, x, y), _matrix_T(y2))
    if np.ndim(x) == 1:  # drop the row axis; the engine sums any batch axes
        gx = reshape(gx, np.shape(gx)[:-2] + np.shape(gx)[-1:])
    return gx


def _matmul_vjp_y(g, ans, x, y):
    # For s = W x: dJ/dx = W^T g.
    x2, y2 = _as_matrices(x, y)
    g2 = _g_as_matrix(g, x, y)
    if np.ndim(x2) == 2 and _stored_transposed(y):
        # y is W.T for a row-major W (as in x @ W.T): computing (g^T x)^T lets
        # the transpose's own rule hand W its gradient in W's layout, uncopied.
        gy = _matrix_T(matmul(_matrix_T(g2), x2))
    else:
        gy = matmul(_matrix_T(x2), g2)
    if np.ndim(y) == 1:  # drop the column axis; the engine sums any batch axes
        gy = reshape(gy, np.shape(gy)[:-1])
    return gy


def _stored_transposed(a):
    # Layout only, not value: a 2-D operand that is the transpose of a row-major array.
    flags = np.asarray(a).flags
    return np.ndim(a) == 2 and flags.f_contiguous and not flags.c_contiguous


defvjp(matmul, _matmul_vjp_x, _matmul_vjp_y)
# matmul is bilinear: the tangent takes the place of its operand. A tangent
# may carry directions on leading axes (forward mode); where the other operand
# has at most two axes, they ride along as rows of one matrix product.
def _matmul_jvp_x(t, ans, x, y):
    if np.ndim(t) == np.ndim(x) or np.ndim(y) <= 2:
        return matmul(t, y)
    t2, y2 = _batched_operands(t, x, y)
    return reshape(matmul(t2, y2), np.shape(t)[:np.ndim(t) - np.ndim(x)] + np.shape(ans))


def _matmul_jvp_y(t, ans, x, y):
    if np.ndim(t) == np.ndim(y):
        return matmul(x, t)
    if np.ndim(y) == 1 and np.ndim(x) <= 2:  # (x t_k) for every direction k, as rows: T x^T
        return matmul(t, _matrix_T(x) if np.ndim(x) == 2 else x)
    t2, x2 = _batched_operands(t, y, x, left=False)
    return reshape(matmul(x2, t2), np.shape(t)[:np.ndim(t) - np.ndim(y)] + np.shape(ans))


def _batched_operands(t, a, other, left=True):
    """Tangent ``t`` of operand ``a`` (directions on leading axes) and the other
    operand, as matrices whose product has the directions in front: 1-D operands
    become a row (left) or column (right), and ``t`` gets size-1 axes so that
    the directions do not broadcast against the stacked axes of ``other``."""
    a_shape = np.shape(a) if np.ndim(a) > 1 else ((1,) + np.shape(a) if left else np.shape(a) + (1,))
    other2 = other if np.ndim(other) > 1 else reshape(other, (-1, 1) if left else (1, -1))
    batch = np.shape(t)[:np.ndim(t) - np.ndim(a)]
    pad = max(np.ndim(other2) - len(a_shape), 0)
    return reshape(t, batch + (1,) * pad + a_shape), other2


defjvp(matmul, _matmul_jvp_x, _matmul_jvp_y)
matmul.batched_jvp = True


def dot(x, y):
    """NumPy's ``dot``: a product with a 0-d operand, else the sum over the last
    axis of ``x`` and the second-to-last of ``y`` (the only one, if 1-D)."""
    if np.ndim(x) == 0 or np.ndim(y) == 0:
        return mul(x, y)
    inner = np.shape(y)[-2] if np.ndim(y) > 1 else np.shape(y)[0]
    if np.shape(x)[-1] != inner:
        raise ValueError(f"dot: shapes {np.shape(x)} and {np.shape(y)} not aligned: the last axis of the "
                         f"first ({np.shape(x)[-1]}) must match the second-to-last of the second ({inner})")
    if np.ndim(x) == 1 or np.ndim(y) <= 2:
        return matmul(x, y)  # matmul agrees with dot when at most one operand is stacked
    # N-D with M-D: every row of x meets every matrix of y (no batch broadcasting), so
    # bring y's contracted axis to the front and contract as one matrix product.
    ndim = np.ndim(y)
    y_front = transpose(y, (ndim - 2,) + tuple(range(ndim - 2)) + (ndim - 1,))
    out = matmul(reshape(x, (-1, inner)), reshape(y_front, (inner, -1)))
    return reshape(out, np.shape(x)[:-1] + np.shape(y)[:-2] + np.shape(y)[-1:])


# --- einsum ----------------------------------------------------------------
@primitive(name="einsum")
def _einsum(*operands, subscripts):
    # A path search pays off once three or more operands can be contracted pairwise.
    out = np.einsum(subscripts, *operands, optimize=len(operands) > 2)
    # 'ii->i' or 'ij->ji' come back as views of the operand; a copy keeps an in-place
    # write to the operand from changing the result behind the graph's back.
    if any(np.may_share_memory(out, a) for a in operands):
        out = out.copy()
    return out


def einsum(subscripts, *operands):
    """Einstein summation as NumPy's ``einsum(subscripts, *operands)``: explicit
    (``'ij,jk->ik'``) or implicit (``'ij,jk'``) output, ``...`` for broadcast
    axes, and repeated indices in one operand for diagonals (``'ii->i'``)."""
    return _einsum(*operands, subscripts=subscripts)


def _parse(subscripts, shapes):
    """Operand and output index strings of ``subscripts``, with ``...`` spelled
    out as unused letters (right-aligned, so fewer broadcast axes use the last
    ones) and an implicit output made explicit as NumPy does: the broadcast
    axes, then the indices seen once, in alphabetical order."""
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    inputs = inputs.split(",")
    if len(inputs) != len(shapes):
        raise ValueError(f"einsum: subscripts {subscripts!r} name {len(inputs)} operands, "
                         f"got {len(shapes)}")
    spare = iter(_unused_letters(subscripts))
    n_broadcast = max((len(shape) - len(s) + 3 for s, shape in zip(inputs, shapes) if "..." in s),
                      default=0)
    broadcast = "".join(next(spare) for _ in range(n_broadcast))
    inputs = [s.replace("...", broadcast[n_broadcast - (len(shape) - len(s) + 3):]) if "..." in s else s
              for s, shape in zip(inputs, shapes)]
    if arrow:
        return inputs, output.replace("...", broadcast)
    letters = "".join(inputs)
    once = sorted(c for c in set(letters) if letters.count(c) == 1 and c not in broadcast)
    return inputs, broadcast + "".join(once)


def _unused_letters(subscripts):
    return [c for c in string.ascii_letters if c not in subscripts]


def _einsum_vjp(argnum):
    """The VJP for operand ``argnum``: einsum is linear in each operand, so its
    cotangent contracts ``g`` with all the other operands back onto that
    operand's indices.

    Two kinds of index cannot be written as an einsum output directly. An index
    repeated in the operand (a diagonal, ``'ii'``) gets a fresh letter for each
    repeat and an identity-matrix factor tying it to the first. An index found
    only in this operand (summed away, ``'ij->i'``) gets a factor of ones, which
    broadcasts the cotangent back along it.
    """

    def vjp(g, ans, *operands, subscripts):
        shapes = [np.shape(a) for a in operands]
        inputs, output = _parse(subscripts, shapes)
        target = inputs[argnum]
        size = dict(zip(target, shapes[argnum]))
        spare = iter(_unused_letters("".join(inputs) + output))
        terms = [output] + inputs[:argnum] + inputs[argnum + 1:]
        factors = [g] + list(operands[:argnum]) + list(operands[argnum + 1:])
        seen, fresh = set(), ""
        for c in target:
            if c in seen:
                letter = next(spare)
                terms.append(c + letter)
                factors.append(np.eye(size[c], dtype=g.dtype))
                fresh += letter
            else:
                seen.add(c)
                fresh += c
        only_here = "".join(c for c in fresh if c not in "".join(terms))
        if only_here:
            terms.append(only_here)
            factors.append(np.ones([size[c] for c in only_here], dtype=g.dtype))
        return _einsum(*factors, subscripts=",".join(terms) + "->" + fresh)

    return vjp


def _einsum_jvp(argnum):
    # Linear in each operand: the tangent takes that operand's place. Directions
    # on the tangent's leading axes get letters of their own, kept in front.
    def jvp(t, ans, *operands, subscripts):
        n_batch = np.ndim(t) - np.ndim(operands[argnum])
        if n_batch:
            inputs, output = _parse(subscripts, [np.shape(a) for a in operands])
            batch = "".join(_unused_letters("".join(inputs) + output)[:n_batch])
            inputs[argnum] = batch + inputs[argnum]
            subscripts = ",".join(inputs) + "->" + batch + output
        return _einsum(*operands[:argnum], t, *operands[argnum + 1:], subscripts=subscripts)

    return jvp


defvjp_argnum(_einsum, _einsum_vjp)
defjvp_argnum(_einsum, _einsum_jvp)
_einsum.batched_jvp = True
