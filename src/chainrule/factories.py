"""Making tensors: from data, filled, ranges and random draws; the default dtype."""
import numpy as np

from .tensor import Tensor

_default = {"dtype": np.dtype(np.float64), "rng": np.random.default_rng()}


def get_default_dtype():
    """The dtype that Python floats become (float64 unless changed)."""
    return _default["dtype"]


def set_default_dtype(dtype):
    """Make Python floats (and float factories) use ``dtype``: float32 or float64."""
    dtype = np.dtype(dtype)
    if not np.issubdtype(dtype, np.floating):
        raise TypeError(f"set_default_dtype: expected a floating-point dtype, got {dtype}")
    _default["dtype"] = dtype


def manual_seed(seed):
    """Reset the generator that ``randn``, ``rand`` and ``nn.init`` draw from."""
    _default["rng"] = np.random.default_rng(seed)


def default_rng():
    """The generator reset by :func:`manual_seed`."""
    return _default["rng"]


def as_array(data, dtype=None):
    """A fresh NumPy array from ``data``: Python floats take the default dtype,
    NumPy arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data)
    array = np.array(data)
    if array.dtype == np.float64:
        array = array.astype(_default["dtype"], copy=False)
    return array


def tensor(data, dtype=None, requires_grad=False, name=None):
    """A new tensor holding a copy of ``data`` (a number, nested list, array or Tensor)."""
    return Tensor(data, dtype=dtype, requires_grad=requires_grad, name=name)


def _float_dtype(dtype):
    return np.dtype(dtype) if dtype is not None else _default["dtype"]


def _made(array, requires_grad):
    return Tensor._wrap(array).requires_grad_(requires_grad)


def zeros(*shape, dtype=None, requires_grad=False):
    return _made(np.zeros(_shape(shape), _float_dtype(dtype)), requires_grad)


def ones(*shape, dtype=None, requires_grad=False):
    return _made(np.ones(_shape(shape), _float_dtype(dtype)), requires_grad)


def full(shape, fill_value, dtype=None, requires_grad=False):
    if dtype is None:
        dtype = as_array(fill_value).dtype
    return _made(np.full(_shape((shape,)), fill_value, dtype), requires_grad)


def zeros_like(t, dtype=None, requires_grad=False):
    return _made(np.zeros(np.shape(t), dtype or _dtype_of(t)), requires_grad)


def ones_like(t, dtype=None, requires_grad=False):
    return _made(np.ones(np.shape(t), dtype or _dtype_of(t)), requires_grad)


def arange(start, stop=None, step=1, dtype=None, requires_grad=False):
    """Like ``np.arange``; float bounds give the default float dtype."""
    array = np.arange(start, stop, step) if stop is not None else np.arange(start)
    return _made(as_array(array, dtype) if dtype else _floats_to_default(array), requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False):
    return _made(np.eye(n, m, dtype=_float_dtype(dtype)), requires_grad)


def randn(*shape, dtype=None, requires_grad=False, rng=None):
    """Standard normal draws from ``rng`` or the generator reset by ``manual_seed``."""
    rng = rng or _default["rng"]
    return _made(rng.standard_normal(_shape(shape)).astype(_float_dtype(dtype)), requires_grad)


def rand(*shape, dtype=None, requires_grad=False, rng=None):
    """Uniform draws on [0, 1) from ``rng`` or the generator reset by ``manual_seed``."""
    rng = rng or _default["rng"]
    return _made(rng.random(_shape(shape)).astype(_float_dtype(dtype)), requires_grad)


def _shape(args):
    # zeros(2, 3) and zeros((2, 3)) both work, as in PyTorch.
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        return tuple(args[0])
    return tuple(int(n) for n in args)


def _dtype_of(t):
    return t.dtype if hasattr(t, "dtype") else np.asarray(t).dtype


def _floats_to_default(array):
    return array.astype(_default["dtype"]) if array.dtype == np.float64 else array
