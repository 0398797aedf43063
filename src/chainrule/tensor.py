"""Tensor: a value, its gradient and the graph node that made it.

The math lives in ``chainrule.ops``; a Tensor only holds state and hands each
method and operator to the op of the same name.
"""
import numpy as np

from ._core import grad_mode
from ._core.clock import record_write


class ArrayOps:
    """What every array-like value of chainrule answers to: operators, methods,
    indexing and NumPy's functions, each meaning the chainrule op of that name.
    Tensor has it, and so has forward mode's Dual."""

    __slots__ = ()
    # Make NumPy defer to these values in mixed expressions such as ``ndarray * t``.
    __array_priority__ = 1000

    def __pos__(self):
        return self

    def __getitem__(self, index):
        return _ops.getitem(self, _raw_index(index))

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    @property
    def T(self):
        return _ops.transpose(self)

    # NumPy calling ``np.exp(t)`` or ``np.sum(t)`` comes here and is routed to chainrule's ops.
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _dispatch.array_ufunc(ufunc, method, inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _dispatch.array_function(func, args, kwargs)


class Tensor(ArrayOps):
    """An n-dimensional array that can record the operations applied to it.

    Create one with :func:`chainrule.tensor` (or ``Tensor(data, ...)``, which
    takes the same arguments).

    The result of a recorded operation is its own graph node: it keeps the
    operation (``_op``), the arguments it was called with and their raw values,
    and where in the user's code it was made. ``grad_fn`` shows that record as
    a :class:`~chainrule.autograd.Node`. One object per node, not a Tensor plus
    a node plus tuples, is what keeps large graphs of scalars cheap: the garbage
    collector scans every container object a forward pass creates.
    """

    # What every tensor needs is in slots; rarely set attributes live in a
    # lazily made __dict__ and read their class defaults until then.
    __slots__ = (
        "data", "grad", "requires_grad",
        "_op",            # the primitive that made this tensor; None for a leaf
        "_nargs",         # how it keeps its arguments: 1 or 2 (in _x, _y), or PACKED (see _core/node.py)
        "_x", "_y",       # the arguments as given
        "_rx", "_ry",     # their raw values (a Tensor's .data) at the time of the call
        "_seq",           # clock tick: later nodes come later in topological order
        "_g",             # during a backward pass, the sum of the cotangents that reached it so far
        "_code", "_lasti",  # code object and instruction offset of the user's code that made it
        "__dict__", "__weakref__")
    name = None        # label in pictures and reports
    _hooks = None      # hooks run on this tensor's gradient (a list, also once retain_grad() ran)
    _retains_grad = False  # keep .grad on this non-leaf after backward
    _base = None       # the tensor this one is a view of (shares storage with)
    _version = 0       # how many in-place writes this tensor's storage has seen
    _written_at = 0    # clock tick of the last in-place write (see _core/clock.py)

    def __init__(self, data, dtype=None, requires_grad=False, name=None):
        self.data = _factories.as_array(data, dtype)
        self.grad = self._g = None
        self._op = None
        self.requires_grad = False
        if name is not None:
            self.name = name
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, value):
        """Fast constructor of a tensor recording nothing: no copy, no checks.

        A 0-d result stays the NumPy scalar (np.float64, ...) that NumPy
        returns: it reads like a 0-d array, and arithmetic on it is ten times
        faster, which is what graphs of scalars (micrograd style) run on.
        """
        t = object.__new__(cls)
        # A forward-mode Dual (an ArrayOps) stays as it is too: forward over reverse.
        t.data = value if type(value) is np.ndarray or isinstance(value, (np.generic, ArrayOps)) \
            else np.asarray(value)
        t.grad = t._g = None
        t._op = None
        t.requires_grad = False
        return t

    @property
    def grad_fn(self):
        """The record of the operation that made this tensor (None for a leaf)."""
        return None if self._op is None else _Node(self)

    # --- state -------------------------------------------------------------
    @property
    def is_leaf(self):
        """True for tensors the user created (not the result of a recorded op)."""
        return self._op is None

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def size(self):
        """Number of elements, as NumPy's ``ndarray.size``."""
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return len(self.data)

    def requires_grad_(self, flag=True):
        """Set whether gradients are accumulated for this tensor; returns self."""
        if flag and not np.issubdtype(self.data.dtype, np.floating):
            raise TypeError(
                f"only floating-point tensors can require gradients; this one has dtype "
                f"{self.data.dtype}. Create it with a float dtype, e.g. dtype=np.float64")
        if not flag and self._op is not None:
            raise RuntimeError("requires_grad_: a non-leaf tensor always requires grad; use .detach()")
        self.requires_grad = bool(flag)
        return self

    def detach(self):
        """A tensor with the same data cut from the graph; writes to it count as writes to self."""
        t = Tensor._wrap(self.data)
        t._base = self
        return t

    def numpy(self):
        """The value as a NumPy array (shared, not copied)."""
        if self.requires_grad:
            raise RuntimeError("numpy(): this tensor requires grad; use .detach().numpy() or .data")
        return np.asarray(self.data)

    def item(self):
        if self.data.size != 1:
            raise ValueError(f"item(): only one-element tensors convert to a Python number, got shape {self.shape}")
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError("the truth value of a tensor with more than one element is ambiguous")
        return bool(self.data)

    __hash__ = object.__hash__

    def __repr__(self):
        body = np.array2string(self.data, prefix="tensor(", separator=", ")
        extras = []
        if self.data.dtype != np.float64 and self.data.dtype != np.int64 and self.data.dtype != np.bool_:
            extras.append(f"dtype={self.data.dtype}")
        if self._op is not None:
            extras.append(f"grad_fn=<{self._op.name}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        if self.name:
            extras.append(f"name={self.name!r}")
        return "tensor(" + ", ".join([body] + extras) + ")"

    # --- gradients ---------------------------------------------------------
    def backward(self, gradient=None, retain_graph=None, create_graph=False):
        """Accumulate the gradient of this tensor into ``.grad`` of every leaf that requires grad."""
        _backward.backward(self, gradient, retain_graph, create_graph)

    def retain_grad(self):
        """Keep ``.grad`` on this non-leaf tensor after backward."""
        if self._op is None:
            if not self.requires_grad:
                raise RuntimeError("retain_grad: this tensor does not require grad")
            return
        self._retains_grad = True
        # The backward pass looks at a node's extras only where its hooks are a list.
        self._hooks = self._hooks or []
        hooks_in_use.ever = True

    def register_hook(self, fn):
        """Call ``fn(grad)`` when this tensor's gradient is computed; a non-None
        return value replaces the gradient."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that does not require grad")
        self._hooks = (self._hooks or []) + [fn]
        hooks_in_use.ever = True
        return fn

    # --- in-place writes ---------------------------------------------------
    def _write(self, opname, other=None):
        """Check that an in-place write is safe, then bump the version."""
        if grad_mode.state.enabled:
            if self.requires_grad:
                raise RuntimeError(
                    f"{opname}: in-place operation on a tensor that requires grad; "
                    "wrap it in `with chainrule.no_grad():` (as optimizers do) or use an "
                    "out-of-place operation")
            if isinstance(other, Tensor) and other.requires_grad:
                raise RuntimeError(
                    f"{opname}: writing a tensor that requires grad into one that does not "
                    "would lose its gradient; use an out-of-place operation instead")
        record_write(self)

    def _writable(self):
        # A 0-d result of an op holds an immutable NumPy scalar: give it storage first.
        if type(self.data) is not np.ndarray:
            self.data = np.array(self.data)
        return self.data

    def _inplace(self, opname, ufunc, other):
        self._write(opname, other)
        ufunc(self._writable(), _raw(other), out=self.data, casting="same_kind")
        return self

    def add_(self, other, alpha=1):
        return self._inplace("add_", np.add, other if alpha == 1 else _raw(other) * alpha)

    def sub_(self, other, alpha=1):
        return self._inplace("sub_", np.subtract, other if alpha == 1 else _raw(other) * alpha)

    def mul_(self, other):
        return self._inplace("mul_", np.multiply, other)

    def div_(self, other):
        return self._inplace("div_", np.true_divide, other)

    def copy_(self, src):
        self._write("copy_", src)
        np.copyto(self._writable(), _raw(src), casting="same_kind")
        return self

    def zero_(self):
        self._write("zero_")
        self._writable()[...] = 0
        return self

    def fill_(self, value):
        self._write("fill_")
        self._writable()[...] = value
        return self

    def __setitem__(self, index, value):
        self._write("__setitem__", value)
        self._writable()[_raw_index(index)] = _raw(value)

    def __iadd__(self, other):
        return self._inplace("+=", np.add, other)

    def __isub__(self, other):
        return self._inplace("-=", np.subtract, other)

    def __imul__(self, other):
        return self._inplace("*=", np.multiply, other)

    def __itruediv__(self, other):
        return self._inplace("/=", np.true_divide, other)


class _HooksInUse:
    """Whether any tensor was ever given a hook or ``retain_grad()``. Until one
    is, the backward pass does not look for hooks on each node it visits
    (``_hooks`` is a class attribute there, slower to read than a slot)."""

    __slots__ = ("ever",)

    def __init__(self):
        self.ever = False


hooks_in_use = _HooksInUse()


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _raw_index(index):
    if isinstance(index, tuple):
        return tuple(_raw(i) for i in index)
    return _raw(index)


# Operators and methods that mean the op of the same name. Most are bound
# directly to it (a primitive binds like a function); elementwise ones, the
# bulk of any graph, to the primitive's fast one- or two-argument call.
_OPERATORS = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div", "__pow__": "power",
    "__matmul__": "matmul", "__neg__": "neg", "__abs__": "abs", "__lt__": "less",
    "__le__": "less_equal", "__gt__": "greater", "__ge__": "greater_equal", "__eq__": "equal",
    "__ne__": "not_equal", "pow": "power",
}
_REFLECTED = {"__radd__": "add", "__rsub__": "sub", "__rmul__": "mul", "__rtruediv__": "div",
              "__rpow__": "power", "__rmatmul__": "matmul"}
_METHODS = (
    "add sub mul div neg power exp log log1p expm1 sqrt square abs sign sin cos tan tanh "
    "sigmoid relu softplus clip maximum minimum "
    "sum mean var std max min prod logsumexp argmax argmin "
    "matmul dot reshape transpose swapaxes expand_dims squeeze flatten broadcast_to astype"
).split()
_ELEMENTWISE = set("neg exp log log1p expm1 sqrt square abs sign sin cos tan tanh sigmoid relu softplus "
                   "add sub mul div power maximum minimum matmul".split())

# These modules import Tensor, so they load after it.
from . import factories as _factories  # noqa: E402
from . import numpy_dispatch as _dispatch  # noqa: E402
from . import ops as _ops  # noqa: E402
from ._core import backward as _backward  # noqa: E402
from ._core.node import Node as _Node  # noqa: E402


def _bind_operators():
    for method, op_name in {**{name: name for name in _METHODS}, **_OPERATORS}.items():
        op = getattr(_ops, op_name)
        setattr(ArrayOps, method, op.fast_call if op_name in _ELEMENTWISE else op)
    for method, op_name in _REFLECTED.items():
        setattr(ArrayOps, method, _reflected(getattr(_ops, op_name).fast_call))


def _reflected(binary):
    def reflected(self, other):
        return binary(other, self)
    return reflected


_bind_operators()
