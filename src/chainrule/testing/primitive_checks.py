"""Checking one primitive on one sample call, to first and second order.

Shared by the test suite and ``chainrule check``. In a sample ``(args,
kwargs)``, the floating-point arrays among ``args`` are the inputs to
differentiate; gradcheck holds everything else constant.
"""
import numpy as np

from .. import ops
from .._core import grad_mode
from .._core.backward import grad as engine_grad
from ..func import _reverse_leaf as reverse_leaf
from ..tensor import Tensor
from .gradcheck import GradcheckError, gradcheck_report, is_differentiated


def check_sample(prim, args, kwargs, second_order=False, seed=0):
    """Gradcheck reports for ``prim(*args, **kwargs)``: first order, then (if asked) second order."""

    def f(*values):
        return prim(*values, **kwargs)

    reports = [gradcheck_report(f, args)]
    if second_order:
        reports.append(gradcheck_report(projected_gradient(prim, args, kwargs, seed), args))
    return reports


def assert_derivatives(prim, args, kwargs, second_order=True):
    """Raise :class:`GradcheckError` unless ``prim``'s derivatives (first and second order) check out."""
    for report in check_sample(prim, args, kwargs, second_order):
        if not report.ok:
            raise GradcheckError(report)


def projected_gradient(prim, args, kwargs, seed=0):
    """h(x) = sum_i <d<prim(x), v>/dx_i, w_i> for fixed random v, w_i, computed with create_graph=True.

    Its derivative is second-order information about ``prim`` (the Hessian
    of <prim, v> applied to w), so gradchecking h checks that the rules are
    themselves differentiable and correct.
    """
    rng = np.random.default_rng(seed)
    positions = [i for i, a in enumerate(args) if is_differentiated(a)]
    v = rng.standard_normal(np.shape(prim.impl(*args, **kwargs)))
    ws = [rng.standard_normal(np.shape(args[i])) for i in positions]

    def h(*values):
        values = list(values)
        with grad_mode.enable_grad():
            # The numerical pass runs under no_grad with plain tensors, forward mode with
            # Duals; h still needs its inner graph.
            for i in positions:
                values[i] = reverse_leaf(values[i])
            inner = ops.sum(ops.mul(prim(*values, **kwargs), v))
            grads = engine_grad(inner, [values[i] for i in positions], create_graph=True, allow_unused=True)
            total = Tensor._wrap(np.zeros(()))
            for g, w in zip(grads, ws):
                if g is not None:
                    total = total + ops.sum(ops.mul(g, w))
        return total

    return h


def shapes_of(args):
    """The shapes of a sample's differentiated inputs, e.g. ``(3,1)(1,4)``."""
    return "".join(f"({','.join(map(str, np.shape(a)))})" for a in args if is_differentiated(a))
