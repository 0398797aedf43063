"""Forward mode: the Dual evaluator, every primitive's JVP rule, batched tangents, nesting.

Finite differences of every primitive's JVP (to first order, and forward over
reverse to second order) run in tests/test_primitives.py through gradcheck,
which compares forward mode too.
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule._core import forward
from chainrule._core.forward import Dual
from chainrule._core.primitive import registered_primitives
from chainrule.testing.gradcheck import gradcheck_report
from chainrule.testing.samples import SAMPLES, samples_for

WITH_SAMPLES = {name: prim for name, prim in sorted(registered_primitives().items())
                if prim.__module__.startswith("chainrule.") and name in SAMPLES}


def _float_positions(args):
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _with(args, i, value):
    full = list(args)
    full[i] = value
    return full


# --- the evaluator --------------------------------------------------------------
def test_user_code_inside_jvp_uses_operators_methods_and_numpy():
    def f(x, y):
        return np.exp(x * y).sum() + (x @ y) - x.mean()

    x, y = np.array([0.1, 0.2, 0.3]), np.array([1.0, -1.0, 0.5])
    tx, ty = np.array([1.0, 0.0, 2.0]), np.array([0.0, 1.0, 0.0])
    out, tangent = cr.jvp(f, (x, y), (tx, ty))
    eps = 1e-6
    numeric = (f(x + eps * tx, y + eps * ty) - f(x - eps * tx, y - eps * ty)) / (2 * eps)
    assert out == pytest.approx(f(x, y))
    assert tangent == pytest.approx(numeric, rel=1e-7)


def test_jvp_records_no_graph_and_returns_raw_arrays_for_raw_inputs():
    out, tangent = cr.jvp(lambda a: cr.sin(a) * a, (np.array([0.5, 1.0]),), (np.array([1.0, 0.0]),))
    np.testing.assert_allclose(tangent, [np.cos(0.5) * 0.5 + np.sin(0.5), 0.0])
    assert type(out) is np.ndarray and type(tangent) is np.ndarray


def test_a_dual_runs_a_primitive_on_its_primal_and_sums_tangent_contributions():
    level = forward.new_level()
    x = Dual(np.array([1.0, 2.0]), np.array([1.0, 0.0]), level)
    out = cr.ops.mul(x, x)
    assert isinstance(out, Dual) and out.level == level
    np.testing.assert_allclose(out.primal, [1.0, 4.0])
    np.testing.assert_allclose(out.tangent, [2.0, 0.0])   # t*x + x*t


def test_a_constant_tangent_is_broadcast_to_the_output_shape():
    _, tangent = cr.jvp(lambda x: x + np.zeros((2, 3)), (np.array(1.0),), (np.array(2.0),))
    np.testing.assert_allclose(tangent, np.full((2, 3), 2.0))


def test_missing_jvp_rule_is_an_error_naming_the_op():
    @cr.primitive
    def only_reverse(x):
        return 2 * x

    cr.defvjp(only_reverse, lambda g, ans, x: 2 * g)
    with pytest.raises(TypeError, match="only_reverse.*JVP"):
        cr.jvp(only_reverse, (np.ones(2),), (np.ones(2),))


def test_tangent_shape_must_match_its_primal():
    with pytest.raises(ValueError, match=r"shape \(3,\).*\(2,\)"):
        cr.jvp(cr.sin, (np.ones(2),), (np.ones(3),))


def test_gradcheck_checks_forward_mode_too():
    @cr.primitive
    def cube(x):
        return x ** 3

    cr.defvjp(cube, lambda g, ans, x: 3 * g * x * x)
    cr.defjvp(cube, lambda t, ans, x: 2 * t * x * x)   # wrong on purpose
    report = gradcheck_report(cube, (np.array([1.0, 2.0]),))
    by_mode = {c.mode: c.ok for c in report.comparisons}
    assert by_mode == {"reverse mode": True, "forward mode": False}


# --- every primitive: forward agrees with reverse, batched with single ----------
@pytest.mark.parametrize("name", sorted(WITH_SAMPLES))
def test_jvp_and_vjp_are_transposes(name):
    # <J v, u> == <v, J^T u> for random u, v, on every sample of the primitive.
    prim = WITH_SAMPLES[name]
    rng = np.random.default_rng(1)
    for args, kwargs in samples_for(name):
        positions = _float_positions(args)
        if not positions:
            continue

        def f(*values):
            full = list(args)
            for i, value in zip(positions, values):
                full[i] = value
            return prim(*full, **kwargs)

        primals = tuple(args[i] for i in positions)
        vs = tuple(rng.standard_normal(np.shape(p)) for p in primals)
        out, jv = cr.jvp(f, primals, vs)
        u = rng.standard_normal(np.shape(out))
        jtu = cr.vjp(f, *primals)[1](u)
        lhs = np.sum(np.asarray(jv) * u)
        rhs = sum(np.sum(np.asarray(g) * v) for g, v in zip(jtu, vs))
        assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9), name


def _batched_equals_stacked(prim, args, kwargs, i, n=3):
    directions = np.random.default_rng(0).standard_normal((n,) + np.shape(args[i]))

    def tangent(t):
        return np.asarray(prim(*_with(args, i, Dual(args[i], t, forward.new_level())), **kwargs).tangent)

    out_shape = np.shape(prim(*args, **kwargs))
    stacked = np.stack([np.broadcast_to(tangent(t), out_shape) for t in directions])
    batched = tangent(directions)
    assert batched.shape == (n,) + out_shape
    np.testing.assert_allclose(batched, stacked, atol=1e-12, err_msg=prim.name)


@pytest.mark.parametrize("name", sorted(WITH_SAMPLES))
def test_batched_jvp_equals_the_stack_of_single_jvps(name):
    prim = WITH_SAMPLES[name]
    for args, kwargs in samples_for(name):
        for i in _float_positions(args):
            _batched_equals_stacked(prim, args, kwargs, i)


@pytest.mark.parametrize("args, kwargs", [
    ((np.ones((3, 4)) * np.arange(4), np.arange(40.0).reshape(2, 4, 5)), {}),   # matrix with a stack
    ((np.arange(4.0), np.arange(24.0).reshape(2, 4, 3)), {}),                  # vector with a stack
    ((np.arange(60.0).reshape(3, 4, 5), ([0, 2], slice(None), [1, 4])), {}),    # split advanced index
    ((np.arange(24.0).reshape(2, 3, 4), (None, Ellipsis, np.array([True, False, True, True]))), {}),
], ids=["matmul-2d-3d", "matmul-1d-3d", "getitem-split", "getitem-newaxis-bool"])
def test_batched_jvp_on_awkward_layouts(args, kwargs):
    prim = cr.ops.matmul if len(args) == 2 and isinstance(args[1], np.ndarray) else cr.ops.getitem
    for i in _float_positions(args):
        _batched_equals_stacked(prim, args, kwargs, i)


def test_einsum_batched_jvp_with_ellipsis_and_implicit_output():
    a, b = np.random.default_rng(2).standard_normal((2, 2, 3, 4)), np.ones((4, 5))
    for subscripts in ("...ij,jk", "...ij,jk->...ik", "abij,jk->kb"):
        for i in (0, 1):
            _batched_equals_stacked(registered_primitives()["einsum"], (a, b), {"subscripts": subscripts}, i)


def test_every_built_in_op_takes_a_batch_of_tangents_in_one_call():
    # The evaluator's direction-by-direction fallback is for user primitives only.
    unbatched = [name for name, prim in registered_primitives().items()
                 if prim.__module__.startswith("chainrule.ops") and not prim.batched_jvp]
    assert not unbatched


def test_a_user_primitive_without_batched_rules_still_gets_a_batched_jacobian():
    @cr.primitive
    def cumulative(x):
        return np.cumsum(x)

    lower = np.tril(np.ones((3, 3)))   # the Jacobian of a cumulative sum of 3 numbers
    cr.defvjp(cumulative, lambda g, ans, x: cr.ops.matmul(g, lower))
    cr.defjvp(cumulative, lambda t, ans, x: cr.ops.matmul(lower, t))   # one direction at a time
    np.testing.assert_allclose(cr.jacfwd(cumulative)(np.ones(3)), lower)


@pytest.mark.parametrize("name", sorted(WITH_SAMPLES))
def test_forward_jacobian_equals_reverse_jacobian(name):
    prim = WITH_SAMPLES[name]
    for args, kwargs in samples_for(name):
        for i in _float_positions(args):
            def f(value, i=i):
                return prim(*_with(args, i, value), **kwargs)

            np.testing.assert_allclose(cr.jacfwd(f)(args[i]), cr.jacrev(f)(args[i]), atol=1e-10, err_msg=name)


# --- nesting --------------------------------------------------------------------
def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1, in every combination of modes.
    def inner_forward(x):
        return x * cr.jvp(lambda y: x + y, (1.0,), (1.0,))[1]

    assert cr.grad(lambda x: x * cr.grad(lambda y: x + y)(1.0))(2.0) == pytest.approx(1.0)
    assert cr.jvp(inner_forward, (2.0,), (1.0,))[1] == pytest.approx(1.0)
    assert cr.grad(inner_forward)(2.0) == pytest.approx(1.0)
    assert cr.jacfwd(lambda x: x * cr.grad(lambda y: x + y)(1.0))(2.0) == pytest.approx(1.0)


def test_nested_jvps_keep_their_tangents_apart():
    # d/dx d/dy (x * y)^2 = 4 x y at (x, y) = (3, 5), by forward over forward.
    def d_dy(x):
        return cr.jvp(lambda y: (x * y) ** 2, (5.0,), (1.0,))[1]

    assert cr.jvp(d_dy, (3.0,), (1.0,))[1] == pytest.approx(4 * 3.0 * 5.0)


def test_reverse_over_forward_differentiates_a_tangent():
    # g(x) = <J_f(x) 1, 1> for f = x^2 elementwise: 2 sum(x); its gradient is 2 everywhere.
    g = lambda x: cr.jvp(lambda y: (y ** 2).sum(), (x,), (np.ones(2),))[1]  # noqa: E731
    np.testing.assert_allclose(cr.grad(g)(np.array([1.0, 2.0])), [2.0, 2.0])


def test_forward_over_reverse_pushes_a_tangent_through_the_backward_pass():
    # The gradient of sum(x^3) is 3 x^2; its tangent along t is 6 x t.
    x, t = np.array([1.0, -2.0]), np.array([0.5, 1.0])
    _, tangent = cr.jvp(cr.grad(lambda v: (v ** 3).sum()), (x,), (t,))
    np.testing.assert_allclose(tangent, 6 * x * t)


def test_captured_values_of_outer_transforms_are_differentiated_in_the_right_order():
    # The tangent of x * w along x is w, whose gradient in w is 1 (forward inside reverse).
    assert cr.grad(lambda w: cr.jvp(lambda x: x * w, (3.0,), (1.0,))[1])(2.0) == pytest.approx(1.0)
    # d/dw of d/dx (x w)^2 at x = 3 is d/dw 6 w^2 = 12 w (reverse inside forward, and the converse).
    inner_grad = lambda w: cr.grad(lambda x: (x * w) ** 2)(3.0)  # noqa: E731
    inner_jacfwd = lambda w: cr.jacfwd(lambda x: (x * w) ** 2)(3.0)  # noqa: E731
    assert cr.jacfwd(inner_grad)(2.0) == pytest.approx(24.0)
    assert cr.jvp(inner_grad, (2.0,), (1.0,))[1] == pytest.approx(24.0)
    assert cr.jacrev(inner_jacfwd)(2.0) == pytest.approx(24.0)
