"""Linear algebra: matmul (NumPy semantics, batched and 1-D), dot, einsum."""
import numpy as np

from .._core.primitive import defjvp, defvjp, primitive
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
    gy = matmul(_matrix_T(x2), _g_as_matrix(g, x, y))
    if np.ndim(y) == 1:  # drop the column axis; the engine sums any batch axes
        gy = reshape(gy, np.shape(gy)[:-1])
    return gy


defvjp(matmul, _matmul_vjp_x, _matmul_vjp_y)
defjvp(matmul, lambda t, ans, x, y: matmul(t, y), lambda t, ans, x, y: matmul(x, t))
