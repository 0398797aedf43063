"""Shape ops and indexing: values against NumPy, derivatives against finite differences."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from helpers import check_grad, leaf, numerical_grad
from chainrule._core.primitive import registered_primitives
from chainrule.testing.samples import samples_for
from chainrule.testing.samples.shape import SAMPLES

RNG = np.random.default_rng(0)


# --- forward values ----------------------------------------------------------
A = np.arange(24.0).reshape(2, 3, 4)

FORWARD = [
    (lambda x: cr.reshape(x, 4, -1), lambda a: a.reshape(4, -1)),
    (lambda x: cr.reshape(x, (6, 4)), lambda a: a.reshape(6, 4)),
    (lambda x: x.reshape(-1), lambda a: a.reshape(-1)),
    (lambda x: cr.transpose(x), lambda a: a.T),
    (lambda x: cr.transpose(x, 1, 2, 0), lambda a: a.transpose(1, 2, 0)),
    (lambda x: x.transpose((2, 0, 1)), lambda a: a.transpose(2, 0, 1)),
    (lambda x: x.T, lambda a: a.T),
    (lambda x: cr.swapaxes(x, 0, -1), lambda a: np.swapaxes(a, 0, -1)),
    (lambda x: x.swapaxes(1, 1), lambda a: a),
    (lambda x: cr.expand_dims(x, 1), lambda a: np.expand_dims(a, 1)),
    (lambda x: cr.expand_dims(x, (0, -1)), lambda a: np.expand_dims(a, (0, -1))),
    (lambda x: cr.squeeze(cr.reshape(x, 1, 2, 1, 12, 1)), lambda a: a.reshape(2, 12)),
    (lambda x: cr.squeeze(cr.reshape(x, 1, 2, 1, 12, 1), axis=(0, -1)), lambda a: a.reshape(2, 1, 12)),
    (lambda x: cr.flatten(x), lambda a: a.flatten()),
    (lambda x: cr.flatten(x, 1), lambda a: a.reshape(2, 12)),
    (lambda x: cr.flatten(x, 0, 1), lambda a: a.reshape(6, 4)),
    (lambda x: cr.broadcast_to(x[:, :1], (5, 2, 3, 4)), lambda a: np.broadcast_to(a[:, :1], (5, 2, 3, 4))),
    (lambda x: cr.concatenate([x, x * 2], axis=1), lambda a: np.concatenate([a, a * 2], axis=1)),
    (lambda x: cr.concatenate((x, x[:, :1]), axis=-2), lambda a: np.concatenate((a, a[:, :1]), axis=-2)),
    (lambda x: cr.concatenate([x, A], axis=None), lambda a: np.concatenate([a, A], axis=None)),
    (lambda x: cr.stack([x, x + 1, x]), lambda a: np.stack([a, a + 1, a])),
    (lambda x: cr.stack([x, x], axis=-1), lambda a: np.stack([a, a], axis=-1)),
    (lambda x: cr.stack([x, x], axis=2), lambda a: np.stack([a, a], axis=2)),
    (lambda x: cr.pad(x, 1), lambda a: np.pad(a, 1)),
    (lambda x: cr.pad(x, ((0, 1), (2, 0), (1, 1)), constant_values=-3.0),
     lambda a: np.pad(a, ((0, 1), (2, 0), (1, 1)), constant_values=-3.0)),
    (lambda x: cr.pad(x, (1, 2), mode="edge"), lambda a: np.pad(a, (1, 2), mode="edge")),
    (lambda x: cr.pad(x, 2, mode="reflect"), lambda a: np.pad(a, 2, mode="reflect")),
    (lambda x: cr.pad(x, ((1, 1), (0, 3), (2, 0)), mode="symmetric"),
     lambda a: np.pad(a, ((1, 1), (0, 3), (2, 0)), mode="symmetric")),
    (lambda x: cr.pad(x, 5, mode="wrap"), lambda a: np.pad(a, 5, mode="wrap")),
    (lambda x: x.astype(np.float32), lambda a: a.astype(np.float32)),
]


@pytest.mark.parametrize("op, numpy_op", FORWARD)
def test_forward_matches_numpy(op, numpy_op):
    out = op(cr.tensor(A))
    expected = numpy_op(A)
    assert isinstance(out, cr.Tensor)
    assert out.dtype == expected.dtype
    np.testing.assert_array_equal(out.data, expected)


@pytest.mark.parametrize("sections", [3, [1, 4], [2], [0, 0, 5], [4, 2]])
@pytest.mark.parametrize("axis", [0, -1])
def test_split_matches_numpy(sections, axis):
    a = np.arange(36.0).reshape(6, 6)
    pieces = cr.split(cr.tensor(a), sections, axis=axis)
    expected = np.split(a, sections, axis=axis)
    assert len(pieces) == len(expected)
    for piece, want in zip(pieces, expected):
        np.testing.assert_array_equal(piece.data, want)


INDICES = [
    1, -1, slice(None), slice(1, None), (0, 2), (0, 2, 3), (Ellipsis, 1), (1, Ellipsis, None),
    (None, slice(None, None, -1)), (slice(None), None, slice(1, 3), -2), (),
    np.array([1, 1, 0]), [0, 1, 1], (slice(None), [2, 0, 2]), ([0, 1], [2, 2], [3, 3]),
    (np.array([[0], [1]]), slice(None), np.array([[0, 3]])), (Ellipsis, np.array([0, 0, 0])),
    A > 10, A[:, 0, 0] > 0, (slice(None), np.array([True, False, True])),
    (1, A[0] > 5), (np.array([0, 1, 1]), 1, slice(None, 2)),
]


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_indexing_matches_numpy_and_its_gradient_adds_repeats(index):
    out = cr.tensor(A)[index]
    np.testing.assert_array_equal(out.data, A[index])
    check_grad(lambda t: t[index], RNG.standard_normal(A.shape))


def test_indexing_with_tensor_indices():
    x = cr.tensor(A)
    np.testing.assert_array_equal(x[cr.tensor([1, 0]), cr.tensor(2)].data, A[[1, 0], 2])
    np.testing.assert_array_equal(x[x > 20].data, A[A > 20])


def test_repeated_integer_index_accumulates_gradients():
    x = leaf([1.0, 2.0, 3.0])
    x[np.array([0, 0, 2, 0])].backward(np.array([1.0, 10.0, 100.0, 1000.0]))
    np.testing.assert_array_equal(x.grad.data, [1011.0, 0.0, 100.0])


def test_bool_mask_gradient():
    x = leaf([[1.0, -2.0], [-3.0, 4.0]])
    (x[x.data > 0] * np.array([5.0, 7.0])).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [[5.0, 0.0], [0.0, 7.0]])


# --- gradients of the composites and primitives -------------------------------
GRADIENTS = [
    lambda t: cr.reshape(t, -1, 2),
    lambda t: cr.reshape(t, (3, 1, -1)),
    lambda t: cr.transpose(t, -1, 0, 1),
    lambda t: cr.swapaxes(t, -1, -3),
    lambda t: cr.expand_dims(t, (-1, 1)),
    lambda t: cr.squeeze(cr.expand_dims(t, -2), -2),
    lambda t: cr.flatten(t, -2),
    lambda t: cr.broadcast_to(t[:, :1, None], (2, 2, 5, 4)),
    lambda t: cr.concatenate([t, t[:, ::-1] * 3, np.ones((2, 1, 4))], axis=-2),
    lambda t: cr.concatenate([t, t], axis=None),
    lambda t: cr.stack([t, t * t, t], axis=-2),
    lambda t: cr.split(t, [1, 2], axis=-2)[2] * 2 + cr.split(t, 3, axis=1)[0],
    lambda t: cr.pad(t, ((1, 0), (0, 2), (3, 1)), constant_values=2.0),
    lambda t: cr.pad(t, (1, 3), mode="edge"),
    lambda t: cr.pad(t, 2, mode="reflect"),
    lambda t: cr.pad(t, 3, mode="symmetric"),
    lambda t: cr.pad(t, 4, mode="wrap"),
    lambda t: t.astype(np.float64) * 2,
]


@pytest.mark.parametrize("op", GRADIENTS)
def test_gradient_matches_finite_differences(op):
    check_grad(op, RNG.standard_normal((2, 3, 4)))


def test_astype_gradient_comes_back_in_the_input_dtype():
    x = cr.tensor(np.array([1.0, 2.0], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64 and y.grad_fn.name == "astype"
    (y * y).backward(np.ones(2))
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.data, [2.0, 4.0])


def test_astype_to_integers_carries_no_gradient():
    y = leaf([1.7, -2.2]).astype(np.int64)
    assert y.dtype == np.int64 and not y.requires_grad
    np.testing.assert_array_equal(y.data, [1, -2])


# --- the sample table: every primitive, VJP and JVP rules ----------------------
SHAPE_PRIMITIVES = sorted(SAMPLES)


def test_every_shape_primitive_has_samples():
    registered = set(registered_primitives())
    assert {"reshape", "transpose", "broadcast_to", "concatenate", "pad", "getitem", "index_add",
            "astype"} <= registered
    assert set(SHAPE_PRIMITIVES) <= registered


def _float_argnums(args):
    return [i for i, a in enumerate(args) if isinstance(a, np.ndarray) and a.dtype.kind == "f"]


def _with(args, i, value):
    return args[:i] + (value,) + args[i + 1:]


@pytest.mark.parametrize("name", SHAPE_PRIMITIVES)
def test_sample_vjps_and_jvps_match_finite_differences(name):
    prim = registered_primitives()[name]
    for args, kwargs in samples_for(name):
        ans = prim(*args, **kwargs)
        w = RNG.standard_normal(np.shape(ans))
        tangents = {i: RNG.standard_normal(args[i].shape) for i in _float_argnums(args)}
        jvp = np.zeros(np.shape(ans))
        numerical_jvp = np.zeros(np.shape(ans))
        for i, t in tangents.items():
            boxed = tuple(leaf(a) if j == i else a for j, a in enumerate(args))
            prim(*boxed, **kwargs).backward(w)
            expected = numerical_grad(lambda a: np.sum(prim(*_with(args, i, a), **kwargs) * w), args[i])
            np.testing.assert_allclose(boxed[i].grad.data, expected, atol=1e-6, err_msg=f"{name} VJP arg {i}")
            jvp = jvp + prim.jvp_rule(i)(t, ans, *args, **kwargs)
            numerical_jvp = numerical_jvp + (prim(*_with(args, i, args[i] + 1e-6 * t), **kwargs)
                                             - prim(*_with(args, i, args[i] - 1e-6 * t), **kwargs)) / 2e-6
        np.testing.assert_allclose(jvp, numerical_jvp, atol=1e-6, err_msg=f"{name} JVP")


# --- second order ---------------------------------------------------------------
def first_grad(op, x, w):
    """d sum(op(x) * w) / dx as chainrule computes it, keeping the graph."""
    t = leaf(x)
    op(t).backward(w, create_graph=True)
    return t, t.grad


SECOND_ORDER = [
    lambda t: t[np.array([0, 2, 2, 1])] ** 3,
    lambda t: t[t.data > 0] ** 3,
    lambda t: t[1:, None, ::-1] ** 3,
    lambda t: cr.concatenate([t ** 3, t[:1] ** 2]),
    lambda t: cr.pad(t ** 3, (1, 2), mode="reflect"),
    lambda t: cr.reshape(cr.transpose(t ** 3), -1),
]


@pytest.mark.parametrize("op", SECOND_ORDER)
def test_second_derivative_through_indexing(op):
    x = RNG.standard_normal((3, 4))
    w = RNG.standard_normal(np.shape(op(cr.tensor(x)).data))
    v = RNG.standard_normal(x.shape)
    t, g = first_grad(op, x, w)
    assert g.requires_grad
    t.grad = None
    g.backward(v)
    expected = numerical_grad(lambda a: np.sum(first_grad(op, a, w)[1].data * v), x)
    np.testing.assert_allclose(t.grad.data, expected, atol=1e-5)


def test_third_derivative_of_getitem_chain():
    # x[idx] ** 3 summed with weights: d3/dx3 is 6 * (count of each element's picks).
    x = leaf([0.5, -1.0, 2.0])
    idx = np.array([0, 0, 2])
    (x[idx] ** 3).backward(np.ones(3), create_graph=True)
    g1 = x.grad
    x.grad = None
    g1.backward(np.ones(3), create_graph=True)
    g2 = x.grad
    x.grad = None
    g2.backward(np.ones(3))
    np.testing.assert_allclose(x.grad.data, [12.0, 0.0, 6.0])


# --- errors -------------------------------------------------------------------------
def test_errors_name_the_op():
    x = cr.tensor(A)
    with pytest.raises(ValueError, match="squeeze"):
        cr.squeeze(x, 1)
    with pytest.raises(ValueError, match="split"):
        cr.split(x, 4, axis=1)
    with pytest.raises(NotImplementedError, match="'mean'"):
        cr.pad(x, 1, mode="mean")
    with pytest.raises(ValueError, match="pad"):
        cr.pad(x, ((1, 1), (1, 1)))
    with pytest.raises(ValueError, match="stack"):
        cr.stack([x, x[0]])
    with pytest.raises(ValueError, match="reshape"):
        cr.reshape(x, 5, -1)
    with pytest.raises(IndexError, match="getitem"):
        x[2]


# --- round trips on random shapes --------------------------------------------------
shapes = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_reshape_round_trip(shape, data):
    x = RNG.standard_normal(shape)
    flat = data.draw(st.permutations(list(shape) + [1]))
    t = leaf(x)
    y = cr.reshape(cr.reshape(t, flat), shape)
    np.testing.assert_array_equal(y.data, x)
    w = RNG.standard_normal(shape)
    y.backward(w)
    np.testing.assert_array_equal(t.grad.data, w)


@settings(max_examples=40, deadline=None)
@given(shape=shapes, data=st.data())
def test_transpose_round_trip(shape, data):
    x = RNG.standard_normal(shape)
    perm = data.draw(st.permutations(range(len(shape))))
    t = leaf(x)
    y = cr.transpose(t, tuple(perm))
    np.testing.assert_array_equal(y.data, np.transpose(x, perm))
    np.testing.assert_array_equal(cr.transpose(y, tuple(np.argsort(perm))).data, x)
    w = RNG.standard_normal(y.shape)
    y.backward(w)
    np.testing.assert_array_equal(t.grad.data, np.transpose(w, np.argsort(perm)))


@settings(max_examples=40, deadline=None)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=1, min_dims=0, max_dims=4, max_side=4))
def test_broadcast_gradient_sums_back(shapes):
    (shape,), target = shapes
    x = RNG.standard_normal(shape)
    t = leaf(x)
    y = cr.broadcast_to(t, target)
    np.testing.assert_array_equal(y.data, np.broadcast_to(x, target))
    w = RNG.standard_normal(target)
    y.backward(w)
    expected = numerical_grad(lambda a: np.sum(np.broadcast_to(a, target) * w), x)
    np.testing.assert_allclose(t.grad.data, expected, atol=1e-6)
