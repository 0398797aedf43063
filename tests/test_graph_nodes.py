"""A recorded result is its own graph node; grad_fn is the public view of it.

Also checks that Tensor's fast operator path (``x * y``) and the primitive's
general call (``cr.mul(x, y)``, keyword arguments, any arity) record the same
graph and give the same gradients.
"""
import gc

import numpy as np
import pytest

import chainrule as cr
from chainrule.ops import elementwise

from helpers import leaf


def test_grad_fn_views_of_one_tensor_are_equal_and_hash_alike():
    x = leaf(2.0)
    y = x * 3.0
    assert y.grad_fn == y.grad_fn and hash(y.grad_fn) == hash(y.grad_fn)
    assert len({y.grad_fn, y.grad_fn, (y + 1).grad_fn}) == 2
    assert y.grad_fn != x and y.grad_fn != (x * 3.0).grad_fn


def test_grad_fn_records_op_inputs_and_value_until_backward_frees_them():
    x = leaf(np.array([1.0, -2.0]))
    y = x * 3.0
    node = y.grad_fn
    assert node.name == "mul" and node.inputs[0] is x and node.inputs[1] == 3.0
    assert node.next_functions == (None, None)
    assert (y * 2.0).grad_fn.next_functions[0] == node
    np.testing.assert_array_equal(node.value, [3.0, -6.0])
    y.sum().backward()
    assert node.is_freed and node.inputs == () and node.value is None
    assert y.grad_fn is not None and not y.is_leaf, "a result stays a non-leaf after backward, as in PyTorch"


def test_intermediate_results_are_freed_after_backward_even_with_the_collector_off():
    import weakref

    gc.disable()
    try:
        x = leaf(np.ones(3))
        refs = []
        h = x
        for _ in range(5):
            h = cr.tanh(h * 2.0)
            refs.append(weakref.ref(h))
        root = h.sum()
        del h
        root.backward()
        assert all(r() is None for r in refs)
    finally:
        gc.enable()


def _grads(f, *values):
    xs = [leaf(v) for v in values]
    f(*xs).sum().backward()
    return [x.grad.data for x in xs]


@pytest.mark.parametrize("name, operator", [
    ("add", lambda x, y: x + y), ("sub", lambda x, y: x - y), ("mul", lambda x, y: x * y),
    ("div", lambda x, y: x / y), ("power", lambda x, y: x ** y),
])
def test_operator_fast_path_matches_the_primitives_general_call(name, operator):
    prim = getattr(elementwise, name)
    a, b = np.array([[1.5, 2.0, 0.5]]), np.array([[0.5], [2.0]])   # broadcast to (2, 3)
    fast = _grads(operator, a, b)
    general = _grads(lambda x, y: prim.call_general((x, y), {}), a, b)
    for f, g in zip(fast, general):
        np.testing.assert_allclose(f, g, rtol=1e-12)
    assert fast[0].shape == a.shape and fast[1].shape == b.shape


def test_reflected_operators_record_the_op_with_the_constant_first():
    x = leaf(np.array([1.0, 4.0]))
    y = 2.0 / x
    assert y.grad_fn.name == "div" and y.grad_fn.inputs[0] == 2.0 and y.grad_fn.inputs[1] is x
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, -2.0 / x.data ** 2)


def test_ops_of_three_arguments_and_keywords_record_every_argument():
    x = leaf(np.array([-2.0, 0.5, 3.0]))
    clipped = cr.clip(x, -1.0, 1.0)
    assert clipped.grad_fn.inputs[1:] == (-1.0, 1.0)
    total = cr.sum(clipped * x, axis=0, keepdims=True)
    assert total.grad_fn.kwargs == {"axis": 0, "keepdims": True}
    total.sum().backward()
    # d/dx clip(x) * x = clip'(x) x + clip(x)
    np.testing.assert_allclose(x.grad.data, [-1.0, 2 * 0.5, 1.0])


def test_0d_leaves_keep_their_arrays_while_ops_compute_on_their_scalars():
    # The fast call reads a 0-d array as its NumPy scalar (ten times faster
    # math, same result); the leaf itself is left untouched.
    x, y = leaf(np.array(1.5)), leaf(np.array(-2.0))
    z = cr.tanh(x * y + x)
    assert type(x.data) is np.ndarray and type(z.data) is np.float64
    saved = z.grad_fn.inputs[0].grad_fn.raw   # of x * y + x
    assert [type(v) for v in saved] == [np.float64, np.float64] and saved == (-3.0, 1.5)
    z.backward()
    sech2 = 1 - np.tanh(-1.5) ** 2
    np.testing.assert_allclose([x.grad.item(), y.grad.item()], [sech2 * (-2.0 + 1), sech2 * 1.5])
    assert type(x.grad.data) is np.ndarray and x.grad.shape == ()


def test_a_0d_leaf_changed_after_an_op_saved_its_scalar_is_caught():
    x = leaf(np.array(3.0))
    y = x * x
    with cr.no_grad():
        x.add_(1.0)
    with pytest.raises(RuntimeError, match="argument 0 of op 'mul'"):
        y.backward()


def test_no_graph_is_recorded_without_grad_or_under_no_grad():
    x = leaf(1.0)
    with cr.no_grad():
        y = x * 2.0
    z = cr.tensor(1.0) * 2.0
    assert y.grad_fn is None and not y.requires_grad and y.is_leaf
    assert z.grad_fn is None and not z.requires_grad


def test_a_one_argument_op_given_two_is_refused_and_writes_nothing():
    # A NumPy ufunc would take the second argument as its output array.
    out = np.zeros(2)
    with pytest.raises(TypeError, match="tanh"):
        leaf([1.0, 2.0]).tanh(out)
    np.testing.assert_array_equal(out, [0.0, 0.0])


def test_a_two_argument_op_given_one_is_refused_by_name():
    with pytest.raises(TypeError, match="maximum"):
        leaf([1.0, 2.0]).maximum()
