"""Jacobians four ways, for gradient checking.

By central differences, by reverse mode through the engine, by forward mode,
and from one primitive's own VJP or JVP rule. Every Jacobian has shape
``out.shape + in.shape``, so any two can be compared entry by entry.
"""
import numpy as np

from .._core import grad_mode
from .._core.backward import grad as engine_grad
from .._core.unbroadcast import unbroadcast
from ..tensor import Tensor


def raw(value):
    """The NumPy value of a Tensor, array or number."""
    return np.asarray(value.data if isinstance(value, Tensor) else value)


def finite_differences(fn, xs, i, eps):
    """d fn(*xs) / d xs[i] by central differences: (f(x + eps) - f(x - eps)) / 2 eps.

    ``fn`` maps raw arrays to a raw array. ``xs[i]`` must be a writable float
    array: each entry is nudged in place and put back.
    """
    x = xs[i]
    jac = np.empty(raw(fn(*xs)).shape + x.shape)
    for j in np.ndindex(x.shape):
        original = x[j]
        x[j] = original + eps
        plus = raw(fn(*xs)).copy()  # a view of x (reshape, transpose) would change with it
        x[j] = original - eps
        minus = raw(fn(*xs)).copy()
        x[j] = original
        jac[(Ellipsis,) + j] = (plus - minus) / (2 * eps)
    return jac


def reverse_mode(call, xs):
    """Jacobians of ``call(tensors)`` w.r.t. each of ``xs`` by one backward pass per output entry.

    Returns the Jacobians and the output Tensor, whose graph is kept so that
    its nodes can be checked one by one.
    """
    leaves = [Tensor._wrap(x.copy()).requires_grad_() for x in xs]
    with grad_mode.enable_grad():
        out = call(leaves)
    out = out if isinstance(out, Tensor) else Tensor._wrap(raw(out))
    jacs = [np.zeros(out.shape + x.shape) for x in xs]
    if not out.requires_grad:  # the output does not depend on the inputs at all
        return jacs, out
    for k in np.ndindex(out.shape):
        grads = engine_grad(out, leaves, gradient=_unit(out.shape, k), retain_graph=True,
                            allow_unused=True)
        for jac, g in zip(jacs, grads):
            if g is not None:
                jac[k] = g.data
    return jacs, out


def forward_mode(call, xs, jvp):
    """Jacobians of ``call`` by forward mode: one ``jvp(f, primals, tangents)`` per input entry."""

    def f(*values):
        return call(list(values))

    out_shape = raw(call([Tensor._wrap(x) for x in xs])).shape
    jacs = []
    for i, x in enumerate(xs):
        jac = np.empty(out_shape + x.shape)
        for j in np.ndindex(x.shape):
            tangents = [np.zeros_like(y) for y in xs]
            tangents[i][j] = 1.0
            jac[(Ellipsis,) + j] = raw(jvp(f, tuple(xs), tuple(tangents))[1])
        jacs.append(jac)
    return jacs


def vjp_rule_jacobian(prim, args, kwargs, ans, argnum):
    """The Jacobian that ``prim``'s own VJP rule for argument ``argnum`` implies at raw ``args``."""
    rule = prim.vjp_rule(argnum)
    shape = np.shape(args[argnum])
    jac = np.empty(np.shape(ans) + shape)
    for k in np.ndindex(np.shape(ans)):
        gi = raw(rule(_unit(np.shape(ans), k), ans, *args, **kwargs))
        # As the engine does: a rule may answer in the broadcast shape.
        jac[k] = gi if gi.shape == shape else unbroadcast(gi, shape)
    return jac


def jvp_rule_jacobian(prim, args, kwargs, ans, argnum):
    """The Jacobian that ``prim``'s own JVP rule for argument ``argnum`` implies at raw ``args``."""
    rule = prim.jvp_rule(argnum)
    x = args[argnum]
    jac = np.empty(np.shape(ans) + np.shape(x))
    for j in np.ndindex(np.shape(x)):
        t = _unit(np.shape(x), j)
        jac[(Ellipsis,) + j] = np.broadcast_to(raw(rule(t, ans, *args, **kwargs)), np.shape(ans))
    return jac


def impl_jacobian(prim, args, kwargs, argnum, eps):
    """d prim(*args) / d args[argnum] by central differences of the implementation, in float64."""
    args = list(args)
    args[argnum] = np.array(args[argnum], dtype=np.float64)
    return finite_differences(lambda *a: prim.impl(*a, **kwargs), args, argnum, eps)


def _unit(shape, index):
    e = np.zeros(shape)
    e[index] = 1
    return e
