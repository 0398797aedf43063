"""Gradient checking: analytic derivatives against central differences.

``gradcheck`` compares the whole Jacobian of ``f``, in float64, three ways:
reverse mode through the engine, forward mode (``chainrule.jvp``, one input
direction at a time), and central differences.

When a mode disagrees, the recorded graph is checked op by op with that mode's
rules (VJP or JVP), each against central differences of the op alone on its
own inputs, and the report names the first op (in the order they ran) whose
own rule is wrong, with the line of user code that created it.
"""
import numpy as np

from .._core import grad_mode
from .._core.callsite import format_callsite
from .._core.node import nodes_behind
from ..tensor import Tensor
from . import jacobians
from .report import Comparison, GradcheckReport, compare


class GradcheckError(AssertionError):
    """Analytic and numerical derivatives disagree.

    An ``AssertionError``, so a failing check inside a test reads as a failed
    assertion. ``.report`` holds the :class:`GradcheckReport`.
    """

    def __init__(self, report):
        super().__init__(str(report))
        self.report = report


def numerical_grad(f, *inputs, eps=1e-6):
    """Derivatives of ``f(*inputs)`` by central differences, in float64.

    Every floating-point input (Tensor, array or NumPy float scalar) is
    differentiated; other inputs (Python numbers, integer or bool arrays,
    None) are passed through unchanged, as constants. The inputs reach ``f``
    as Tensors. For each differentiated input the result is the Jacobian with
    shape ``out.shape + in.shape`` (as ``cr.jacobian``), which for a scalar
    ``f`` is the gradient, shaped like the input. Returns one array, or a tuple of them when several inputs are
    differentiated.
    """
    call, xs, _ = _split(inputs, f)
    jacs = tuple(_numerical(call, xs, eps))
    return jacs[0] if len(jacs) == 1 else jacs


def gradcheck(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True, *, check_forward=True):
    """Check ``f``'s derivatives (reverse and forward mode) against central differences.

    ``inputs`` is one Tensor or array, or a tuple of them (constants allowed,
    as in :func:`numerical_grad`). ``f`` may return a tensor of any shape: its
    whole Jacobian is compared in float64, entry by entry, passing where
    ``|analytic - numerical| <= atol + rtol * |numerical|``.

    Returns True, or raises :class:`GradcheckError` whose message gives, per
    input, the largest absolute and relative error and where they occur (with
    ``raise_exception=False``, returns False instead). ``check_forward=False``
    skips forward mode, e.g. for a custom primitive without JVP rules.
    """
    report = gradcheck_report(f, inputs, eps, atol, rtol, check_forward)
    if not report.ok and raise_exception:
        raise GradcheckError(report)
    return report.ok


def gradcheck_report(f, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, check_forward=True):
    """Run every comparison of :func:`gradcheck` and return them all, passed or not."""
    call, xs, names = _split(inputs if isinstance(inputs, (tuple, list)) else (inputs,), f)
    analytic, out = jacobians.reverse_mode(call, xs)
    if not np.issubdtype(out.dtype, np.floating):
        raise TypeError(f"gradcheck: f must return floating-point values, got dtype {out.dtype}")
    numeric = _numerical(call, xs, eps)
    report = GradcheckReport(_compare_all(analytic, numeric, xs, names, "reverse mode", atol, rtol))
    nodes = nodes_behind([out])
    if check_forward:
        report.comparisons += _forward_comparisons(call, xs, numeric, names, atol, rtol)
    if not all(c.ok for c in report.comparisons if c.mode == "reverse mode"):
        report.culprit = first_failing_op(nodes, "VJP", eps, atol, rtol)
    elif not all(c.ok for c in report.comparisons if c.mode == "forward mode"):
        report.culprit = first_failing_op(nodes, "JVP", eps, atol, rtol)
    return report


def _forward_comparisons(call, xs, numeric, names, atol, rtol):
    import chainrule  # imported here: the package imports this module while it loads

    try:
        analytic = jacobians.forward_mode(call, xs, chainrule.jvp)
    except Exception as err:  # e.g. an op without a JVP rule: a failed check, not a crash
        return [Comparison.failed("forward mode", name, f"{type(err).__name__}: {err}") for name in names]
    return _compare_all(analytic, numeric, xs, names, "forward mode", atol, rtol)


def _compare_all(analytic, numeric, xs, names, mode, atol, rtol):
    return [compare(a, n, x.shape, atol, rtol, mode, name) for a, n, x, name in zip(analytic, numeric, xs, names)]


def first_failing_op(nodes, kind, eps, atol, rtol):
    """A sentence naming the first node whose own ``kind`` ("VJP" or "JVP") rules are wrong, or None."""
    for node in nodes:
        failed = [c for c in check_node(node, kind, eps, atol, rtol) if not c.ok]
        if failed:
            details = "; ".join(f"{c.name}: {c.error or _errors(c)}" for c in failed)
            return (f"The first op whose own {kind} rule disagrees with finite differences is "
                    f"{node.name!r}, created at {format_callsite(node.where)} ({details})")
    return None


def _errors(c):
    return f"max abs error {c.max_abs:.2e} at {c.abs_at}"


def check_node(node, kind, eps=1e-6, atol=1e-5, rtol=1e-3):
    """Check one recorded op's ``kind`` rules on the inputs it saved."""
    argnums = [i for i, a in enumerate(node.args) if isinstance(a, Tensor) and a.requires_grad]
    label = f"{kind} rule of {node.name!r} created at {format_callsite(node.where)}"
    return check_op(node.prim, node.raw, node.kwargs, argnums, kind, eps, atol, rtol, label)


def check_op(prim, args, kwargs, argnums, kind, eps=1e-6, atol=1e-5, rtol=1e-3, label=None):
    """Compare ``prim``'s ``kind`` ("VJP" or "JVP") rules at raw ``args`` with central
    differences of its implementation, one :class:`Comparison` per argument in ``argnums``."""
    rule_of, rule_jacobian = ((prim.vjp_rule, jacobians.vjp_rule_jacobian) if kind == "VJP"
                              else (prim.jvp_rule, jacobians.jvp_rule_jacobian))
    mode = label or f"{kind} rule of {prim.name!r}"
    ans = np.asarray(prim.impl(*args, **kwargs))
    comparisons = []
    for argnum in argnums:
        name = f"argument {argnum}"
        if rule_of(argnum) is None:
            comparisons.append(Comparison.failed(mode, name, f"no {kind} rule (add one with cr.def{kind.lower()})"))
            continue
        numeric = jacobians.impl_jacobian(prim, args, kwargs, argnum, eps)
        try:
            analytic = rule_jacobian(prim, args, kwargs, ans, argnum)
        except Exception as err:  # a broken rule is a failed check, reported with the others
            comparisons.append(Comparison.failed(mode, name, f"the rule raised {type(err).__name__}: {err}"))
            continue
        comparisons.append(compare(analytic, numeric, np.shape(args[argnum]), atol, rtol, mode, name))
    return comparisons


def _split(inputs, f):
    """A function of the differentiated inputs alone, their float64 values, and their names."""
    positions = [i for i, a in enumerate(inputs) if is_differentiated(a)]
    xs = [np.array(jacobians.raw(inputs[i]), dtype=np.float64) for i in positions]
    names = [f"input {i}" for i in positions]

    def call(values):
        args = list(inputs)
        for i, v in zip(positions, values):
            args[i] = v
        return f(*args)

    return call, xs, names


def is_differentiated(value):
    """True for the inputs that gradcheck differentiates: floating-point Tensors, arrays, NumPy scalars."""
    return isinstance(value, (Tensor, np.ndarray, np.floating)) and np.issubdtype(value.dtype, np.floating)


def _numerical(call, xs, eps):
    def fn(*arrays):
        with grad_mode.no_grad():
            return call([Tensor._wrap(a) for a in arrays])

    xs = [x.copy() for x in xs]
    return [jacobians.finite_differences(fn, xs, i, eps) for i in range(len(xs))]
