"""NumPy calling chainrule: ``np.exp(t)`` and ``np.sum(t)`` run chainrule's ops.

``Tensor.__array_ufunc__`` and ``Tensor.__array_function__`` land here. Each
supported NumPy name maps to the chainrule op that computes the same thing
differentiably; the op is looked up by name at call time, so a name works as
soon as ``chainrule.ops`` has it. NumPy's keyword arguments are translated to
the op's; one the op cannot honour (``out=``, a ``where=`` mask, a different
``dtype``) is a TypeError naming it. Anything not in these tables is a
TypeError too, never a silent loss of the gradient.

Functions that yield no gradient by nature (``np.shape``, ``np.zeros_like``,
``np.allclose``, ...) run on the raw values; an array result comes back as a
Tensor that does not require grad, anything else (a shape, a bool) as is.
"""
import functools
import inspect

import numpy as np

from . import ops
from ._core.forward import Dual
from .tensor import Tensor

# NumPy ufunc name -> chainrule op name, where they differ.
_UFUNC_RENAMES = {"subtract": "sub", "multiply": "mul", "divide": "div", "true_divide": "div",
                  "negative": "neg", "absolute": "abs", "positive": "_positive"}
_UFUNCS = frozenset((
    "add subtract multiply divide true_divide negative positive power exp log log1p expm1 sqrt "
    "square absolute sign sin cos tan tanh maximum minimum matmul logaddexp "
    "less less_equal greater greater_equal equal not_equal").split())
# ``np.add.reduce(t, axis)`` and friends are the reductions.
_UFUNC_REDUCTIONS = {"add": "sum", "multiply": "prod", "maximum": "max", "minimum": "min"}
# Boolean results carry no gradient, so these may run on the raw values.
_BOOLEAN_UFUNCS = frozenset("isnan isinf isfinite signbit logical_not logical_and logical_or "
                            "logical_xor".split())
# Keyword arguments of every ufunc and the values that change nothing.
_UFUNC_DEFAULTS = {"out": None, "where": True, "casting": "same_kind", "order": "K", "dtype": None,
                   "subok": True, "signature": None, "axes": None, "axis": None, "keepdims": False}

# NumPy function name -> (chainrule op, how many leading NumPy parameters go by position).
# The remaining parameters go by keyword to the op when it takes them, else must be left alone.
_FUNCTIONS = {
    **{name: (name, 1) for name in "sum mean var std max min prod argmax argmin squeeze "
                                    "concatenate stack clip".split()},
    "amax": ("max", 1), "amin": ("min", 1), "ravel": ("flatten", 1),
    **{name: (name, 2) for name in "reshape transpose expand_dims broadcast_to split pad dot".split()},
    "swapaxes": ("swapaxes", 3), "where": ("where", 3), "einsum": ("einsum", 0),
}
_NO_GRADIENT = frozenset((
    "shape ndim size result_type zeros_like ones_like empty_like full_like "
    "allclose isclose array_equal count_nonzero nonzero argsort").split())
# NumPy keyword -> the op's name for it, tried when the op does not take NumPy's.
_ALIASES = {"min": "a_min", "max": "a_max", "ddof": "correction", "correction": "ddof"}
# NumPy keywords that change nothing here: at any value (Tensors are no ndarray subclass, and a
# contraction order changes speed, not values), or at a value other than the signature's default.
_ANY_VALUE = frozenset(("subok", "optimize"))
_NEUTRAL = {"where": True}


def array_ufunc(ufunc, method, inputs, kwargs):
    """``ufunc.method(*inputs, **kwargs)`` with a Tensor among the inputs."""
    name = ufunc.__name__
    where = f"numpy.{name}" if method == "__call__" else f"numpy.{name}.{method}"
    if method == "__call__" and name in _BOOLEAN_UFUNCS:
        _check_defaults(where, kwargs, _UFUNC_DEFAULTS)
        return _no_gradient(ufunc, inputs, {})
    if method == "__call__" and name in _UFUNCS:
        op = _op(_UFUNC_RENAMES.get(name, name), where)
        dtype = kwargs.pop("dtype", None)
        _check_defaults(where, kwargs, _UFUNC_DEFAULTS)
        return _checked_dtype(where, op(*inputs), dtype)
    if method == "reduce" and name in _UFUNC_REDUCTIONS:
        op = _op(_UFUNC_REDUCTIONS[name], where)
        axis, keepdims = kwargs.pop("axis", 0), kwargs.pop("keepdims", False)
        dtype = kwargs.pop("dtype", None)
        _check_defaults(where, kwargs, {"out": None, "where": True})
        return _checked_dtype(where, op(*inputs, axis=axis, keepdims=keepdims), dtype)
    raise _unsupported(where)


def array_function(func, args, kwargs):
    """``func(*args, **kwargs)`` for a NumPy function that found a Tensor in its arguments."""
    where = f"{func.__module__}.{func.__name__}"
    name = func.__name__ if func.__module__ == "numpy" else None
    # np.where(condition) alone is np.nonzero: indices, which carry no gradient.
    if name in _NO_GRADIENT or (name == "where" and len(args) + len(kwargs) == 1):
        return _no_gradient(func, args, kwargs)
    if name not in _FUNCTIONS:
        raise _unsupported(where)
    op_name, n_positional = _FUNCTIONS[name]
    op = _op(op_name, where)
    positional, named, defaults = _split(func, n_positional, args, kwargs)
    dtype = named.pop("dtype", None)
    accepted = _parameters(op)
    forwarded = {}
    for key, value in named.items():
        target = key if key in accepted else _ALIASES.get(key)
        if key == "out":
            _reject_out(where, value)
        elif target in accepted:
            # A value the caller gave wins over NumPy's default for the same op parameter.
            if target not in forwarded or not _same(value, defaults.get(key)):
                forwarded[target] = value
        else:
            _check_defaults(where, {key: value}, defaults)
    return _checked_dtype(where, op(*positional, **forwarded), dtype)


def _positive(x):
    # +x: the same values; as an operator, +t returns t itself.
    return x


def _op(name, where):
    op = _positive if name == "_positive" else getattr(ops, name, None)
    if op is None:
        raise _unsupported(where)
    return op


def _unsupported(where):
    return TypeError(
        f"{where} is not supported on chainrule Tensors: chainrule has no differentiable version "
        "of it, and running NumPy on the raw values would silently drop the gradient. For a value "
        "that needs no gradient, call it on t.detach().numpy()")


def _split(func, n_positional, args, kwargs):
    """NumPy's arguments as (positional for the op, keywords, NumPy's defaults).

    Keywords hold every remaining NumPy parameter, defaults included, so
    that NumPy's defaults (``ddof=0``) are passed on rather than the op's own.
    """
    signature = _signature(func)
    given = signature.bind(*args, **kwargs).arguments
    positional, named, defaults = [], {}, {}
    for i, (key, param) in enumerate(signature.parameters.items()):
        if param.kind is param.VAR_POSITIONAL:
            positional.extend(given.get(key, ()))
        elif param.kind is param.VAR_KEYWORD:
            named.update(given.get(key, {}))
        elif i < n_positional:
            # An optional argument left at None (np.transpose's axes) means "the op's default".
            if key in given and not (given[key] is None and param.default is None):
                positional.append(given[key])
        else:
            defaults[key] = param.default
            value = given.get(key, param.default)
            if value is not np._NoValue:
                named[key] = value
    return positional, named, defaults


@functools.cache
def _signature(func):
    return inspect.signature(func)


@functools.cache
def _parameters(op):
    """Names ``op`` takes by keyword; every name if it takes ``**kwargs``."""
    params = inspect.signature(op).parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return _Everything()
    return frozenset(p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))


class _Everything:
    """The parameter names of an op that takes ``**kwargs``."""

    def __contains__(self, name):
        return name is not None


def _same(value, default):
    """Whether an argument is exactly a default (arrays never are)."""
    if value is default:
        return True
    return isinstance(value, (str, bool, int, float)) and type(value) is type(default) and value == default


def _check_defaults(where, kwargs, defaults):
    for key, value in kwargs.items():
        if key == "out":
            _reject_out(where, value)
        elif not (key in _ANY_VALUE or _same(value, defaults.get(key, np._NoValue))
                  or _same(value, _NEUTRAL.get(key, np._NoValue))):
            raise TypeError(
                f"{where}: chainrule cannot honour {key}={_show(value)}; leave it at NumPy's default "
                f"({defaults.get(key, np._NoValue)!r}) or call it on t.detach().numpy() for a value "
                "without gradient")


def _show(value):
    # Scalars as written; an array by its type, not its (possibly huge) repr.
    if isinstance(value, (str, bool, int, float, type(None))):
        return repr(value)
    return f"<{type(value).__name__}>"


def _reject_out(where, out):
    # Ufuncs get ``out`` as a tuple (one slot per output), functions as an array.
    if any(o is not None for o in (out if isinstance(out, tuple) else (out,))):
        raise TypeError(
            f"{where}: out= is not supported on chainrule Tensors: NumPy writing in place into a "
            "Tensor (or from one into an array) would bypass the graph; use the returned value")


def _checked_dtype(where, result, dtype):
    if dtype is not None and np.dtype(dtype) != result.dtype:
        raise TypeError(
            f"{where}: chainrule cannot honour dtype={np.dtype(dtype)} (the result has dtype "
            f"{result.dtype}); cast with .astype() before or after instead")
    return result


def _no_gradient(func, args, kwargs):
    result = func(*_raw(args), **_raw(kwargs))
    return Tensor._wrap(result) if isinstance(result, np.ndarray) else result


def _raw(value):
    if isinstance(value, Tensor):
        return _raw(value.data)
    if isinstance(value, Dual):  # forward mode: results without gradient read the primal
        return _raw(value.primal)
    if isinstance(value, (list, tuple)):
        return type(value)(_raw(v) for v in value)
    if isinstance(value, dict):
        return {k: _raw(v) for k, v in value.items()}
    return value
