"""Forward mode and the functional transforms (API section 4), with the notes' numbers."""
import numpy as np
import pytest

import chainrule as cr
from chainrule._core.primitive import registered_primitives
from chainrule.testing.samples import SAMPLES, samples_for


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


def test_intermediate_jacobians_of_the_notes():
    v = F1(cr.tensor(X)).data
    w = F2(cr.tensor(v)).data
    for mode in ("forward", "reverse"):
        np.testing.assert_allclose(cr.jacobian(F1, mode=mode)(X), [[1, -1], [-1, 2]])
        np.testing.assert_allclose(cr.jacobian(F2, mode=mode)(v), [[6, 0], [1, -1]])
        np.testing.assert_allclose(cr.jacobian(F3, mode=mode)(w), [2, 4])
    # multiplying from the right (forward) or from the left (reverse) gives the same row
    np.testing.assert_allclose(np.array([2, 4]) @ (np.array([[6, 0], [1, -1]]) @ [[1, -1], [-1, 2]]), [20, -24])


def test_jacobian_of_sum_product_square():
    def g(x):
        return cr.stack([x[0] + x[1], x[0] * x[1], x[0] ** 2 - x[1]])

    x1, x2 = 1.5, -0.5
    expected = [[1, 1], [x2, x1], [2 * x1, -1]]
    for jac in (cr.jacfwd(g), cr.jacrev(g), cr.jacobian(g)):
        np.testing.assert_allclose(jac(np.array([x1, x2])), expected)


def test_jvp_is_one_forward_pass_and_records_nothing():
    x = cr.tensor([0.5, 1.0])
    out, tangent = cr.jvp(lambda a: cr.sin(a) * a, (x.data,), (np.array([1.0, 0.0]),))
    np.testing.assert_allclose(out, np.sin(x.data) * x.data)
    np.testing.assert_allclose(tangent, [np.cos(0.5) * 0.5 + np.sin(0.5), 0.0])
    assert isinstance(tangent, np.ndarray)


def test_vjp_returns_one_cotangent_per_primal():
    a, b = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    out, vjp_fn = cr.vjp(lambda x, y: x * y, a, b)
    ga, gb = vjp_fn(np.array([1.0, 10.0]))
    np.testing.assert_allclose(out, a * b)
    np.testing.assert_allclose(ga, [3.0, 40.0])
    np.testing.assert_allclose(gb, [1.0, 20.0])


# --- every primitive: forward and reverse agree ------------------------------------
BUILT_IN = {name: prim for name, prim in sorted(registered_primitives().items())
            if prim.__module__.startswith("chainrule.ops") and name in SAMPLES}


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_jvp_and_vjp_are_transposes(name):
    # <J v, u> == <v, J^T u> for random u, v, on every sample of the primitive.
    prim = BUILT_IN[name]
    rng = np.random.default_rng(1)
    for args, kwargs in samples_for(name):
        positions = [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
        if not positions:
            continue
        tangents = {i: rng.standard_normal(np.shape(args[i])) for i in positions}

        def f(*values):
            full = list(args)
            for i, value in zip(positions, values):
                full[i] = value
            return prim(*full, **kwargs)

        primals = tuple(args[i] for i in positions)
        out, jv = cr.jvp(f, primals, tuple(tangents[i] for i in positions))
        u = rng.standard_normal(np.shape(out))
        _, pull = cr.vjp(f, *primals)
        jtu = pull(u)
        lhs = np.sum(np.asarray(jv) * u)
        rhs = sum(np.sum(np.asarray(g) * tangents[i]) for g, i in zip(jtu, positions))
        assert lhs == pytest.approx(rhs, rel=1e-9, abs=1e-9), name


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
    np.testing.assert_allclose(cr.hessian(cr.logsumexp)(x), np.diag(p) - np.outer(p, p), atol=1e-12)


def test_hvp_matches_the_hessian_without_forming_it():
    A = np.array([[2.0, 1.0], [0.0, 3.0]])
    value, (hv,) = cr.hvp(lambda x: x @ A @ x + cr.sin(x).sum(), (np.array([0.2, 0.4]),),
                          (np.array([1.0, -1.0]),))
    H = A + A.T - np.diag(np.sin([0.2, 0.4]))
    np.testing.assert_allclose(hv, H @ [1.0, -1.0])


@pytest.mark.parametrize("nest", [
    lambda f: cr.grad(cr.grad(cr.grad(f))),
    lambda f: cr.jacfwd(cr.jacfwd(cr.jacfwd(f))),
    lambda f: cr.jacfwd(cr.jacrev(cr.grad(f))),
    lambda f: cr.jacrev(cr.jacfwd(cr.grad(f))),
])
def test_third_derivatives_of_sin_and_tanh(nest):
    t = np.tanh(0.5)
    assert nest(cr.sin)(0.5) == pytest.approx(-np.cos(0.5))
    assert nest(cr.tanh)(0.5) == pytest.approx(-2 * (1 - t * t) * (1 - 3 * t * t))


def test_no_perturbation_confusion():
    # d/dx [x * d/dy (x + y)] = d/dx [x * 1] = 1, in every combination of modes.
    assert cr.grad(lambda x: x * cr.grad(lambda y: x + y)(1.0))(2.0) == pytest.approx(1.0)
    inner_forward = lambda x: x * cr.jvp(lambda y: x + y, (1.0,), (1.0,))[1]  # noqa: E731
    assert cr.jvp(inner_forward, (2.0,), (1.0,))[1] == pytest.approx(1.0)
    assert cr.grad(inner_forward)(2.0) == pytest.approx(1.0)


def test_grad_inside_a_differentiated_function():
    def f(x):
        return cr.grad(lambda y: (y * x) ** 2)(3.0) * x      # = 2 * 3 * x^2 * x = 6 x^3
    assert cr.grad(f)(2.0) == pytest.approx(18 * 4.0)


# --- pytrees, argnums, aux, errors -------------------------------------------------
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
    assert isinstance(grads[1], tuple)
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
    assert isinstance(cr.grad(lambda x: (x * x).sum())(t), cr.Tensor)
    assert isinstance(cr.grad(lambda x: (x * x).sum())(t.data), np.ndarray)
    assert cr.grad(lambda x: x * x)(3.0) == 6.0


def test_grad_of_a_non_scalar_output_is_a_value_error():
    with pytest.raises(ValueError, match="scalar"):
        cr.grad(lambda x: x * 2)(np.ones(3))


def test_jacobian_mode_is_checked():
    with pytest.raises(ValueError, match="mode"):
        cr.jacobian(F, mode="sideways")


def test_grad_records_its_own_graph_inside_no_grad():
    with cr.no_grad():
        assert cr.grad(lambda x: x ** 3)(2.0) == pytest.approx(12.0)


def test_auto_mode_picks_the_cheaper_direction():
    W = np.random.default_rng(0).standard_normal((3, 50))
    wide_in = lambda x: cr.tanh(W @ x)       # noqa: E731  n = 50 > m = 3: reverse
    narrow_in = lambda x: cr.tanh(W.T @ x)   # noqa: E731  n = 3 < m = 50: forward
    for f, n in ((wide_in, 50), (narrow_in, 3)):
        x = np.linspace(-1, 1, n)
        np.testing.assert_allclose(cr.jacobian(f)(x), cr.jacrev(f)(x), atol=1e-12)
        np.testing.assert_allclose(cr.jacobian(f)(x), cr.jacfwd(f)(x), atol=1e-12)


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_batched_forward_jacobian_equals_reverse_jacobian(name):
    # jacfwd pushes all directions at once (batched JVP rules, or the evaluator's
    # direction-by-direction fallback); jacrev pulls back one output at a time.
    prim = BUILT_IN[name]
    for args, kwargs in samples_for(name):
        for i, a in enumerate(args):
            if not (isinstance(a, np.ndarray) and a.dtype.kind == "f"):
                continue

            def f(value, i=i):
                full = list(args)
                full[i] = value
                return prim(*full, **kwargs)

            np.testing.assert_allclose(cr.jacfwd(f)(a), cr.jacrev(f)(a), atol=1e-10, err_msg=name)
