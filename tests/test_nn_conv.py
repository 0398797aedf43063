"""Convolutions and pooling: values against direct loops, gradients by gradcheck, PyTorch where installed."""
import itertools
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from nn_helpers import module_gradcheck, randn


# --- direct references: a loop over every output position -------------------------
def _pairs(value, n):
    return (value,) * n if isinstance(value, int) else tuple(value)


def _reference_windows(x, kernel, stride, padding, dilation, fill=0.0):
    """(output index, window) for every output position of an (N, C, *size) input."""
    n = len(kernel)
    stride, padding, dilation = (_pairs(v, n) for v in (stride, padding, dilation))
    xpad = np.pad(x, ((0, 0), (0, 0)) + tuple((p, p) for p in padding), constant_values=fill)
    out = [(s + 2 * p - d * (k - 1) - 1) // st + 1
           for s, k, st, p, d in zip(x.shape[2:], kernel, stride, padding, dilation)]
    for position in itertools.product(*map(range, out)):
        index = tuple(slice(o * st, o * st + d * (k - 1) + 1, d)
                      for o, st, d, k in zip(position, stride, dilation, kernel))
        yield out, position, xpad[(slice(None), slice(None)) + index]


def reference_conv(x, w, b, stride=1, padding=0, dilation=1):
    result = None
    for out, position, window in _reference_windows(x, w.shape[2:], stride, padding, dilation):
        if result is None:
            result = np.zeros((x.shape[0], w.shape[0], *out))
        for n, o in itertools.product(range(x.shape[0]), range(w.shape[0])):
            result[(n, o) + position] = np.sum(window[n] * w[o]) + (0.0 if b is None else b[o])
    return result


def reference_pool(x, kernel, stride, padding, reduce, fill):
    result = None
    for out, position, window in _reference_windows(x, kernel, stride, padding, 1, fill):
        if result is None:
            result = np.zeros(x.shape[:2] + tuple(out))
        for n, c in itertools.product(*map(range, x.shape[:2])):
            result[(n, c) + position] = reduce(window[n, c])
    return result


CONV1D = [dict(), dict(stride=2), dict(padding=2), dict(dilation=2), dict(stride=2, padding=1, dilation=2)]
CONV2D = [dict(), dict(stride=(2, 1)), dict(padding=(1, 2)), dict(dilation=(2, 1)),
          dict(stride=2, padding=1, dilation=(1, 2))]


@pytest.mark.parametrize("options", CONV1D)
def test_conv1d_matches_loops(options):
    x, w, b = randn(2, 3, 11), randn(4, 3, 3, seed=1), randn(4, seed=2)
    out = F.conv1d(cr.tensor(x), cr.tensor(w), cr.tensor(b), **options)
    np.testing.assert_allclose(out.data, reference_conv(x, w, b, **options), atol=1e-12)


@pytest.mark.parametrize("options", CONV2D)
def test_conv2d_matches_loops(options):
    x, w = randn(2, 2, 7, 6), randn(3, 2, 3, 2, seed=1)
    out = F.conv2d(x, w, **options)   # raw arrays in, raw array out, like every primitive
    np.testing.assert_allclose(out, reference_conv(x, w, None, **options), atol=1e-12)


def test_unbatched_input_and_float32():
    x, w = randn(3, 9).astype(np.float32), randn(2, 3, 3, seed=1).astype(np.float32)
    out = F.conv1d(cr.tensor(x), cr.tensor(w), padding=1)
    assert out.shape == (2, 9) and out.dtype == np.float32
    np.testing.assert_allclose(out.data, reference_conv(x[None], w, None, padding=1)[0], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("layer, shape, expected", [
    (lambda: nn.Conv1d(1, 25, 5, stride=2, padding=1), (100, 1, 40), (100, 25, 19)),
    (lambda: nn.Conv1d(3, 4, 3, dilation=3, bias=False), (2, 3, 10), (2, 4, 4)),
    (lambda: nn.Conv2d(3, 5, (3, 2), stride=(2, 1), padding=1), (2, 3, 8, 6), (2, 5, 4, 7)),
    (lambda: nn.MaxPool1d(3), (2, 3, 10), (2, 3, 3)),
    (lambda: nn.MaxPool2d(2, stride=1, padding=1), (1, 2, 4, 5), (1, 2, 5, 6)),
    (lambda: nn.AvgPool2d((2, 3)), (2, 3, 5, 7), (2, 3, 2, 2)),
])
def test_output_shapes(layer, shape, expected):
    assert layer()(cr.randn(*shape)).shape == expected


def test_mnist1d_cnn_shapes():
    model = nn.Sequential(nn.Conv1d(1, 25, 5, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Conv1d(25, 25, 3, stride=2, padding=1), nn.ReLU(),
                          nn.Flatten(), nn.Linear(125, 10))
    assert model(cr.randn(100, 1, 40)).shape == (100, 10)


@pytest.mark.parametrize("layer, shape", [
    (lambda: nn.Conv1d(2, 3, 3), (2, 2, 5)),
    (lambda: nn.Conv1d(2, 2, 2, stride=2, padding=1), (1, 2, 6)),
    (lambda: nn.Conv1d(1, 2, 2, dilation=2, padding=1, bias=False), (2, 1, 5)),
    (lambda: nn.Conv2d(2, 2, 2), (1, 2, 3, 4)),
    (lambda: nn.Conv2d(1, 2, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2)), (2, 1, 5, 4)),
])
def test_conv_layers_gradcheck(layer, shape):
    cr.manual_seed(0)
    assert module_gradcheck(layer().double(), randn(*shape))


def test_second_derivatives_through_conv():
    # Rules written with chainrule ops: the gradient of a gradient checks too.
    w = randn(2, 2, 3, seed=1)

    def grad_norm(x):
        g = cr.grad(lambda a: cr.sum(cr.tanh(F.conv1d(a, w, stride=2, padding=1))))(x)
        return cr.sum(g * g)

    assert cr.gradcheck(grad_norm, (randn(1, 2, 6),))


# --- pooling -------------------------------------------------------------------------
def _distinct(*shape, seed=0):
    # No ties: max pooling is differentiable there and finite differences are exact.
    return np.random.default_rng(seed).permutation(math.prod(shape)).reshape(shape) * 0.1


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), (3, 1, 1), (3, 2, 1)])
def test_max_pool1d_matches_loops_and_gradchecks(kernel, stride, padding):
    x = _distinct(2, 3, 8)
    expected = reference_pool(x, (kernel,), stride or kernel, padding, np.max, -np.inf)
    np.testing.assert_allclose(F.max_pool1d(cr.tensor(x), kernel, stride, padding).data, expected)
    assert cr.gradcheck(lambda a: F.max_pool1d(a, kernel, stride, padding), (x,))


@pytest.mark.parametrize("kernel, stride, padding", [(2, None, 0), ((3, 2), 1, (1, 0)), (3, 2, 1)])
def test_max_pool2d_matches_loops_and_gradchecks(kernel, stride, padding):
    x = _distinct(2, 2, 5, 6)
    kernel2 = _pairs(kernel, 2)
    expected = reference_pool(x, kernel2, stride or kernel2, padding, np.max, -np.inf)
    np.testing.assert_allclose(nn.MaxPool2d(kernel, stride, padding)(cr.tensor(x)).data, expected)
    assert cr.gradcheck(lambda a: F.max_pool2d(a, kernel, stride, padding), (x,))


def test_max_pool_dilation():
    x = _distinct(1, 2, 9)
    out = F.max_pool1d(cr.tensor(x), 2, stride=1, dilation=3)
    np.testing.assert_allclose(out.data, np.maximum(x[..., :6], x[..., 3:]))


def test_max_pool_ties_send_the_gradient_to_the_first_maximum():
    x = cr.tensor(np.array([[[1.0, 3.0, 3.0, 0.0, 2.0, 2.0]]]), requires_grad=True)
    F.max_pool1d(x, 3, stride=1).sum().backward()
    # Windows at 0..2, 1..3, 2..4, 3..5 hold [1 3 3] [3 3 0] [3 0 2] [0 2 2]: ties go to the first
    # maximum (positions 1, 1, 2, 4), as in PyTorch, not split between the tied entries.
    np.testing.assert_array_equal(x.grad.data, [[[0.0, 2.0, 1.0, 0.0, 1.0, 0.0]]])


@pytest.mark.parametrize("kernel, stride, padding, include", [
    (2, None, 0, True), ((3, 2), (1, 2), (1, 1), True), (3, 2, 1, False)])
def test_avg_pool2d_matches_loops_and_gradchecks(kernel, stride, padding, include):
    x = randn(2, 2, 5, 6)
    kernel2 = _pairs(kernel, 2)
    if include:
        expected = reference_pool(x, kernel2, stride or kernel2, padding, np.mean, 0.0)
    else:   # divide by the number of entries inside the input: pad with NaN and skip them
        expected = reference_pool(x, kernel2, stride or kernel2, padding, np.nanmean, np.nan)
    out = nn.AvgPool2d(kernel, stride, padding, count_include_pad=include)(cr.tensor(x))
    np.testing.assert_allclose(out.data, expected, atol=1e-12)
    assert cr.gradcheck(lambda a: F.avg_pool2d(a, kernel, stride, padding, include), (x,))


# --- parameters and errors ------------------------------------------------------------
def test_default_init_is_pytorchs_and_seeded():
    cr.manual_seed(3)
    conv = nn.Conv2d(4, 6, (3, 2))
    bound = 1 / math.sqrt(4 * 3 * 2)   # kaiming_uniform(a=sqrt(5)) gives the same bound as the bias
    assert conv.weight.shape == (6, 4, 3, 2) and conv.bias.shape == (6,)
    assert np.abs(conv.weight.data).max() <= bound and np.abs(conv.bias.data).max() <= bound
    assert np.abs(conv.weight.data).max() > 0.8 * bound
    cr.manual_seed(3)
    np.testing.assert_array_equal(nn.Conv2d(4, 6, (3, 2)).weight.data, conv.weight.data)
    assert [name for name, _ in conv.named_parameters()] == ["weight", "bias"]
    assert repr(nn.Conv1d(1, 25, 5, stride=2, padding=1)) == \
        "Conv1d(1, 25, kernel_size=(5,), stride=(2,), padding=(1,))"


@pytest.mark.parametrize("call, message", [
    (lambda: F.conv1d(randn(2, 3, 8), randn(4, 2, 3)), "does not fit input of shape"),
    (lambda: F.conv1d(randn(2, 3, 2), randn(4, 3, 3)), "does not fit the input"),
    (lambda: F.conv2d(randn(3, 8), randn(4, 3, 3, 3)), "expected input of 4 dimensions"),
    (lambda: F.conv2d(randn(1, 1, 4, 4), randn(1, 1, 2, 2), stride=(1, 1, 1)), "stride must be"),
    (lambda: F.max_pool1d(randn(1, 1, 6), 2, padding=2), "at most half"),
])
def test_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- PyTorch, where installed ------------------------------------------------------------
def _torch_pair(ours, theirs, x):
    """Copy our parameters into the torch module, then compare outputs and all gradients."""
    torch = pytest.importorskip("torch")
    with torch.no_grad():
        for p, q in zip(ours.parameters(), theirs.parameters()):
            q.copy_(torch.tensor(p.data))
    xa, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out_a, out_t = ours(xa), theirs(xt)
    w = randn(*out_a.shape, seed=9)
    (out_a * w).sum().backward()
    (out_t * torch.tensor(w)).sum().backward()
    np.testing.assert_allclose(out_a.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("make, shape", [
    (lambda m: m.Conv1d(3, 4, 3, stride=2, padding=1, dilation=2), (2, 3, 12)),
    (lambda m: m.Conv2d(2, 3, (3, 2), stride=(1, 2), padding=(1, 0), dilation=(2, 1)), (2, 2, 7, 6)),
    (lambda m: m.MaxPool1d(3, stride=2, padding=1), (2, 3, 9)),
    (lambda m: m.MaxPool2d((2, 3), stride=1, padding=1, dilation=(1, 2)), (2, 2, 5, 6)),
    (lambda m: m.AvgPool2d(3, stride=2, padding=1), (2, 2, 6, 7)),
    (lambda m: m.AvgPool2d(3, stride=2, padding=1, count_include_pad=False), (2, 2, 6, 7)),
])
def test_matches_pytorch(make, shape):
    torch = pytest.importorskip("torch")
    _torch_pair(make(nn).double(), make(torch.nn).double(), randn(*shape))
