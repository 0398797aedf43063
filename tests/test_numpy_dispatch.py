"""NumPy functions and ufuncs called on Tensors run chainrule's ops and keep the gradient."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import ops

RNG = np.random.default_rng(0)


def leaf(shape=(2, 3), low=0.5, high=1.5):
    return cr.tensor(RNG.uniform(low, high, shape), requires_grad=True)


def grad_of(f, x):
    """d sum(f(x)) / dx, as an ndarray."""
    x.grad = None
    out = f(x)
    assert isinstance(out, cr.Tensor), f"expected a Tensor, got {type(out).__name__}"
    out.sum().backward()
    return x.grad.data


def needs(name):
    return pytest.mark.skipif(not hasattr(ops, name), reason=f"chainrule.ops.{name} not written yet")


# --- ufuncs -------------------------------------------------------------------
UNARY = [(np.exp, "exp"), (np.log, "log"), (np.log1p, "log1p"), (np.expm1, "expm1"),
         (np.sqrt, "sqrt"), (np.square, "square"), (np.absolute, "abs"), (np.abs, "abs"),
         (np.sign, "sign"), (np.sin, "sin"), (np.cos, "cos"), (np.tan, "tan"), (np.tanh, "tanh"),
         (np.negative, "neg")]


@pytest.mark.parametrize("ufunc, name", UNARY, ids=[u.__name__ for u, _ in UNARY])
def test_unary_ufunc_matches_the_op(ufunc, name):
    x = leaf()
    out = ufunc(x)
    assert out.requires_grad
    np.testing.assert_allclose(out.data, ufunc(x.data))
    np.testing.assert_allclose(grad_of(ufunc, x), grad_of(getattr(cr, name), x))


def test_exp_gradient_is_exp():
    x = leaf()
    np.sum(np.exp(x)).backward()
    np.testing.assert_allclose(x.grad.data, np.exp(x.data))


def test_positive_keeps_the_graph():
    x = leaf()
    np.testing.assert_allclose(grad_of(np.positive, x), np.ones(x.shape))


BINARY = [(np.add, "add"), (np.subtract, "sub"), (np.multiply, "mul"), (np.divide, "div"),
          (np.true_divide, "div"), (np.power, "power"), (np.maximum, "maximum"),
          (np.minimum, "minimum")]


@pytest.mark.parametrize("ufunc, name", BINARY, ids=[u.__name__ for u, _ in BINARY])
def test_binary_ufunc_with_an_ndarray_first(ufunc, name):
    a = RNG.uniform(0.5, 1.5, (3,))
    x = leaf()
    np.testing.assert_allclose(ufunc(a, x).data, ufunc(a, x.data))
    np.testing.assert_allclose(grad_of(lambda t: ufunc(a, t), x),
                               grad_of(lambda t: getattr(cr, name)(a, t), x))


OPERATORS = {"+": lambda a, t: a + t, "-": lambda a, t: a - t, "*": lambda a, t: a * t,
             "/": lambda a, t: a / t, "**": lambda a, t: a ** t}


@pytest.mark.parametrize("symbol", OPERATORS)
def test_ndarray_on_the_left_of_an_operator_gives_a_tensor(symbol):
    a = RNG.uniform(0.5, 1.5, (2, 3))
    x = leaf()
    fn = OPERATORS[symbol]
    out = fn(a, x)
    assert isinstance(out, cr.Tensor) and out.grad_fn is not None
    np.testing.assert_allclose(out.data, fn(a, x.data))
    np.testing.assert_allclose(grad_of(lambda t: fn(a, t), x),
                               grad_of(lambda t: fn(cr.tensor(a), t), x))


def test_numpy_scalar_times_tensor_gives_a_tensor():
    x = leaf()
    np.testing.assert_allclose(grad_of(lambda t: np.float64(3.0) * t, x), np.full(x.shape, 3.0))


def test_matmul_ndarray_by_tensor():
    a = RNG.normal(size=(4, 2))
    x = leaf((2, 3))
    out = np.matmul(a, x)
    np.testing.assert_allclose(out.data, a @ x.data)
    # d sum(A X) / dX = A^T 1
    np.testing.assert_allclose(grad_of(lambda t: np.matmul(a, t), x), a.T @ np.ones((4, 3)))
    np.testing.assert_allclose(grad_of(lambda t: a @ t, x), a.T @ np.ones((4, 3)))


@pytest.mark.parametrize("ufunc", [np.less, np.less_equal, np.greater, np.greater_equal,
                                   np.equal, np.not_equal])
def test_comparisons_give_bool_tensors_without_gradient(ufunc):
    a = RNG.uniform(0.5, 1.5, (2, 3))
    x = leaf()
    out = ufunc(a, x)
    assert isinstance(out, cr.Tensor) and out.dtype == bool and not out.requires_grad
    np.testing.assert_array_equal(out.data, ufunc(a, x.data))


def test_boolean_ufuncs_run_on_the_values():
    x = cr.tensor([1.0, np.nan, np.inf], requires_grad=True)
    out = np.isfinite(x)
    assert isinstance(out, cr.Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, [True, False, False])


def test_ufunc_defaults_are_accepted():
    x = leaf()
    out = np.exp(x, out=None, where=True, dtype=None, casting="same_kind")
    np.testing.assert_allclose(grad_of(lambda t: np.exp(t, dtype=t.dtype), x), out.data)


@pytest.mark.parametrize("ufunc, name", [(np.add, "sum"), (np.multiply, "prod"),
                                         (np.maximum, "max"), (np.minimum, "min")])
def test_ufunc_reduce_is_the_reduction(ufunc, name):
    if not hasattr(ops, name):
        pytest.skip(f"chainrule.ops.{name} not written yet")
    x = leaf()
    out = ufunc.reduce(x, axis=1, keepdims=True)
    np.testing.assert_allclose(out.data, ufunc.reduce(x.data, axis=1, keepdims=True))
    np.testing.assert_allclose(grad_of(lambda t: ufunc.reduce(t, 1), x),
                               grad_of(lambda t: getattr(cr, name)(t, axis=1), x))
    # NumPy reduces over axis 0 by default.
    assert ufunc.reduce(x).shape == (3,)


# --- functions ------------------------------------------------------------------
def test_sum_with_axis_and_keepdims():
    x = leaf()
    out = np.sum(x, axis=1, keepdims=True)
    assert out.shape == (2, 1)
    np.testing.assert_allclose(out.data, x.data.sum(axis=1, keepdims=True))
    np.testing.assert_allclose(grad_of(lambda t: np.sum(t, axis=1, keepdims=True), x), np.ones((2, 3)))


def test_numpy_default_arguments_are_accepted():
    x = leaf()
    out = np.sum(x, axis=None, dtype=None, out=None, where=True)
    np.testing.assert_allclose(out.data, x.data.sum())
    assert out.requires_grad


X = RNG.uniform(0.5, 1.5, (2, 3))
A = RNG.uniform(0.5, 1.5, (3, 2))
# (NumPy call, chainrule op it should match, op name), all on a (2, 3) input.
FUNCTIONS = [
    (lambda t: np.sum(t, 0), lambda t: cr.sum(t, axis=0), "sum"),
    (lambda t: np.mean(t, axis=1), lambda t: cr.mean(t, axis=1), "mean"),
    (lambda t: np.mean(t, axis=(0, 1), keepdims=True), lambda t: cr.mean(t, keepdims=True), "mean"),
    (lambda t: np.var(t, axis=0), lambda t: cr.square(t - cr.mean(t, axis=0)).mean(axis=0), "var"),
    (lambda t: np.std(t, ddof=1), lambda t: cr.sqrt(cr.square(t - cr.mean(t)).sum() / 5), "std"),
    (lambda t: np.max(t, axis=1), lambda t: cr.max(t, axis=1), "max"),
    (lambda t: np.amax(t), lambda t: cr.max(t), "max"),
    (lambda t: np.min(t, axis=0, keepdims=True), lambda t: cr.min(t, axis=0, keepdims=True), "min"),
    (lambda t: np.amin(t, 1), lambda t: cr.min(t, axis=1), "min"),
    (lambda t: np.prod(t, axis=1), lambda t: cr.prod(t, axis=1), "prod"),
    (lambda t: np.reshape(t, (3, 2)), lambda t: cr.reshape(t, (3, 2)), "reshape"),
    (lambda t: np.reshape(t, shape=-1), lambda t: cr.reshape(t, -1), "reshape"),
    (lambda t: np.transpose(t), lambda t: cr.transpose(t), "transpose"),
    (lambda t: np.transpose(t[None], (1, 2, 0)), lambda t: cr.transpose(t[None], (1, 2, 0)), "transpose"),
    (lambda t: np.swapaxes(t, 0, 1), lambda t: cr.transpose(t), "swapaxes"),
    (lambda t: np.expand_dims(t, 1), lambda t: cr.reshape(t, (2, 1, 3)), "expand_dims"),
    (lambda t: np.squeeze(t[None]), lambda t: t, "squeeze"),
    (lambda t: np.ravel(t), lambda t: cr.reshape(t, -1), "flatten"),
    (lambda t: np.broadcast_to(t, (4, 2, 3)), lambda t: cr.broadcast_to(t, (4, 2, 3)), "broadcast_to"),
    (lambda t: np.concatenate([t, X], axis=1), lambda t: cr.concatenate([t, X], axis=1), "concatenate"),
    (lambda t: np.stack([X, t]), lambda t: cr.stack([X, t]), "stack"),
    (lambda t: np.split(t, 3, axis=1)[1], lambda t: t[:, 1:2], "split"),
    (lambda t: np.pad(t, 1), lambda t: cr.pad(t, 1), "pad"),
    (lambda t: np.where(X > 1, t, -t), lambda t: cr.where(X > 1, t, -t), "where"),
    (lambda t: np.clip(t, 0.8, 1.2), lambda t: cr.clip(t, 0.8, 1.2), "clip"),
    (lambda t: np.clip(t, min=0.8), lambda t: cr.clip(t, 0.8), "clip"),
    (lambda t: np.dot(t, A), lambda t: cr.matmul(t, A), "dot"),
    (lambda t: np.dot(A, t), lambda t: cr.matmul(A, t), "dot"),
    (lambda t: np.einsum("ij,jk->ik", t, A), lambda t: cr.matmul(t, A), "einsum"),
    (lambda t: np.einsum("ij->j", t, optimize=False), lambda t: cr.sum(t, axis=0), "einsum"),
]


@pytest.mark.parametrize("np_fn, cr_fn, name", FUNCTIONS,
                         ids=[f"{name}-{i}" for i, (_, _, name) in enumerate(FUNCTIONS)])
def test_function_matches_the_op(np_fn, cr_fn, name):
    if not hasattr(ops, name):
        pytest.skip(f"chainrule.ops.{name} not written yet")
    x = leaf()
    expected = cr_fn(x)
    out = np_fn(x)
    assert isinstance(out, cr.Tensor) and out.requires_grad
    np.testing.assert_allclose(out.data, expected.data)
    np.testing.assert_allclose(grad_of(np_fn, x), grad_of(cr_fn, x))


@needs("var")
def test_var_uses_numpys_ddof():
    x = leaf((5,))
    np.testing.assert_allclose(np.var(x).data, np.var(x.data))
    np.testing.assert_allclose(np.var(x, ddof=1).data, np.var(x.data, ddof=1))
    np.testing.assert_allclose(np.std(x, correction=1).data, np.std(x.data, ddof=1))


@pytest.mark.parametrize("fn", [np.argmax, np.argmin])
def test_argmax_argmin_carry_no_gradient(fn):
    x = leaf()
    out = fn(x, axis=1)
    assert isinstance(out, cr.Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, fn(x.data, axis=1))


def test_split_returns_tensors():
    if not hasattr(ops, "split"):
        pytest.skip("chainrule.ops.split not written yet")
    parts = np.split(leaf((4, 2)), 2)
    assert len(parts) == 2 and all(isinstance(p, cr.Tensor) and p.requires_grad for p in parts)


def test_metadata_functions_return_plain_values():
    x = leaf()
    assert np.shape(x) == (2, 3) and np.ndim(x) == 2 and np.size(x) == 6
    assert np.result_type(x) == np.float64
    assert np.allclose(x, x.data)


def test_where_with_only_a_condition_gives_indices():
    x = cr.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (indices,) = np.where(x > 0)
    np.testing.assert_array_equal(indices, [0, 2])


@pytest.mark.parametrize("fn", [np.zeros_like, np.ones_like])
def test_like_factories_give_constant_tensors(fn):
    x = leaf()
    out = fn(x)
    assert isinstance(out, cr.Tensor) and not out.requires_grad
    np.testing.assert_array_equal(out.data, fn(x.data))


def test_second_order_through_rules_that_ask_numpy_for_shapes():
    # Under create_graph the rules see Tensors and call np.shape / np.ndim on them.
    x = leaf((3,))
    y = np.sum(np.power(x, 3.0))
    y.backward(create_graph=True)
    g = x.grad
    x.grad = None
    np.sum(g).backward()
    np.testing.assert_allclose(x.grad.data, 6 * x.data)


# --- what chainrule cannot do is an error, never a lost gradient -------------------
UNSUPPORTED = [
    (lambda t: np.fft.fft(t), "numpy.fft.fft"),
    (lambda t: np.linalg.inv(t[:, :2]), "numpy.linalg.inv"),
    (lambda t: np.cumsum(t), "numpy.cumsum"),
    (lambda t: np.sort(t), "numpy.sort"),
    (lambda t: np.add.accumulate(t), "numpy.add.accumulate"),
    (lambda t: np.add.at(t, 0, 1.0), "numpy.add.at"),
    (lambda t: np.multiply.outer(t, t), "numpy.multiply.outer"),
    (lambda t: np.subtract.reduce(t), "numpy.subtract.reduce"),
    (lambda t: np.arctan2(t, t), "numpy.arctan2"),
    (lambda t: np.floor(t), "numpy.floor"),
]


@pytest.mark.parametrize("fn, name", UNSUPPORTED, ids=[name for _, name in UNSUPPORTED])
def test_unsupported_is_a_type_error_naming_it(fn, name):
    with pytest.raises(TypeError, match=name.replace(".", r"\.")) as info:
        fn(leaf())
    assert "detach().numpy()" in str(info.value)


@pytest.mark.parametrize("call", [
    lambda t: np.exp(t, out=np.empty(t.shape)),
    lambda t: np.add(np.ones(t.shape), 1.0, out=t),
    lambda t: np.sum(t, out=np.empty(())),
], ids=["ufunc-out-array", "ufunc-out-tensor", "function-out"])
def test_out_is_a_type_error(call):
    with pytest.raises(TypeError, match="out="):
        call(leaf())


@pytest.mark.parametrize("call, argument", [
    (lambda t: np.sum(t, dtype=np.float32), "dtype"),
    (lambda t: np.exp(t, dtype=np.float32), "dtype"),
    (lambda t: np.sum(t, where=np.ones(t.shape, bool)), "where"),
    (lambda t: np.exp(t, where=np.ones(t.shape, bool)), "where"),
    (lambda t: np.sum(t, initial=1.0), "initial"),
    (lambda t: np.reshape(t, (3, 2), order="F"), "order"),
])
def test_arguments_chainrule_cannot_honour_are_named(call, argument):
    with pytest.raises(TypeError, match=argument):
        call(leaf())
