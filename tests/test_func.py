"""The functional transforms (API section 4), with the lecture notes' numbers."""
import numpy as np
import pytest

import chainrule as cr
from chainrule.func import _cheaper_mode, _record


# --- the lecture notes ---------------------------------------------------------
def F1(x):
    return cr.stack([x[0] - x[1], x[0] * x[1]])


def F2(v):
    return cr.stack([v[0] ** 2, v[0] - v[1]])


def F3(w):
    return (w[0] - 8) ** 2 + (w[1] - 3) ** 2


def F(x):
    return F3(F2(F1(x)))


X = np.array([2.0, -1.0])


@pytest.mark.parametrize("mode", ["forward", "reverse", "auto"])
def test_composition_gradient_is_20_minus24_in_both_modes(mode):
    np.testing.assert_allclose(cr.jacobian(F, mode=mode)(X), [20.0, -24.0])
    np.testing.assert_allclose(cr.grad(F)(X), [20.0, -24.0])


def test_intermediate_jacobians_of_the_notes():
    v, w = np.array([3.0, -2.0]), np.array([9.0, 5.0])      # F1(2, -1) and F2(3, -2)
    np.testing.assert_allclose(F1(cr.tensor(X)).data, v)
    np.testing.assert_allclose(F2(cr.tensor(v)).data, w)
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(cr.jacobian(F1, mode=mode)(X), [[1, -1], [-1, 2]])
        np.testing.assert_allclose(cr.jacobian(F2, mode=mode)(v), [[6, 0], [1, -1]])
        np.testing.assert_allclose(cr.jacobian(F3, mode=mode)(w), [2, 4])
    # Multiplying the notes' Jacobians from the right (forward) or the left (reverse) gives F'.
    J1, J2, J3 = np.array([[1, -1], [-1, 2]]), np.array([[6, 0], [1, -1]]), np.array([2, 4])
    np.testing.assert_allclose(J3 @ (J2 @ J1), [20, -24])
    np.testing.assert_allclose((J3 @ J2) @ J1, [20, -24])


def test_jacobian_of_sum_product_square():
    def g(x):
        return cr.stack([x[0] + x[1], x[0] * x[1], x[0] ** 2 - x[1]])

    x1, x2 = 1.5, -0.5
    expected = [[1, 1], [x2, x1], [2 * x1, -1]]
    for jac in (cr.jacfwd(g), cr.jacrev(g), cr.jacobian(g)):
        np.testing.assert_allclose(jac(np.array([x1, x2])), expected)


# --- vjp and jvp -----------------------------------------------------------------
def test_vjp_returns_one_cotangent_per_primal():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, vjp_fn = cr.vjp(lambda x, y: x * y, a, b)
    ga, gb = vjp_fn(np.array([1.0, 10.0]))
    np.testing.assert_allclose(out, a * b)
    np.testing.assert_allclose(ga, [3.0, 40.0])
    np.testing.assert_allclose(gb, [1.0, 20.0])


def test_jvp_and_vjp_of_pytrees():
    params = {"w": np.array([1.0, 2.0]), "b": np.array(0.5)}

    def f(p):
        return {"y": p["w"] * 3 + p["b"]}

    out, tangent = cr.jvp(f, (params,), ({"w": np.array([1.0, 0.0]), "b": np.array(1.0)},))
    np.testing.assert_allclose(out["y"], [3.5, 6.5])
    np.testing.assert_allclose(tangent["y"], [4.0, 1.0])
    (cotangent,) = cr.vjp(f, params)[1]({"y": np.array([1.0, 1.0])})
    assert set(cotangent) == {"w", "b"}
    np.testing.assert_allclose(cotangent["w"], [3.0, 3.0])
    assert cotangent["b"] == pytest.approx(2.0)


# --- Hessians and higher derivatives ---------------------------------------------
def test_hessian_of_a_quadratic_form_is_A_plus_A_transpose():
    A = np.array([[1.0, 2.0, 0.5], [3.0, 4.0, -1.0], [0.0, 1.0, 2.0]])
    H = cr.hessian(lambda x: x @ A @ x)(np.array([0.3, -0.7, 1.1]))
    np.testing.assert_allclose(H, A + A.T)


def test_hessian_of_rosenbrock():
    def rosenbrock(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    x, y = 0.5, 0.8
    expected = [[2 - 400 * (y - x ** 2) + 800 * x ** 2, -400 * x], [-400 * x, 200]]
    np.testing.assert_allclose(cr.hessian(rosenbrock)(np.array([x, y])), expected)


def test_hessian_of_logsumexp_is_diag_p_minus_p_p_transpose():
    x = np.array([0.1, -0.4, 0.9, 0.3])
    p = np.exp(x) / np.exp(x).sum()
    expected = np.diag(p) - np.outer(p, p)
    np.testing.assert_allclose(cr.hessian(cr.logsumexp)(x), expected, atol=1e-12)
    np.testing.assert_allclose(cr.jacrev(cr.jacrev(cr.logsumexp))(x), expected, atol=1e-12)


def test_hvp_matches_the_hessian_without_forming_it():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    f = lambda x: x @ A @ x + cr.sin(x).sum()  # noqa: E731
    x, t = np.array([0.2, 0.4]), np.array([1.0, -1.0])
    value, (hv,) = cr.hvp(f, (x,), (t,))
    H = A + A.T - np.diag(np.sin(x))
    assert value == pytest.approx(x @ A @ x + np.sin(x).sum())
    np.testing.assert_allclose(hv, H @ t)


@pytest.mark.parametrize("nest", [
    lambda f: cr.grad(cr.grad(cr.grad(f))),
    lambda f: cr.jacfwd(cr.jacfwd(cr.jacfwd(f))),
    lambda f: cr.jacrev(cr.jacrev(cr.jacrev(f))),
    lambda f: cr.jacfwd(cr.jacrev(cr.grad(f))),
    lambda f: cr.jacrev(cr.jacfwd(cr.grad(f))),
], ids=["grad3", "jacfwd3", "jacrev3", "fwd-rev-rev", "rev-fwd-rev"])
def test_third_derivatives_of_sin_and_tanh(nest):
    t = np.tanh(0.5)
    assert nest(cr.sin)(0.5) == pytest.approx(-np.cos(0.5))
    assert nest(cr.tanh)(0.5) == pytest.approx(-2 * (1 - t * t) * (1 - 3 * t * t))


def test_nested_jacobians_of_a_vector_function_agree():
    def f(x):
        return (cr.tanh(x) ** 2).sum() * x[0]

    x = np.array([0.3, -0.2, 0.7])
    H = cr.jacrev(cr.jacrev(f))(x)
    np.testing.assert_allclose(cr.jacfwd(cr.jacrev(f))(x), H, atol=1e-12)
    np.testing.assert_allclose(cr.hessian(f)(x), H, atol=1e-12)
    np.testing.assert_allclose(H, H.T, atol=1e-12)


def test_grad_inside_a_differentiated_function():
    def f(x):
        return cr.grad(lambda y: (y * x) ** 2)(3.0) * x      # = 2 * 3 * x^2 * x = 6 x^3
    assert cr.grad(f)(2.0) == pytest.approx(18 * 4.0)
    assert cr.jacfwd(f)(2.0) == pytest.approx(18 * 4.0)


# --- pytrees, argnums, aux, array types, errors ------------------------------------
def test_gradient_of_a_dict_of_arrays_comes_back_as_the_same_dict():
    params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([0.5, -0.5])}
    x = np.array([1.0, -1.0])
    grads = cr.grad(lambda p: ((p["W"] @ x + p["b"]) ** 2).sum())(params)
    s = params["W"] @ x + params["b"]
    assert set(grads) == {"W", "b"}
    np.testing.assert_allclose(grads["W"], 2 * np.outer(s, x))
    np.testing.assert_allclose(grads["b"], 2 * s)


def test_nested_lists_and_tuples_round_trip():
    tree = [np.array([1.0, 2.0]), (np.array(3.0), {"k": np.array([4.0])})]
    grads = cr.grad(lambda t: (t[0] ** 2).sum() + t[1][0] * t[1][1]["k"].sum())(tree)
    np.testing.assert_allclose(grads[0], [2.0, 4.0])
    assert isinstance(grads, list) and isinstance(grads[1], tuple)
    np.testing.assert_allclose(grads[1][0], 4.0)
    np.testing.assert_allclose(grads[1][1]["k"], [3.0])


def test_argnums_and_has_aux():
    f = lambda x, y: ((x * y).sum(), "aux")  # noqa: E731
    (value, aux), (gx, gy) = cr.value_and_grad(f, argnums=(0, 1), has_aux=True)(np.array([2.0]), np.array([5.0]))
    assert aux == "aux" and value == pytest.approx(10.0)
    assert (gx[0], gy[0]) == (5.0, 2.0)
    gy_only, aux = cr.grad(f, argnums=1, has_aux=True)(np.array([2.0]), np.array([5.0]))
    assert gy_only[0] == 2.0


def test_results_keep_the_array_type_of_the_inputs():
    t = cr.tensor([1.0, 2.0])
    square_sum = lambda x: (x * x).sum()  # noqa: E731
    for transform in (cr.grad, cr.jacfwd, cr.jacrev, cr.hessian):
        assert isinstance(transform(square_sum)(t), cr.Tensor)
        assert type(transform(square_sum)(t.data)) is np.ndarray
    assert isinstance(cr.jvp(square_sum, (t,), (t,))[1], cr.Tensor)
    assert cr.grad(lambda x: x * x)(3.0) == 6.0
    assert not isinstance(cr.grad(lambda x: x * x)(3.0), cr.Tensor)


def test_grad_of_a_non_scalar_output_is_a_value_error():
    with pytest.raises(ValueError, match="scalar"):
        cr.grad(lambda x: x * 2)(np.ones(3))


def test_jacobian_mode_is_checked():
    with pytest.raises(ValueError, match="mode"):
        cr.jacobian(F, mode="sideways")


def test_grad_records_its_own_graph_inside_no_grad():
    with cr.no_grad():
        assert cr.grad(lambda x: x ** 3)(2.0) == pytest.approx(12.0)


def test_transforms_are_exported_under_func_and_at_the_top_level():
    for name in ("grad", "value_and_grad", "vjp", "jvp", "jacobian", "jacfwd", "jacrev", "hessian", "hvp"):
        assert getattr(cr, name) is getattr(cr.func, name)
    assert cr.autograd.grad is not cr.grad


# --- automatic mode ---------------------------------------------------------------
def _auto_choice(f, x):
    return _cheaper_mode([_record(f, [x])[1]], x.size)


@pytest.mark.parametrize("n, m, expected", [(1000, 10, "reverse"), (10, 1000, "forward"),
                                            (200, 2, "reverse"), (3, 50, "forward")])
def test_auto_mode_picks_the_cheaper_direction(n, m, expected):
    rng = np.random.default_rng(0)
    W1, W2 = rng.standard_normal((100, n)), rng.standard_normal((m, 100))
    f = lambda x: cr.tanh(W2 @ cr.tanh(W1 @ x))  # noqa: E731
    x = np.linspace(-1, 1, n) / n
    assert _auto_choice(f, x) == expected
    if n * m <= 400:
        np.testing.assert_allclose(cr.jacobian(f)(x), cr.jacrev(f)(x), atol=1e-12)
        np.testing.assert_allclose(cr.jacobian(f)(x), cr.jacfwd(f)(x), atol=1e-12)


def test_auto_mode_counts_work_not_just_sizes():
    # n = 6 inputs, m = 5 outputs: comparing sizes says reverse, but the ops are
    # tiny, so the Python cost of a pass dominates, and forward mode makes one
    # pass where reverse mode makes five.
    W = np.ones((5, 6))
    assert _auto_choice(lambda x: cr.tanh(W @ x), np.ones(6)) == "forward"


def test_named_tuples_round_trip():
    from collections import namedtuple

    Params = namedtuple("Params", "w b")
    grads = cr.grad(lambda p: (p.w * 2 + p.b).sum())(Params(np.ones(2), np.array(1.0)))
    assert isinstance(grads, Params)
    np.testing.assert_allclose(grads.w, [2.0, 2.0])
    assert grads.b == pytest.approx(2.0)


def test_jacobians_of_pytrees_and_tuple_argnums_nest_as_in_jax():
    def f(p, scale):
        return {"y": p["w"] * p["b"] * scale, "s": (p["w"] ** 2).sum()}

    p, scale = {"w": np.array([1.0, 2.0]), "b": np.array(3.0)}, np.array(2.0)
    for mode in ("forward", "reverse", "auto"):
        J = cr.jacobian(f, mode=mode)(p, scale)
        np.testing.assert_allclose(J["y"]["w"], np.diag([6.0, 6.0]))
        np.testing.assert_allclose(J["y"]["b"], [2.0, 4.0])
        np.testing.assert_allclose(J["s"]["w"], [2.0, 4.0])
        assert np.shape(J["s"]["b"]) == ()
        Jp, Js = cr.jacobian(f, argnums=(0, 1), mode=mode)(p, scale)["y"]
        np.testing.assert_allclose(Js, [3.0, 6.0])
        np.testing.assert_allclose(Jp["b"], [2.0, 4.0])


def test_hessian_of_a_function_of_a_dict():
    H = cr.hessian(lambda p: (p["a"] ** 2 * p["b"]).sum())({"a": np.array([1.0, 2.0]), "b": np.array(3.0)})
    np.testing.assert_allclose(H["a"]["a"], np.diag([6.0, 6.0]))
    np.testing.assert_allclose(H["a"]["b"], [2.0, 4.0])
    np.testing.assert_allclose(H["b"]["a"], [2.0, 4.0])
