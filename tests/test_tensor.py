"""Tensor creation, dtypes, attributes and conversions (API section 1)."""
import numpy as np
import pytest

import chainrule as cr


@pytest.fixture
def float32_default():
    cr.set_default_dtype(np.float32)
    yield
    cr.set_default_dtype(np.float64)


def test_python_floats_take_the_default_dtype(float32_default):
    assert cr.tensor(1.5).dtype == np.float32
    assert cr.tensor([[1.0, 2.0]]).dtype == np.float32
    assert cr.zeros(2).dtype == np.float32 and cr.randn(2).dtype == np.float32


def test_default_dtype_is_float64_and_arrays_keep_theirs():
    assert cr.get_default_dtype() == np.float64
    assert cr.tensor(1.5).dtype == np.float64
    assert cr.tensor(np.ones(2, np.float32)).dtype == np.float32
    assert cr.tensor([1, 2]).dtype == np.int64
    assert cr.tensor([1.0], dtype=np.float16).dtype == np.float16


def test_tensor_copies_its_data():
    array = np.ones(3)
    t = cr.tensor(array)
    array[0] = 5.0
    assert t.data[0] == 1.0


@pytest.mark.parametrize("value", [[1, 2], [True, False], 3])
def test_integer_and_bool_tensors_cannot_require_grad(value):
    with pytest.raises(TypeError, match="floating-point"):
        cr.tensor(value, requires_grad=True)


def test_attributes():
    t = cr.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True, name="W")
    assert t.shape == (2, 3) and t.ndim == 2 and len(t) == 2 and t.size == 6
    assert t.is_leaf and t.grad is None and t.grad_fn is None and t.name == "W"
    assert t.T.shape == (3, 2)
    y = t * 2
    assert not y.is_leaf and y.grad_fn.name == "mul" and y.requires_grad
    assert "grad_fn=<mul>" in repr(y) and "requires_grad=True" in repr(t)


def test_conversions():
    t = cr.tensor([[1.0, 2.0]])
    assert t.tolist() == [[1.0, 2.0]]
    assert cr.tensor(2.5).item() == 2.5 and float(cr.tensor([3.0])) == 3.0
    assert np.asarray(t) is t.data
    with pytest.raises(RuntimeError, match="detach"):
        cr.tensor(1.0, requires_grad=True).numpy()
    with pytest.raises(ValueError, match="one-element"):
        t.item()


def test_factories():
    assert cr.zeros(2, 3).shape == (2, 3) and cr.ones((2, 3)).data.sum() == 6
    assert cr.full((2,), 7.0).tolist() == [7.0, 7.0]
    assert cr.arange(4).tolist() == [0, 1, 2, 3] and cr.arange(0.0, 1.0, 0.5).dtype == np.float64
    np.testing.assert_array_equal(cr.eye(2).data, np.eye(2))
    base = cr.tensor(np.ones((2, 2), np.float32))
    assert cr.zeros_like(base).dtype == np.float32 and cr.ones_like(base).shape == (2, 2)
    assert cr.zeros(2, requires_grad=True).requires_grad


def test_random_factories_follow_manual_seed_or_rng():
    cr.manual_seed(3)
    a = cr.randn(3)
    cr.manual_seed(3)
    np.testing.assert_array_equal(a.data, cr.randn(3).data)
    r1, r2 = cr.rand(4, rng=np.random.default_rng(1)), cr.rand(4, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(r1.data, r2.data)
    assert ((r1.data >= 0) & (r1.data < 1)).all()


def test_comparisons_give_bool_tensors_without_grad():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for result in (x < 2, x <= 2, x > 2, x >= 2, x == 2, x != 2):
        assert result.dtype == np.bool_ and not result.requires_grad
    assert (x > 1.5).tolist() == [False, True, True]


def test_reflected_operators_with_numbers_and_arrays():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    for y in (2 - x, 2 / x, 2 ** x, np.array([1.0, 1.0]) * x, np.ones(2) + x):
        assert isinstance(y, cr.Tensor) and y.requires_grad
    np.testing.assert_allclose((2 ** x).data, [2.0, 4.0])


def test_requires_grad_flag_and_setter():
    t = cr.tensor([1.0])
    assert not t.requires_grad
    assert t.requires_grad_() is t and t.requires_grad
    with pytest.raises(RuntimeError, match="non-leaf"):
        (t * 2).requires_grad_(False)


def test_an_op_given_too_many_arguments_is_a_type_error():
    x = cr.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="exp"):
        cr.exp(x, x)
    with pytest.raises(TypeError, match="mul"):
        cr.mul(x)


def test_functions_read_nested_lists_as_arrays():
    assert cr.add([1.0, 2.0], [3.0, 4.0]).tolist() == [4.0, 6.0]
    assert cr.mul([1.0, 2.0], 3).tolist() == [3.0, 6.0]


def test_zero_dimensional_results_behave_as_arrays():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * 3.0
    assert y.shape == () and y.ndim == 0 and y.dtype == np.float64 and y.item() == 6.0
    assert isinstance(np.asarray(y), np.ndarray) and isinstance(y.detach().numpy(), np.ndarray)
    w = cr.tensor(2.0) * 3.0
    w += 1.0
    assert w.item() == 7.0
    y.backward()
    assert isinstance(x.grad.data, np.ndarray) and x.grad.item() == 3.0
