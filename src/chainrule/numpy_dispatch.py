"""NumPy calling chainrule: ``np.exp(t)`` and ``np.sum(t)`` run chainrule's ops."""
from . import ops


def array_ufunc(ufunc, method, inputs, kwargs):
    raise TypeError(f"chainrule does not support numpy.{ufunc.__name__} on Tensors")


def array_function(func, args, kwargs):
    raise TypeError(f"chainrule does not support numpy.{func.__name__} on Tensors")
