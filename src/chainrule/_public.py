"""The operations as users call them: ``chainrule.exp(x)`` always returns a Tensor.

The ops themselves keep raw values raw (so derivative rules run at NumPy
speed); this layer wraps raw results for the public namespace.
"""
import functools

import numpy as np

from . import ops
from .tensor import ArrayOps, Tensor

NAMES = (
    "add sub mul div neg power exp log log1p expm1 sqrt square abs sign sin cos tan tanh "
    "sigmoid relu softplus clip maximum minimum where "
    "less less_equal greater greater_equal equal not_equal "
    "sum mean var std max min prod logsumexp argmax argmin "
    "matmul dot einsum "
    "reshape transpose swapaxes expand_dims squeeze flatten broadcast_to concatenate stack split pad "
    "getitem astype"
).split()


def _as_tensor(value):
    # Tensors, and forward mode's Duals inside jvp, pass through as they are.
    return value if isinstance(value, ArrayOps) else Tensor._wrap(np.asarray(value))


# Implemented with Python's operators, which would concatenate or repeat lists.
_LISTS_AS_ARRAYS = {"add", "sub", "mul", "div", "neg", "power"}


def tensor_result(fn, lists_as_arrays=False):
    """``fn`` with raw results (or each item of a tuple or list of them) made Tensors."""

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if lists_as_arrays and any(type(a) is list for a in args):
            args = [np.asarray(a) if type(a) is list else a for a in args]
        out = fn(*args, **kwargs)
        if isinstance(out, ArrayOps):   # a Tensor in, a Tensor out: the common case
            return out
        if isinstance(out, (tuple, list)):
            return type(out)(_as_tensor(o) for o in out)
        return _as_tensor(out)

    return op


__all__ = [name for name in NAMES if hasattr(ops, name)]
globals().update({name: tensor_result(getattr(ops, name), name in _LISTS_AS_ARRAYS) for name in __all__})
