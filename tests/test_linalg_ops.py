"""matmul, dot and einsum: values against NumPy, derivatives against finite
differences, second derivatives, and random compatible shapes."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from helpers import leaf, numerical_grad
from chainrule._core.primitive import registered_primitives
from chainrule.testing.samples import samples_for
from chainrule.testing.samples.linalg import SAMPLES

RNG = np.random.default_rng(0)




def check_values_and_grads(op, reference, *arrays, atol=1e-6):
    """op(*tensors) equals reference(*arrays), and the gradient of sum(op * w)
    for a random w matches finite differences for every operand."""
    expected = reference(*arrays)
    leaves = [leaf(a) for a in arrays]
    out = op(*leaves)
    assert out.shape == np.shape(expected)
    np.testing.assert_allclose(out.data, expected, rtol=1e-10, atol=1e-10)
    w = RNG.standard_normal(out.shape)
    out.backward(w)
    for i, t in enumerate(leaves):
        def scalar(a, i=i):
            return np.sum(reference(*arrays[:i], a, *arrays[i + 1:]) * w)

        np.testing.assert_allclose(t.grad.data, numerical_grad(scalar, arrays[i]), atol=atol)


def normal(*shapes):
    return [RNG.standard_normal(s) for s in shapes]


# --- matmul --------------------------------------------------------------------
MATMUL_SHAPES = [
    ((3, 4), (4, 2)),
    ((4,), (4,)),
    ((4,), (4, 3)),
    ((3, 4), (4,)),
    ((1, 4), (4, 1)),
    ((2, 3, 4), (2, 4, 5)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 1, 3, 4), (5, 4, 2)),
    ((1, 3, 4), (2, 4, 2)),
    ((4,), (2, 4, 3)),
    ((4,), (2, 1, 4, 3)),
    ((2, 3, 4), (4,)),
    ((2, 1, 3, 4), (4,)),
    ((3, 1), (1, 2)),
]


@pytest.mark.parametrize("shapes", MATMUL_SHAPES, ids=str)
def test_matmul(shapes):
    check_values_and_grads(cr.matmul, np.matmul, *normal(*shapes))


def test_matmul_operator_and_reflected_forms():
    a, b = normal((3, 4), (4, 2))
    np.testing.assert_allclose((leaf(a) @ b).data, a @ b)
    np.testing.assert_allclose((a @ leaf(b)).data, a @ b)
    np.testing.assert_allclose(leaf(a).matmul(b).data, a @ b)


def test_matmul_shape_mismatch_names_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"matmul.*\(3, 4\).*\(5, 2\)"):
        cr.matmul(leaf(np.ones((3, 4))), np.ones((5, 2)))


def test_matmul_vjp_with_a_python_float_upstream_broadcast():
    # The cotangent of a 1-D . 1-D product is 0-d; both operands get g times the other.
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    (x @ y).backward()
    np.testing.assert_allclose(x.grad.data, [3.0, 4.0])
    np.testing.assert_allclose(y.grad.data, [1.0, 2.0])


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_matmul_random_compatible_shapes(data):
    n, k, m = (data.draw(st.integers(1, 3)) for _ in range(3))
    batch = data.draw(st.lists(st.integers(1, 3), max_size=2))
    # Each operand keeps a suffix of the batch axes, some stretched to 1.
    def side():
        kept = batch[len(batch) - data.draw(st.integers(0, len(batch))):]
        return [1 if data.draw(st.booleans()) else b for b in kept]
    x_shape = data.draw(st.sampled_from([(k,), tuple(side()) + (n, k)]))
    y_shape = data.draw(st.sampled_from([(k,), tuple(side()) + (k, m)]))
    check_values_and_grads(cr.matmul, np.matmul, *normal(x_shape, y_shape))


def test_second_derivative_of_quadratic_form_is_a_plus_a_transpose():
    a = RNG.standard_normal((4, 4))
    x = leaf(RNG.standard_normal(4))
    (x @ (a @ x)).backward(create_graph=True)
    g = x.grad
    np.testing.assert_allclose(g.data, (a + a.T) @ x.data)
    rows = []
    for i in range(4):
        x.grad = None
        g[i].backward(retain_graph=True)
        rows.append(x.grad.data)
    np.testing.assert_allclose(np.array(rows), a + a.T, atol=1e-12)


def test_second_derivative_through_batched_matmul():
    w = RNG.standard_normal((2, 3, 3))

    def grad(a):
        t = leaf(a)
        cr.sum(cr.tanh(cr.matmul(w, t[..., None])) * t[..., None]).backward(create_graph=True)
        return t

    t = grad(RNG.standard_normal((2, 3)))
    v = RNG.standard_normal((2, 3))
    g = t.grad
    t.grad = None
    cr.sum(g * v).backward()
    expected = numerical_grad(lambda a: np.sum(grad(a).grad.data * v), t.data)
    np.testing.assert_allclose(t.grad.data, expected, atol=1e-6)


# --- dot -------------------------------------------------------------------------
DOT_SHAPES = [
    ((), ()),
    ((), (2, 3)),
    ((3,), ()),
    ((4,), (4,)),
    ((3, 4), (4,)),
    ((2, 3, 4), (4,)),
    ((4,), (4, 3)),
    ((4,), (2, 4, 3)),
    ((3, 4), (4, 2)),
    ((2, 3, 4), (4, 5)),
    ((3, 4), (2, 4, 5)),
    ((2, 3, 4), (5, 4, 2)),
    ((2, 1, 4), (3, 2, 4, 2)),
]


@pytest.mark.parametrize("shapes", DOT_SHAPES, ids=str)
def test_dot(shapes):
    check_values_and_grads(cr.dot, np.dot, *normal(*shapes))


def test_dot_method_and_misaligned_shapes():
    a, b = normal((3, 4), (4, 2))
    np.testing.assert_allclose(leaf(a).dot(b).data, a.dot(b))
    with pytest.raises(ValueError, match=r"dot.*\(3, 4\).*\(3, 4\).*not aligned"):
        cr.dot(a, leaf(a))


# --- einsum --------------------------------------------------------------------------
EINSUM_CASES = [
    ("ij,jk->ik", (3, 4), (4, 2)),
    ("ij,jk", (3, 4), (4, 2)),
    ("ba", (2, 3)),                      # implicit output is alphabetical: a transpose
    ("Ba,aC", (2, 3), (3, 4)),           # capitals sort before lower case
    ("ij->ji", (2, 3)),
    ("ii->i", (3, 3)),
    ("ii", (3, 3)),
    ("ii->", (3, 3)),
    ("iii->i", (2, 2, 2)),
    ("iij,jk->ik", (2, 2, 3), (3, 4)),
    ("iij->", (2, 2, 3)),
    ("ij->", (3, 4)),
    ("ij->j", (3, 4)),
    ("i,i", (4,), (4,)),
    ("i,i->i", (1,), (3,)),              # a size-1 axis broadcasts
    ("ij,ij->ij", (1, 3), (4, 3)),
    ("i,j->ij", (3,), (2,)),
    ("i,j", (3,), (2,)),
    (",i->i", (), (3,)),
    ("bij,bjk->bik", (2, 3, 4), (2, 4, 2)),
    ("...ij,...jk->...ik", (2, 1, 3, 4), (5, 4, 2)),
    ("...ij,...jk", (2, 3, 4), (4, 2)),
    ("i...->...", (2, 3, 4)),
    ("...ii->...i", (2, 3, 3)),
    ("i...i", (3, 2, 3)),
    ("...,...", (3,), (2, 1)),
    ("i,j,ij->", (3,), (4,), (3, 4)),
    ("ij,jk,kl->il", (2, 3), (3, 4), (4, 2)),
    ("ik,il,jk,jl->", (2, 3), (2, 2), (2, 3), (2, 2)),   # an operand twice, up to shape
    (" i j , j k -> i k ", (3, 4), (4, 2)),
]


@pytest.mark.parametrize("case", EINSUM_CASES, ids=lambda c: c[0])
def test_einsum(case):
    subscripts, *shapes = case
    check_values_and_grads(lambda *ops: cr.einsum(subscripts, *ops),
                           lambda *ops: np.einsum(subscripts, *ops), *normal(*shapes))


def test_einsum_of_the_same_tensor_twice_sums_both_contributions():
    x = leaf(RNG.standard_normal((3, 3)))
    cr.einsum("ij,ij->", x, x).backward()
    np.testing.assert_allclose(x.grad.data, 2 * x.data)


def test_einsum_diagonal_is_a_copy_not_a_view():
    a = np.arange(9.0).reshape(3, 3)
    x = cr.tensor(a)
    d = cr.einsum("ii->i", x)
    x.data[0, 0] = 100.0
    np.testing.assert_array_equal(d.data, [0.0, 4.0, 8.0])


def test_einsum_wrong_operand_count_names_the_op():
    with pytest.raises(ValueError, match="einsum"):
        cr.einsum("ij,jk->ik", leaf(np.ones((2, 2))))


def test_second_derivative_of_quadratic_form_via_einsum():
    a = RNG.standard_normal((3, 3))
    x = leaf(RNG.standard_normal(3))
    cr.einsum("i,ij,j->", x, a, x).backward(create_graph=True)
    g = x.grad
    rows = []
    for i in range(3):
        x.grad = None
        g[i].backward(retain_graph=True)
        rows.append(x.grad.data)
    np.testing.assert_allclose(np.array(rows), a + a.T, atol=1e-12)


def test_second_derivative_through_a_diagonal():
    # d/dX of sum(diag(X)^3) is 3 diag(X)^2 on the diagonal; the Hessian-vector
    # product with V is 6 diag(X) diag(V) on the diagonal.
    x = leaf(RNG.standard_normal((3, 3)))
    v = RNG.standard_normal((3, 3))
    cr.sum(cr.einsum("ii->i", x) ** 3).backward(create_graph=True)
    g = x.grad
    x.grad = None
    cr.sum(g * v).backward()
    np.testing.assert_allclose(x.grad.data, np.diag(6 * np.diag(x.data) * np.diag(v)), atol=1e-12)


@st.composite
def einsum_problems(draw):
    """Random einsum calls: each operand picks indices (repeats allowed) from a
    small alphabet with fixed sizes; the output is a random subset, or implicit."""
    letters = "abcd"
    size = {c: draw(st.integers(1, 3)) for c in letters}
    n_operands = draw(st.integers(1, 3))
    terms = [draw(st.text(alphabet=letters, max_size=3)) for _ in range(n_operands)]
    used = sorted(set("".join(terms)))
    if draw(st.booleans()):
        output = "".join(draw(st.permutations(used))[:draw(st.integers(0, len(used)))])
        subscripts = ",".join(terms) + "->" + output
    else:
        subscripts = ",".join(terms)
    shapes = [tuple(size[c] for c in term) for term in terms]
    return subscripts, shapes


@settings(max_examples=60, deadline=None)
@given(einsum_problems())
def test_einsum_random_subscripts(problem):
    subscripts, shapes = problem
    check_values_and_grads(lambda *ops: cr.einsum(subscripts, *ops),
                           lambda *ops: np.einsum(subscripts, *ops), *normal(*shapes))


# --- the sample table: reverse through backward, forward through the JVP rule ------------
@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample_rules_match_finite_differences(name):
    prim = registered_primitives()[name]
    for args, kwargs in samples_for(name):
        def reference(*ops):
            return prim(*ops, **kwargs)

        check_values_and_grads(lambda *ops: prim(*ops, **kwargs), reference, *args)
        ans = prim(*args, **kwargs)
        for i, x in enumerate(args):
            t = RNG.standard_normal(np.shape(x))
            def moved(step, i=i):
                return prim(*args[:i], x + step * t, *args[i + 1:], **kwargs)

            expected = (moved(1e-6) - moved(-1e-6)) / 2e-6
            tangent = prim.jvp_rule(i)(t, ans, *args, **kwargs)
            assert np.shape(tangent) == np.shape(expected)
            np.testing.assert_allclose(tangent, expected, atol=1e-6)

