"""Reductions: values against NumPy, derivatives against finite differences,
ties, zeros, extreme values and second derivatives."""
import numpy as np
import pytest

import chainrule as cr
from helpers import check_grad, leaf, numerical_grad
from chainrule._core.primitive import registered_primitives
from chainrule.testing.samples import samples_for
from chainrule.testing.samples.reduce import SAMPLES

RNG = np.random.default_rng(0)


def grad_of(op, x):
    t = leaf(x)
    y = op(t)
    y.backward(np.ones(y.shape))
    return t.grad.data


def np_logsumexp(a, axis=None, keepdims=False):
    peak = np.max(a, axis=axis, keepdims=True)
    out = np.log(np.sum(np.exp(a - peak), axis=axis, keepdims=True)) + peak
    return out if keepdims else np.squeeze(out, axis=axis)


OPS = {
    "sum": (cr.sum, np.sum),
    "mean": (cr.mean, np.mean),
    "var": (cr.var, np.var),
    "std": (cr.std, np.std),
    "max": (cr.max, np.max),
    "min": (cr.min, np.min),
    "prod": (cr.prod, np.prod),
    "logsumexp": (cr.logsumexp, np_logsumexp),
}
AXES = [None, 0, 1, 2, -1, -3, (0, 2), (-1, 0), (0, 1, 2), ()]
X = RNG.uniform(0.5, 1.5, (2, 3, 4)) * RNG.choice([-1.0, 1.0], (2, 3, 4))


# --- forward values ----------------------------------------------------------
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_values_match_numpy(name, axis, keepdims):
    op, reference = OPS[name]
    out = op(cr.tensor(X), axis=axis, keepdims=keepdims)
    expected = reference(X, axis=axis, keepdims=keepdims)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("name", OPS)
def test_values_of_0d_and_1d_inputs(name):
    op, reference = OPS[name]
    for a in (np.array(0.7), np.array([0.3, -1.2, 2.0])):
        np.testing.assert_allclose(op(cr.tensor(a)).data, reference(a), rtol=1e-12)


def test_var_and_std_take_ddof():
    for axis in (None, 1, (0, 2)):
        np.testing.assert_allclose(cr.var(X, axis=axis, ddof=1).data, np.var(X, axis=axis, ddof=1))
        np.testing.assert_allclose(cr.std(X, axis=axis, ddof=1).data, np.std(X, axis=axis, ddof=1))


def test_tensor_methods():
    t = cr.tensor(X)
    np.testing.assert_allclose(t.max(axis=1).data, X.max(axis=1))
    np.testing.assert_allclose(t.var(-1, keepdims=True, ddof=1).data, X.var(-1, keepdims=True, ddof=1))
    np.testing.assert_allclose(t.prod((0, 1)).data, X.prod((0, 1)))
    np.testing.assert_allclose(t.logsumexp(0).data, np_logsumexp(X, 0))


def test_float32_stays_float32():
    x = cr.tensor(X.astype(np.float32), requires_grad=True)
    for op in (cr.sum, cr.mean, cr.var, cr.std, cr.max, cr.min, cr.prod, cr.logsumexp):
        assert op(x, axis=1).dtype == np.float32
        y = op(x)
        y.backward()
        assert x.grad.dtype == np.float32
        x.grad = None


def test_argmax_argmin_match_numpy_and_carry_no_gradient():
    x = leaf(X)
    for axis in (None, 0, -1):
        assert np.array_equal(cr.argmax(x, axis=axis).data, np.argmax(X, axis=axis))
        assert np.array_equal(cr.argmin(x, axis=axis).data, np.argmin(X, axis=axis))
    assert not cr.argmax(x).requires_grad
    assert np.array_equal(x.argmin(axis=1, keepdims=True).data, np.argmin(X, axis=1, keepdims=True))


# --- gradients -----------------------------------------------------------------
@pytest.mark.parametrize("name", OPS)
@pytest.mark.parametrize("axis", AXES)
@pytest.mark.parametrize("keepdims", [False, True])
def test_gradients_match_finite_differences(name, axis, keepdims):
    if name == "std" and axis == ():
        pytest.skip("std over no axes is sqrt(0), whose derivative is infinite")
    op = OPS[name][0]
    check_grad(lambda a: op(a, axis=axis, keepdims=keepdims), X)


@pytest.mark.parametrize("ddof", [0, 1])
def test_var_std_gradients_with_ddof(ddof):
    check_grad(lambda a: cr.var(a, axis=0, ddof=ddof), X)
    check_grad(lambda a: cr.std(a, axis=(1, 2), ddof=ddof), X)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_rules_match_finite_differences(name):
    """Reverse (through backward) and forward (the JVP rule) for every sample."""
    prim = registered_primitives()[name]
    for (x,), kwargs in samples_for(name):
        check_grad(lambda a: prim(cr.tensor(a) if not isinstance(a, cr.Tensor) else a, **kwargs), x)
        t = RNG.standard_normal(np.shape(x))
        expected = (prim(x + 1e-6 * t, **kwargs) - prim(x - 1e-6 * t, **kwargs)) / 2e-6
        tangent = prim.jvp_rule(0)(t, prim(x, **kwargs), x, **kwargs)
        assert np.shape(tangent) == np.shape(expected)
        np.testing.assert_allclose(tangent, expected, atol=1e-6)


# --- ties, zeros, extremes -----------------------------------------------------
def test_max_min_ties_split_the_gradient_evenly():
    np.testing.assert_allclose(grad_of(cr.max, [1.0, 3.0, 3.0]), [0, 0.5, 0.5])
    np.testing.assert_allclose(grad_of(cr.min, [2.0, 2.0, 2.0, 5.0]), [1 / 3, 1 / 3, 1 / 3, 0])
    a = [[1.0, 4.0, 4.0], [7.0, 7.0, 0.0]]
    np.testing.assert_allclose(grad_of(lambda t: cr.max(t, axis=1), a), [[0, 0.5, 0.5], [0.5, 0.5, 0]])
    np.testing.assert_allclose(grad_of(lambda t: cr.max(t, axis=0, keepdims=True), [[1.0, 2.0], [1.0, 0.0]]),
                               [[0.5, 1], [0.5, 0]])


def test_max_ties_forward_mode_averages_the_tied_tangents():
    prim = registered_primitives()["max"]
    x = np.array([1.0, 3.0, 3.0])
    assert prim.jvp_rule(0)(np.array([5.0, 2.0, 4.0]), prim(x), x) == pytest.approx(3.0)


@pytest.mark.parametrize("x, expected", [
    ([2.0, 0.0, 3.0], [0.0, 6.0, 0.0]),                 # one zero: the product of the rest
    ([2.0, 0.0, 0.0, 3.0], [0.0, 0.0, 0.0, 0.0]),       # two zeros: nothing
    ([0.0], [1.0]),
    ([0.0, 0.0], [0.0, 0.0]),
    ([2.0, -1.0, 4.0], [-4.0, 8.0, -2.0]),              # no zero: ans / x
])
def test_prod_gradient_with_zeros(x, expected):
    np.testing.assert_allclose(grad_of(cr.prod, x), expected)


def test_prod_gradient_with_zeros_along_an_axis():
    x = np.array([[0.0, 2.0, 3.0], [1.0, 2.0, 3.0], [0.0, 0.0, 5.0]])
    expected = np.array([[6.0, 0.0, 0.0], [6.0, 3.0, 2.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(grad_of(lambda t: cr.prod(t, axis=1), x), expected)
    np.testing.assert_allclose(grad_of(lambda t: cr.prod(t, axis=0), x.T), expected.T)
    check_grad(lambda t: cr.prod(t, axis=-1, keepdims=True), x)


def test_prod_forward_mode_with_a_zero():
    prim = registered_primitives()["prod"]
    x = np.array([2.0, 0.0, 3.0])
    assert prim.jvp_rule(0)(np.array([1.0, 1.0, 1.0]), prim(x), x) == pytest.approx(6.0)


@pytest.mark.parametrize("big", [1000.0, -1000.0])
def test_logsumexp_is_stable_at_extremes(big):
    x = leaf([big, big - 1.0, big - 2.0])
    y = cr.logsumexp(x)
    expected = big + np.log(1 + np.exp(-1.0) + np.exp(-2.0))
    assert y.item() == pytest.approx(expected)
    y.backward()
    weights = np.exp([0.0, -1.0, -2.0])
    np.testing.assert_allclose(x.grad.data, weights / weights.sum())


def test_logsumexp_of_mixed_extremes_along_an_axis():
    x = leaf([[1000.0, -1000.0], [-1000.0, -1000.0]])
    y = cr.logsumexp(x, axis=1)
    np.testing.assert_allclose(y.data, [1000.0, -1000.0 + np.log(2.0)])
    y.backward(np.ones(2))
    np.testing.assert_allclose(x.grad.data, [[1.0, 0.0], [0.5, 0.5]])


def test_logsumexp_of_all_minus_infinity_is_minus_infinity_without_nan():
    x = leaf([[-np.inf, -np.inf], [0.0, -np.inf]])
    y = cr.logsumexp(x, axis=1)
    np.testing.assert_array_equal(y.data, [-np.inf, 0.0])
    y.backward(np.ones(2))
    np.testing.assert_array_equal(x.grad.data, [[0.0, 0.0], [1.0, 0.0]])


# --- second derivatives ----------------------------------------------------------
def hvp(f, x, v):
    """Hessian of the scalar f at x times v, by a backward pass through a backward pass."""
    t = leaf(x)
    f(t).backward(create_graph=True)
    g = t.grad
    t.grad = None
    cr.sum(g * v).backward()
    return t.grad.data


def hessian(f, x):
    return np.array([hvp(f, x, e) for e in np.eye(len(x))])


def check_second_derivative(f, x):
    """H v against finite differences of the (first-order) gradient along v."""
    v = RNG.standard_normal(np.shape(x))
    expected = numerical_grad(lambda a: np.sum(grad_of(f, a) * v), x)
    np.testing.assert_allclose(hvp(f, x, v), expected, atol=1e-5)


def test_second_derivative_of_logsumexp_is_the_softmax_covariance():
    x = np.array([0.3, -1.2, 2.0, 0.5])
    p = np.exp(x - np_logsumexp(x))
    np.testing.assert_allclose(hessian(cr.logsumexp, x), np.diag(p) - np.outer(p, p), atol=1e-12)


def test_second_derivative_of_prod_without_zeros():
    x = np.array([2.0, -0.5, 3.0, 1.5])
    expected = np.array([[0.0 if i == j else np.prod(np.delete(x, [i, j])) for j in range(4)]
                         for i in range(4)])
    np.testing.assert_allclose(hessian(cr.prod, x), expected, atol=1e-12)


W = RNG.standard_normal(3)


@pytest.mark.parametrize("f", [
    lambda t: cr.sum(cr.prod(t, axis=0) * W),
    lambda t: cr.sum(cr.logsumexp(t, axis=-1, keepdims=True) ** 2),
    lambda t: cr.sum(cr.max(t * t, axis=0) * W),
    lambda t: cr.sum(cr.min(t * t, axis=(0,)) * W),
    lambda t: cr.var(t * t, axis=1).sum(),
    lambda t: cr.std(t * t, ddof=1),
    lambda t: cr.mean(cr.sum(t ** 3, axis=1)),
])
def test_second_derivatives_match_finite_differences(f):
    check_second_derivative(f, RNG.uniform(0.5, 2.0, (2, 3)))
