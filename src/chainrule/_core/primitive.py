"""Primitives: functions on raw arrays whose derivative rules the engine knows.

A primitive wraps an implementation ``impl`` that sees only raw values (NumPy
arrays and numbers). Calling a primitive with no Tensor among its arguments
just runs ``impl`` and returns the raw result, as in HIPS autograd; calling it
with Tensors returns a Tensor and, when one of them requires grad in grad mode,
records a graph node. Derivative rules are written with primitives and
operators, so the same rule runs on raw arrays in a plain backward pass and on
Tensors (recording a graph of its own) under ``create_graph=True``.
"""
import sys
from functools import cached_property
from sys import _getframe
from types import MethodType

from numpy import asarray, float32, float64, generic, ndarray

from ..tensor import ArrayOps, Tensor
from . import forward, grad_mode
from .forward import Dual
from .callsite import recent_caller, record_callsite
from .clock import ticks
from .node import PACKED

_registry = {}
_new_tensor = object.__new__
_VALUES = (generic, Dual)   # kept as a Tensor's value as they are
_KEPT = {ndarray, float64, float32}   # the common ones among those, found in one set lookup
_ONE_ARGUMENT = object()    # y of a fast call with one argument


class Primitive:
    """A differentiable operation: implementation plus per-argument rules."""

    def __init__(self, impl, name=None, shares_memory=False):
        self.impl = impl
        self.name = name or impl.__name__
        # Rules by argument number, None where there is none: lists, since the
        # backward pass looks a rule up for every edge of the graph.
        self.vjps = [None, None]
        self.jvps = [None, None]
        # For primitives of any number of arguments (concatenate, einsum):
        # make_rule(argnum) builds the rule of an argument when first needed.
        self.make_vjp = self.make_jvp = None
        # Whether the JVP rules accept tangents with leading batch axes (several
        # directions at once); forward mode applies the others direction by direction.
        self.batched_jvp = False
        # Views (reshape, transpose, ...) remember their input as base, so an
        # in-place write through the view counts as a write to the base too.
        self.shares_memory = shares_memory
        # A NumPy ufunc as impl would take an extra argument as ``out``: insist on its arity.
        self.arity = getattr(impl, "nin", None)
        self.__doc__ = impl.__doc__
        self.__name__ = self.name
        self.__wrapped__ = impl

    def __repr__(self):
        return f"<chainrule primitive {self.name}>"

    def vjp_rule(self, argnum):
        """The VJP rule of argument ``argnum``, or None if it has no derivative."""
        return _rule(self.vjps, self.make_vjp, argnum)

    def jvp_rule(self, argnum):
        """The JVP rule of argument ``argnum``, or None if it has no derivative."""
        return _rule(self.jvps, self.make_jvp, argnum)

    def __get__(self, obj, objtype=None):
        # Bind like a function, so a primitive can be a Tensor method (t.exp()).
        return self if obj is None else MethodType(self, obj)

    def __call__(self, *args, **kwargs):
        if self.arity is not None and (len(args) != self.arity or kwargs):
            raise TypeError(f"{self.name}() takes {self.arity} argument(s) and no keywords, "
                            f"got {len(args)} argument(s) and keywords {sorted(kwargs)}")
        for a in args:
            if isinstance(a, ArrayOps):  # a Tensor or a forward-mode Dual
                break
        else:  # raw values only: the derivative rules' common case
            return self.impl(*args, **kwargs) if kwargs else self.impl(*args)
        if not kwargs and len(args) <= 2:
            return self.fast_call(*args)
        return self.call_general(args, kwargs)

    def call_general(self, args, kwargs):
        """Call on arguments among which is a Tensor or a Dual, in any form."""
        # One pass over the arguments (no comprehensions: each is a frame of its own).
        raw = []
        has_tensor = needs_grad = tensor_holds_dual = dual_among_args = False
        for a in args:
            if isinstance(a, Tensor):
                has_tensor = True
                needs_grad = needs_grad or a.requires_grad
                a = a.data
                tensor_holds_dual = tensor_holds_dual or type(a) is Dual
            elif type(a) is Dual:
                dual_among_args = True
            raw.append(a)
        impl = self.impl
        if not has_tensor or (dual_among_args and not tensor_holds_dual):
            # Forward mode: the Duals are the inner transform, and their primals
            # may be Tensors (reverse over forward).
            return forward.apply(self, args, kwargs)
        if tensor_holds_dual:
            # A Tensor holding a Dual belongs to a reverse transform entered inside
            # a forward one: this op is recorded and computes its value (a Dual)
            # in forward mode.
            impl = self
        try:
            ans = impl(*raw, **kwargs) if kwargs else impl(*raw)
        except (ValueError, IndexError, TypeError) as err:
            raise _same_kind(err)(_describe_failure(self.name, args, err)) from err
        return _output(self, ans, needs_grad and grad_mode.state.enabled, args, tuple(raw), kwargs or None)

    @cached_property
    def fast_call(self):
        """A plain function calling this primitive with one or two positional
        arguments, ``call(x)`` or ``call(x, y)``: the operators and methods of Tensor.

        The hottest path of the library: each saved step is paid by every
        operation on every tensor, so it skips the general ``__call__``'s
        packing and loops and makes the graph node itself. Anything but Tensors
        holding arrays (raw values, forward-mode Duals) takes the general path.

        When the op is recorded, a 0-d array argument is read as the NumPy
        scalar it holds: NumPy's math on 0-d arrays goes through its full array
        machinery, ten times slower than on scalars, and the result (a scalar)
        is the same. That is what graphs of scalars (micrograd style) run on:
        their leaves are 0-d. Ops that record nothing skip the check.
        """
        impl = self.impl
        shares_memory = self.shares_memory
        takes_one = self.arity == 1

        def call(x, y=_ONE_ARGUMENT):
            if isinstance(x, Tensor):
                rx = x.data
                if isinstance(y, Tensor):
                    ry = y.data
                    needs_grad = x.requires_grad or y.requires_grad
                else:
                    ry = y
                    needs_grad = x.requires_grad
            elif isinstance(y, Tensor):
                rx = x
                ry = y.data
                needs_grad = y.requires_grad
            else:
                return self.call_general((x,) if y is _ONE_ARGUMENT else (x, y), {})
            kind_x = type(rx)
            kind_y = type(ry)
            if kind_x is Dual or kind_y is Dual:
                return self.call_general((x,) if y is _ONE_ARGUMENT else (x, y), {})
            record = needs_grad and grad_mode.state.enabled
            if record:
                if kind_x is ndarray and not rx.ndim:
                    rx = rx[()]
                if kind_y is ndarray and not ry.ndim:
                    ry = ry[()]
            unary = y is _ONE_ARGUMENT
            # A one-argument ufunc would take y as its `out` (NumPy itself refuses
            # a two-argument ufunc given one argument).
            if takes_one and not unary:
                raise TypeError(f"{self.name}() takes 1 argument, got 2")
            try:
                ans = impl(rx) if unary else impl(rx, ry)
            except (ValueError, IndexError, TypeError) as err:
                args = (x,) if unary else (x, y)
                raise _same_kind(err)(_describe_failure(self.name, args, err)) from err
            out = _new_tensor(Tensor)
            out.data = ans if type(ans) in _KEPT or isinstance(ans, _VALUES) else asarray(ans)
            out.grad = out._g = None
            if record:
                out.requires_grad = True
                out._op = self
                out._nargs = 1 if unary else 2   # see _core/node.py
                out._x = x
                out._y = y
                out._rx = rx
                out._ry = ry
                frame = _getframe(1)
                code = frame.f_code
                if code is recent_caller.code:
                    out._code = code
                    out._lasti = frame.f_lasti
                else:   # another caller, maybe a composite op of chainrule's
                    record_callsite(out, frame)
                    if out._code is code:   # the caller itself is outside the package
                        recent_caller.code = code
                out._seq = next(ticks)
            else:
                out.requires_grad = False
                out._op = None
            if shares_memory:
                out._base = x
            return out

        return call


def _rule(rules, make_rule, argnum):
    rule = rules[argnum] if argnum < len(rules) else None
    if rule is None and make_rule is not None:
        rule = make_rule(argnum)
        _set_rule(rules, argnum, rule)
    return rule


def _set_rule(rules, argnum, rule):
    rules.extend([None] * (argnum + 1 - len(rules)))
    rules[argnum] = rule


def _output(op, ans, record, args, raw, kwargs):
    """The Tensor holding ``op``'s result ``ans`` from the general call; with
    ``record``, also the graph node, keeping its arguments PACKED: as given
    (``args``), their raw values (``raw``) and the keyword arguments."""
    out = Tensor._wrap(ans)
    if record:
        out.requires_grad = True
        out._op, out._nargs = op, PACKED
        out._x, out._rx, out._y, out._ry = args, raw, kwargs, None
        record_callsite(out, _getframe(2))
        out._seq = next(ticks)
    if op.shares_memory:
        out._base = args[0]
    return out


def _same_kind(err):
    # The built-in base class, so that NumPy's own subclasses (whose
    # constructors take other arguments) are re-raised with our message.
    return next(kind for kind in (ValueError, IndexError, TypeError) if isinstance(err, kind))


def _describe_failure(name, args, err):
    shapes = ", ".join(str(a.shape) if hasattr(a, "shape") else type(a).__name__ for a in args)
    return f"{name}: {err} (argument shapes: {shapes})"


def primitive(fn=None, *, name=None, shares_memory=False):
    """Turn a function on NumPy arrays into a differentiable operation.

    Give it derivative rules with :func:`defvjp` (and :func:`defjvp`). Used as
    ``@primitive`` or ``@primitive(name="...")``.
    """
    if fn is None:
        return lambda f: primitive(f, name=name, shares_memory=shares_memory)
    prim = Primitive(fn, name=name, shares_memory=shares_memory)
    # The module that declared it (the impl may be NumPy's or operator's own function).
    prim.__module__ = sys._getframe(1).f_globals.get("__name__")
    if prim.__module__ == __name__:  # through the decorator form above
        prim.__module__ = sys._getframe(2).f_globals.get("__name__")
    _registry[prim.name] = prim
    return prim


def _require_primitive(fn, what):
    if not isinstance(fn, Primitive):
        raise TypeError(f"{what} needs a function made with @chainrule.primitive, got {fn!r}")


def defvjp(fn, *rules, argnums=None):
    """Attach reverse-mode rules to a primitive, one per argument.

    Each rule is ``rule(g, ans, *args, **kwargs)`` and returns the cotangent of
    its argument given the output cotangent ``g``: the vector-Jacobian product
    g^T J. It may return a cotangent in the broadcast shape; the engine sums it
    back to the argument's shape. ``None`` marks an argument as having no
    derivative (an index, a condition).
    """
    _require_primitive(fn, "defvjp")
    for argnum, rule in zip(argnums or range(len(rules)), rules):
        if rule is not None:
            _set_rule(fn.vjps, argnum, rule)
    return fn


def cotangent_unchanged(g, ans, *args, **kwargs):
    """The VJP rule of an argument whose derivative is 1, as x's in x + y: the
    cotangent goes back as it is. The backward pass knows this rule and skips
    the call, which is most of what an add node costs it."""
    return g


# The rules of a product's two factors. The backward pass knows them too and
# multiplies without the call: products are the most common nodes of all.
def cotangent_times_y(g, ans, x, y):
    """The VJP rule of x in x * y: d(xy)/dx = y."""
    return g * y


def cotangent_times_x(g, ans, x, y):
    """The VJP rule of y in x * y: d(xy)/dy = x."""
    return g * x


def defjvp(fn, *rules, argnums=None):
    """Attach forward-mode rules to a primitive, one per argument.

    Each rule is ``rule(t, ans, *args, **kwargs)`` and returns the output
    tangent contributed by the tangent ``t`` of its argument: the
    Jacobian-vector product J t.
    """
    _require_primitive(fn, "defjvp")
    for argnum, rule in zip(argnums or range(len(rules)), rules):
        if rule is not None:
            _set_rule(fn.jvps, argnum, rule)
    return fn


def defvjp_argnum(fn, make_rule):
    """Reverse-mode rules for a primitive of any number of arguments:
    ``make_rule(argnum)`` returns the rule of that argument (as for :func:`defvjp`)."""
    _require_primitive(fn, "defvjp_argnum")
    fn.make_vjp = make_rule
    return fn


def defjvp_argnum(fn, make_rule):
    """Forward-mode rules for a primitive of any number of arguments:
    ``make_rule(argnum)`` returns the rule of that argument (as for :func:`defjvp`)."""
    _require_primitive(fn, "defjvp_argnum")
    fn.make_jvp = make_rule
    return fn


def defelementwise(fn, *derivatives):
    """Rules for an elementwise primitive from its partial derivatives.

    ``derivative(ans, *args, **kwargs)`` gives d ans / d arg elementwise; as the
    Jacobian is diagonal, the VJP is ``g * derivative`` and the JVP
    ``t * derivative``: one formula serves both modes.
    """
    for argnum, derivative in enumerate(derivatives):
        if derivative is not None:
            defvjp(fn, _scaled_by(derivative), argnums=(argnum,))
            defjvp(fn, _scaled_by(derivative), argnums=(argnum,))
    fn.batched_jvp = forward.ELEMENTWISE  # t * derivative broadcasts over leading batch axes
    return fn


def _scaled_by(derivative):
    # The unary and binary forms spare every backward step the packing of *args.
    code = derivative.__code__
    if not code.co_flags & 0x0C and not derivative.__defaults__:  # no *args, **kwargs, defaults
        if code.co_argcount == 2:
            return lambda g, ans, x: g * derivative(ans, x)
        if code.co_argcount == 3:
            return lambda g, ans, x, y: g * derivative(ans, x, y)
    return lambda g, ans, *args, **kwargs: g * derivative(ans, *args, **kwargs)


def nondifferentiable(impl, name=None):
    """An operation with no derivative (comparisons, argmax): Tensors in, a
    Tensor that does not require grad out; raw values in, raw values out. A
    forward-mode Dual is read as its primal."""

    def op(*args, **kwargs):
        if not any(isinstance(a, (Tensor, Dual)) for a in args):
            return impl(*args, **kwargs)
        ans = impl(*[_plain(a) for a in args], **kwargs)
        return Tensor._wrap(ans) if any(isinstance(a, Tensor) for a in args) else ans

    op.__name__ = name or impl.__name__
    op.__doc__ = impl.__doc__
    return op


def _plain(value):
    while isinstance(value, (Tensor, Dual)):
        value = value.data if isinstance(value, Tensor) else value.primal
    return value


def registered_primitives():
    """Every primitive declared so far, by name."""
    return dict(_registry)


def verify_rules(primitives):
    """Fail at import time, not at a user's first backward, if a rule is missing."""
    missing = [p.name for p in primitives if not (any(p.vjps) or p.make_vjp)]
    if missing:
        raise RuntimeError(f"primitives without a VJP rule: {', '.join(missing)}")
