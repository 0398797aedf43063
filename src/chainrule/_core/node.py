"""A node of the computational graph: one application of a primitive.

A node keeps what its derivative rules need (the arguments and the output
value) and nothing that points back at its output Tensor, so a finished graph
holds no reference cycles and is freed by reference counting alone.
"""
import numpy as np

from ..tensor import Tensor
from .callsite import format_callsite, line_of
from .unbroadcast import unbroadcast


class Node:
    # Rarely set attributes live in a lazily made __dict__ with class defaults,
    # so recording a node writes only what every node needs.
    __slots__ = ("prim", "args", "raw", "kwargs", "ans", "seq", "code", "lasti", "__dict__", "__weakref__")
    hooks = None               # hooks of the output tensor, run on its gradient (a list
                               # once retain_grad() or register_hook() was called)
    retained = None            # weak reference to the output tensor after retain_grad()
    output_written_at = 0      # tick of the last in-place write to the output

    def __init__(self, prim, args, raw, kwargs, ans, seq, code, lasti):
        # Few objects per node: each one the garbage collector tracks slows down
        # every forward pass that builds a large graph.
        self.prim = prim
        self.args = args          # the arguments as given: Tensors and constants
        self.raw = raw            # their raw values (a Tensor's .data) at the time of the call
        self.kwargs = kwargs      # non-differentiable keyword arguments (axis, ...)
        self.ans = ans            # the raw output value
        self.seq = seq            # clock tick: later nodes come later in topological order
        self.code = code          # code object and instruction offset of the user's code that made it
        self.lasti = lasti

    @property
    def where(self):
        """(file, line) of the user's code that created this node."""
        return None if self.code is None else (self.code.co_filename, line_of(self.code, self.lasti))

    @property
    def name(self):
        """The operation's name, e.g. ``"mul"``."""
        return self.prim.name

    @property
    def inputs(self):
        """The arguments as given (Tensors and constants); empty once freed."""
        return self.args or ()

    @property
    def value(self):
        """The forward value this node computed, or None once the graph is freed."""
        return self.ans

    @property
    def is_freed(self):
        return self.args is None

    @property
    def next_functions(self):
        """The nodes feeding this one (None for leaves and constants), as in PyTorch."""
        return tuple(getattr(a, "grad_fn", None) for a in self.inputs)

    def register_hook(self, fn):
        """Call ``fn(grad)`` with the gradient flowing into this node's output.

        A non-None return value replaces the gradient.
        """
        self.hooks = (self.hooks or []) + [fn]

    def vjp(self, argnum, g, create_graph=False):
        """The cotangent this node sends back to argument ``argnum``: g^T (d output / d arg).

        Raw arrays in and out; with ``create_graph`` the rule runs on Tensors and
        records a graph of its own, for higher derivatives.
        """
        raw = self.raw
        rule = self.prim.vjps.get(argnum) or self.prim.vjp_rule(argnum)
        if rule is None:
            raise RuntimeError(
                f"backward: op {self.name!r} (created at {format_callsite(self.where)}) has no "
                f"derivative with respect to argument {argnum}")
        target = raw[argnum]
        try:
            if create_graph:
                gi = rule(g, Tensor._wrap(self.ans, self), *self.args, **self.kwargs)
                return _conform(gi, target)
            gi = rule(g, self.ans, *raw, **self.kwargs) if self.kwargs else rule(g, self.ans, *raw)
            # Checked only where it can differ: a scalar of the argument's own type
            # has its shape and dtype (the common case in graphs of scalars).
            if type(gi) is not type(target) or type(gi) not in _SCALARS:
                gi = _conform(gi.data if isinstance(gi, Tensor) else gi, target)
            return gi
        except Exception as err:
            raise RuntimeError(self._describe_failure(raw, argnum, g, err)) from err

    def _describe_failure(self, raw, argnum, g, err):
        shapes = ", ".join(str(getattr(a, "shape", ())) for a in raw)
        return (
            f"backward of op {self.name!r} failed for argument {argnum}: {type(err).__name__}: {err}. "
            f"Upstream gradient shape {getattr(g, 'shape', ())}, argument shapes ({shapes}), output "
            f"shape {getattr(self.ans, 'shape', ())}. The op was created at {format_callsite(self.where)}")

    def __repr__(self):
        return f"<{self.prim.name} node>"


def nodes_behind(tensors):
    """Every node of the graph behind ``tensors``, in the order they were created."""
    found = {}
    stack = [t.grad_fn for t in tensors if isinstance(t, Tensor) and t.grad_fn is not None]
    while stack:
        node = stack.pop()
        if node not in found:
            found[node] = None
            stack.extend(a.grad_fn for a in node.inputs if isinstance(a, Tensor) and a.grad_fn is not None)
    return sorted(found, key=lambda node: node.seq)


_SCALARS = {np.float64, np.float32, np.float16, np.longdouble}


def _conform(gi, target):
    """The cotangent in its argument's shape (undoing broadcasting) and dtype."""
    if gi.shape != target.shape:
        gi = unbroadcast(gi, target.shape)
    if gi.dtype is not target.dtype and gi.dtype != target.dtype:
        gi = gi.astype(target.dtype)
    return gi
