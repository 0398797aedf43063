"""Primitives: functions on raw arrays whose derivative rules the engine knows.

A primitive wraps an implementation ``impl`` that sees only raw values (NumPy
arrays and numbers). Calling a primitive with no Tensor among its arguments
just runs ``impl`` and returns the raw result, as in HIPS autograd; calling it
with Tensors returns a Tensor and, when one of them requires grad in grad mode,
records a graph node. Derivative rules are written with primitives and
operators, so the same rule runs on raw arrays in a plain backward pass and on
Tensors (recording a graph of its own) under ``create_graph=True``.
"""
from ..tensor import Tensor
from . import grad_mode
from .callsite import user_frame
from .clock import tick
from .node import Node

_registry = {}


class Primitive:
    """A differentiable operation: implementation plus per-argument rules."""

    def __init__(self, impl, name=None, shares_memory=False):
        self.impl = impl
        self.name = name or impl.__name__
        self.vjps = {}
        self.jvps = {}
        # Views (reshape, transpose, ...) remember their input as base, so an
        # in-place write through the view counts as a write to the base too.
        self.shares_memory = shares_memory
        self.__doc__ = impl.__doc__
        self.__name__ = self.name
        self.__wrapped__ = impl

    def __repr__(self):
        return f"<chainrule primitive {self.name}>"

    def __call__(self, *args, **kwargs):
        for a in args:
            if isinstance(a, Tensor):
                break
        else:  # raw values only: the derivative rules' common case
            return self.impl(*args, **kwargs)
        raw = []
        needs_grad = False
        for a in args:
            if isinstance(a, Tensor):
                raw.append(a.data)
                if a.requires_grad:
                    needs_grad = True
            else:
                raw.append(a)
        try:
            ans = self.impl(*raw, **kwargs)
        except (ValueError, IndexError, TypeError) as err:
            raise _same_kind(err)(_describe_failure(self.name, args, err)) from err
        if needs_grad and grad_mode.state.enabled:
            frame = user_frame()
            node = Node(self, args, kwargs, ans, tick(), frame and frame.f_code, frame and frame.f_lineno)
            out = Tensor._wrap(ans, node)
        else:
            out = Tensor._wrap(ans)
        if self.shares_memory:
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
            fn.vjps[argnum] = rule
    return fn


def defjvp(fn, *rules, argnums=None):
    """Attach forward-mode rules to a primitive, one per argument.

    Each rule is ``rule(t, ans, *args, **kwargs)`` and returns the output
    tangent contributed by the tangent ``t`` of its argument: the
    Jacobian-vector product J t.
    """
    _require_primitive(fn, "defjvp")
    for argnum, rule in zip(argnums or range(len(rules)), rules):
        if rule is not None:
            fn.jvps[argnum] = rule
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
    return fn


def _scaled_by(derivative):
    return lambda g, ans, *args, **kwargs: g * derivative(ans, *args, **kwargs)


def nondifferentiable(impl, name=None):
    """An operation with no derivative (comparisons, argmax): Tensors in, a
    Tensor that does not require grad out; raw values in, raw values out."""

    def op(*args, **kwargs):
        if not any(isinstance(a, Tensor) for a in args):
            return impl(*args, **kwargs)
        return Tensor._wrap(impl(*[a.data if isinstance(a, Tensor) else a for a in args], **kwargs))

    op.__name__ = name or impl.__name__
    op.__doc__ = impl.__doc__
    return op


def registered_primitives():
    """Every primitive declared so far, by name."""
    return dict(_registry)


def verify_rules(primitives):
    """Fail at import time, not at a user's first backward, if a rule is missing."""
    missing = [p.name for p in primitives if not p.vjps]
    if missing:
        raise RuntimeError(f"primitives without a VJP rule: {', '.join(missing)}")
