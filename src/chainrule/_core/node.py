"""A node of the computational graph: one application of a primitive.

The result of a recorded operation is its own node (see ``Tensor``): it keeps
what the derivative rules need, the arguments and their raw values, and the
output value is its own ``data``. Nothing points from a node back to a later
one, so a finished graph holds no reference cycles and is freed by reference
counting alone. :class:`Node` is the public face of that record, what
``tensor.grad_fn`` returns.
"""
from ..tensor import Tensor
from .callsite import format_callsite, line_of
from .unbroadcast import unbroadcast


# How a node keeps its arguments. One or two positional arguments (the bulk of
# any graph) sit in _x and _y, their raw values in _rx and _ry; any other call
# is PACKED: all arguments as a tuple in _x, their raw values in _rx, the
# keyword arguments (or None) in _y. FREED: the backward pass dropped them
# (numbered last, so that the backward pass's test for one- and two-argument
# nodes sends a freed one to its general path, which reports it).
PACKED = 3
FREED = 4


def args_of(t):
    """The arguments ``t``'s operation was called with, as given (None once freed)."""
    n = t._nargs
    if n == 1:
        return (t._x,)
    return (t._x, t._y) if n == 2 else t._x


def raw_args_of(t):
    """The raw values of those arguments at the time of the call (None once freed)."""
    n = t._nargs
    if n == 1:
        return (t._rx,)
    return (t._rx, t._ry) if n == 2 else t._rx


def kwargs_of(t):
    """The keyword arguments ``t``'s operation was called with, or None."""
    return t._y if t._nargs == PACKED else None


def vjp(t, argnum, g, create_graph=False, raw=None, kwargs=None):
    """The cotangent ``t``'s operation sends back to argument ``argnum``: g^T (d t / d arg).

    Raw arrays in and out; with ``create_graph`` the rule runs on Tensors and
    records a graph of its own, for higher derivatives. (The backward pass
    calls the rules of one- and two-argument nodes itself, on raw values; for
    the others it reads ``raw_args_of(t)`` and ``kwargs_of(t)`` once per node
    and passes them in as ``raw`` and ``kwargs``.)
    """
    # Primitive.vjp_rule's list look-up, written out: this runs once per edge of the
    # general path; rule_or_error (through vjp_rule) handles the rest.
    rules = t._op.vjps
    rule = (rules[argnum] if argnum < len(rules) else None) or rule_or_error(t, argnum)
    if raw is None:
        raw, kwargs = raw_args_of(t), kwargs_of(t) or {}
    try:
        if create_graph:
            gi = rule(g, t, *args_of(t), **kwargs)
            return conform(gi, raw[argnum])
        gi = rule(g, t.data, *raw, **kwargs)
        return conform(gi.data if isinstance(gi, Tensor) else gi, raw[argnum])
    except Exception as err:
        raise RuntimeError(describe_failure(t, argnum, g, err)) from err


def rule_or_error(t, argnum):
    rule = t._op.vjp_rule(argnum)
    if rule is None:
        raise RuntimeError(
            f"backward: op {t._op.name!r} (created at {format_callsite(where(t))}) has no "
            f"derivative with respect to argument {argnum}")
    return rule


def where(t):
    """(file, line) of the user's code that created ``t``'s operation, or None."""
    return None if t._code is None else (t._code.co_filename, line_of(t._code, t._lasti))


def describe_failure(t, argnum, g, err):
    shapes = ", ".join(str(getattr(a, "shape", ())) for a in raw_args_of(t))
    return (
        f"backward of op {t._op.name!r} failed for argument {argnum}: {type(err).__name__}: {err}. "
        f"Upstream gradient shape {getattr(g, 'shape', ())}, argument shapes ({shapes}), output "
        f"shape {getattr(t.data, 'shape', ())}. The op was created at {format_callsite(where(t))}")


class Node:
    """The record of the operation that made a tensor, as ``tensor.grad_fn`` shows it.

    Two Nodes of the same tensor are equal (and hash alike), so Nodes can key
    dicts and fill sets.
    """

    __slots__ = ("output", "__weakref__")

    def __init__(self, output):
        self.output = output      # the tensor this operation made

    def __eq__(self, other):
        return type(other) is Node and other.output is self.output

    def __hash__(self):
        return id(self.output)

    def __repr__(self):
        return f"<{self.name} node>"

    @property
    def prim(self):
        """The primitive applied."""
        return self.output._op

    @property
    def name(self):
        """The operation's name, e.g. ``"mul"``."""
        return self.output._op.name

    @property
    def args(self):
        """The arguments as given (Tensors and constants), or None once freed."""
        return None if self.is_freed else args_of(self.output)

    @property
    def inputs(self):
        """The arguments as given; empty once freed."""
        return self.args or ()

    @property
    def raw(self):
        """The arguments' raw values at the time of the call, or None once freed."""
        return None if self.is_freed else raw_args_of(self.output)

    @property
    def kwargs(self):
        return kwargs_of(self.output) or {}

    @property
    def ans(self):
        """The forward value this node computed, or None once the graph is freed."""
        return None if self.is_freed else self.output.data

    value = ans

    @property
    def seq(self):
        return self.output._seq

    @property
    def where(self):
        """(file, line) of the user's code that created this node."""
        return where(self.output)

    @property
    def is_freed(self):
        return self.output._nargs == FREED

    @property
    def next_functions(self):
        """The nodes feeding this one (None for leaves and constants), as in PyTorch."""
        return tuple(getattr(a, "grad_fn", None) for a in self.inputs)

    def register_hook(self, fn):
        """Call ``fn(grad)`` with the gradient flowing into this node's output.

        A non-None return value replaces the gradient.
        """
        self.output.register_hook(fn)

    def vjp(self, argnum, g, create_graph=False):
        """The cotangent this node sends back to argument ``argnum``: g^T (d output / d arg)."""
        return vjp(self.output, argnum, g, create_graph)


def nodes_behind(tensors):
    """Every node of the graph behind ``tensors``, in the order they were created."""
    found = {}
    stack = [t for t in tensors if isinstance(t, Tensor) and t._op is not None]
    while stack:
        t = stack.pop()
        if id(t) not in found:
            found[id(t)] = t
            stack.extend(a for a in args_of(t) or () if isinstance(a, Tensor) and a._op is not None)
    return [Node(t) for t in sorted(found.values(), key=lambda t: t._seq)]


def conform(gi, target):
    """The cotangent in its argument's shape (undoing broadcasting) and dtype."""
    if gi.shape != target.shape:
        gi = unbroadcast(gi, target.shape)
    if gi.dtype is not target.dtype and gi.dtype != target.dtype:
        gi = gi.astype(target.dtype)
    return gi
