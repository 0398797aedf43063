"""cr.numerical_grad and cr.gradcheck, including the op-by-op search for a wrong rule."""
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule._core import primitive as primitive_module
from chainrule.testing import assert_derivatives

rng = np.random.default_rng(0)


@pytest.fixture(autouse=True)
def private_registry(monkeypatch):
    # The custom primitives made here must not join the built-ins that other tests iterate.
    monkeypatch.setattr(primitive_module, "_registry", dict(primitive_module._registry))


def make_cube(vjp_factor=3.0, jvp_factor=3.0, with_jvp=True):
    """x^3 with rules d/dx = factor * x^2: right when the factors are 3."""

    @cr.primitive
    def cube(x):
        return x ** 3

    cr.defvjp(cube, lambda g, ans, x: g * vjp_factor * x * x)
    if with_jvp:
        cr.defjvp(cube, lambda t, ans, x: t * jvp_factor * x * x)
    return cube


# --- numerical_grad --------------------------------------------------------------------------
def test_numerical_grad_of_scalar_function_is_the_gradient():
    x = rng.standard_normal((3, 4))
    g = cr.numerical_grad(lambda t: (t * t).sum(), x)
    assert g.shape == x.shape
    np.testing.assert_allclose(g, 2 * x, atol=1e-8)


def test_numerical_grad_gives_a_tuple_for_several_inputs():
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    gx, gy = cr.numerical_grad(lambda a, b: (a * b).sum(), x, y)
    np.testing.assert_allclose(gx, y, atol=1e-8)
    np.testing.assert_allclose(gy, x, atol=1e-8)


def test_numerical_grad_of_non_scalar_function_is_the_jacobian():
    x = rng.standard_normal(3)
    jac = cr.numerical_grad(lambda t: cr.exp(t) * 2.0, x)
    assert jac.shape == (3, 3)
    np.testing.assert_allclose(jac, np.diag(2 * np.exp(x)), atol=1e-8)


def test_numerical_grad_holds_non_float_inputs_constant():
    x = rng.standard_normal((2, 3))
    mask = np.array([True, False, True])
    g = cr.numerical_grad(lambda t, m, s: (cr.where(m, t, 0.0) * s).sum(), x, mask, 2.0)
    np.testing.assert_allclose(g, np.broadcast_to(2.0 * mask, x.shape), atol=1e-8)


def test_numerical_grad_accepts_tensors_and_leaves_them_unchanged():
    x = cr.tensor(rng.standard_normal(4), requires_grad=True)
    before = x.data.copy()
    g = cr.numerical_grad(lambda t: cr.sin(t).sum(), x)
    np.testing.assert_allclose(g, np.cos(before), atol=1e-8)
    np.testing.assert_array_equal(x.data, before)


# --- gradcheck: passing ------------------------------------------------------------------------
def test_gradcheck_passes_for_a_composite_with_broadcasting_and_non_scalar_output():
    x, y = rng.standard_normal((2, 3)), rng.standard_normal(3)
    assert cr.gradcheck(lambda a, b: cr.tanh(a * b) + cr.exp(b) / 2.0, (x, y)) is True


def test_gradcheck_takes_a_single_input_and_float32_tensors():
    x = cr.tensor(rng.standard_normal(4).astype(np.float32), requires_grad=True)
    # Checked in float64 whatever the input dtype, so float32 rounding does not fail it.
    assert cr.gradcheck(lambda t: cr.sigmoid(t) * t, x)


def test_gradcheck_with_unused_input_and_constant_output():
    x, y = rng.standard_normal(3), rng.standard_normal(3)
    assert cr.gradcheck(lambda a, b: cr.sin(a), (x, y))
    assert cr.gradcheck(lambda a: cr.tensor(np.ones(2)), (x,))


def test_gradcheck_rejects_non_float_output():
    with pytest.raises(TypeError, match="floating-point"):
        cr.gradcheck(lambda a: a > 0, rng.standard_normal(3))


def test_gradcheck_passes_for_a_correct_custom_primitive():
    assert cr.gradcheck(make_cube(), rng.standard_normal(4))


# --- gradcheck: failing ------------------------------------------------------------------------
def test_wrong_vjp_raises_gradcheck_error_listing_each_input():
    cube = make_cube(vjp_factor=2.0)
    x, y = rng.standard_normal(3) + 2.0, rng.standard_normal(3)
    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(lambda a, b: cube(a) + b, (x, y))
    message = str(info.value)
    assert isinstance(info.value, AssertionError)
    assert "reverse mode, input 0 (shape (3,)): max abs error" in message
    assert "max rel error" in message and "d out[" in message and "/ d input 0[" in message
    assert "input 1" in message  # the input that is fine is listed too
    assert not info.value.report.ok


def test_error_locates_the_worst_entry():
    cube = make_cube(vjp_factor=2.0)
    x = np.array([0.1, 3.0, -0.2])  # the wrong rule is off by x^2: worst at index 1
    with pytest.raises(cr.GradcheckError, match=r"max abs error \S+ at d out\[1\] / d input 0\[1\]"):
        cr.gradcheck(cube, x)


def test_raise_exception_false_returns_false():
    assert cr.gradcheck(make_cube(vjp_factor=2.0), rng.standard_normal(3), raise_exception=False) is False


def test_failure_names_the_first_wrong_op_and_the_users_line():
    cube = make_cube(vjp_factor=2.0)

    def composite(x):
        y = cr.sin(x) * 2.0
        z = cube(y)  # <- the wrong op
        return cr.exp(z / 10.0).sum()

    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(composite, rng.standard_normal(4))
    line = next(i for i, text in enumerate(open(__file__), 1) if text.rstrip().endswith("# <- the wrong op"))
    assert f"is 'cube', created at {os.path.abspath(__file__)}, line {line}" in str(info.value)


def test_first_wrong_op_is_the_earliest_created():
    first, second = make_cube(vjp_factor=2.0), make_cube(vjp_factor=4.0)
    first.name, second.name = "first_cube", "second_cube"
    with pytest.raises(cr.GradcheckError) as info:
        cr.gradcheck(lambda x: second(cr.tanh(first(x))), rng.standard_normal(3) * 0.5)
    assert "is 'first_cube'" in str(info.value) and "second_cube" not in info.value.report.culprit


def test_wrong_jvp_fails_the_forward_mode_check():
    cube = make_cube(jvp_factor=2.0)
    with pytest.raises(cr.GradcheckError, match=r"JVP rule[^']*'cube'"):
        cr.gradcheck(cube, rng.standard_normal(3))
    assert cr.gradcheck(cube, rng.standard_normal(3), check_forward=False)


def test_missing_jvp_is_reported_unless_forward_mode_is_skipped():
    cube = make_cube(with_jvp=False)
    with pytest.raises(cr.GradcheckError, match="no JVP rule"):
        cr.gradcheck(cube, rng.standard_normal(3))
    assert cr.gradcheck(cube, rng.standard_normal(3), check_forward=False)


def test_a_rule_that_raises_is_reported_not_crashed_on():
    @cr.primitive
    def double(x):
        return 2 * x

    cr.defvjp(double, lambda g, ans, x: g * 2)
    cr.defjvp(double, lambda t, ans, x: t.no_such_method())
    with pytest.raises(cr.GradcheckError, match="the rule raised AttributeError"):
        cr.gradcheck(double, rng.standard_normal(2))


# --- second order ---------------------------------------------------------------------------------
def test_second_order_catches_a_rule_written_in_raw_numpy():
    @cr.primitive
    def my_sin(x):
        return np.sin(x)

    # Right to first order, but np.asarray cuts the graph, so create_graph sees a constant.
    cr.defvjp(my_sin, lambda g, ans, x: g * np.cos(np.asarray(x)))
    cr.defjvp(my_sin, lambda t, ans, x: t * cr.ops.cos(x))
    x = rng.standard_normal(3)
    assert cr.gradcheck(my_sin, x)
    with pytest.raises(cr.GradcheckError):
        assert_derivatives(my_sin, (x,), {})


def test_assert_derivatives_passes_for_built_in_primitives():
    assert_derivatives(cr.ops.mul, (rng.standard_normal((2, 3)), rng.standard_normal(3)), {})
    assert_derivatives(cr.ops.tanh, (rng.standard_normal(4),), {})


def test_forward_mode_is_compared_once_chainrule_has_jvp(monkeypatch):
    calls = []

    def jvp(f, primals, tangents):
        # A stand-in evaluator that is wrong by a factor 2, to see gradcheck catch it.
        calls.append(1)
        h = 1e-6
        plus = np.asarray(f(*[p + h * t for p, t in zip(primals, tangents)]))
        minus = np.asarray(f(*[p - h * t for p, t in zip(primals, tangents)]))
        return f(*primals), (plus - minus) / h

    monkeypatch.setattr(cr, "jvp", jvp, raising=False)
    with pytest.raises(cr.GradcheckError, match="forward mode, input 0"):
        cr.gradcheck(lambda x, y: cr.sin(x) * y, (rng.standard_normal(2), rng.standard_normal(2)))
    assert len(calls) == 4  # one forward pass per input entry
