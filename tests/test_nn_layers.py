"""Layers: forward values against direct NumPy, gradients by gradcheck in float64."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from nn_helpers import module_gradcheck, randn


def test_linear_computes_x_w_transpose_plus_b():
    layer = nn.Linear(4, 3)
    assert layer.weight.shape == (3, 4) and layer.bias.shape == (3,)
    x = randn(5, 4)
    np.testing.assert_allclose(layer(x).data, x @ layer.weight.data.T + layer.bias.data)
    # A single sample and extra leading axes broadcast as in PyTorch.
    np.testing.assert_allclose(layer(x[0]).data, layer.weight.data @ x[0] + layer.bias.data)
    assert layer(randn(2, 5, 4)).shape == (2, 5, 3)
    assert module_gradcheck(layer, randn(2, 4))
    assert module_gradcheck(nn.Linear(3, 2, bias=False), randn(2, 3))
    with pytest.raises(ValueError, match="last dimension 4"):
        layer(randn(5, 3))


@pytest.mark.parametrize("module, reference", [
    (nn.ReLU(), lambda x: np.maximum(x, 0)),
    (nn.LeakyReLU(0.2), lambda x: np.where(x > 0, x, 0.2 * x)),
    (nn.Sigmoid(), lambda x: 1 / (1 + np.exp(-x))),
    (nn.Tanh(), np.tanh),
    (nn.GELU(), lambda x: 0.5 * x * (1 + np.vectorize(math.erf)(x / math.sqrt(2)))),
    (nn.GELU("tanh"), lambda x: 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))),
    (nn.Softmax(dim=1), lambda x: np.exp(x) / np.exp(x).sum(1, keepdims=True)),
    (nn.LogSoftmax(dim=-1), lambda x: x - np.log(np.exp(x).sum(-1, keepdims=True))),
    (nn.Flatten(), lambda x: x.reshape(len(x), -1)),
    (nn.Identity(), lambda x: x),
], ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "")
def test_stateless_layers(module, reference):
    # Values kept away from the kinks at 0, where finite differences straddle two slopes.
    x = randn(3, 4, 2)
    x = np.where(np.abs(x) < 0.1, 0.5, x)
    np.testing.assert_allclose(module(x).data, reference(x), rtol=1e-12, atol=1e-14)
    assert module_gradcheck(module, x)


def test_leaky_relu_slope_at_zero_is_the_negative_slope():
    x = cr.tensor([0.0, 2.0, -2.0], requires_grad=True)
    F.leaky_relu(x, 0.1).sum().backward()
    np.testing.assert_allclose(x.grad.data, [0.1, 1.0, 0.1])


def test_erf_is_exact_and_differentiable_twice():
    x = np.linspace(-5, 5, 41)
    np.testing.assert_array_equal(F.erf(x), [math.erf(v) for v in x])
    assert F.erf(cr.tensor(np.float32(0.5))).dtype == np.float32
    t = cr.tensor(0.7, requires_grad=True)
    (g,) = cr.autograd.grad(F.erf(t), [t], create_graph=True)
    g.backward()
    # d/dx 2/sqrt(pi) exp(-x^2) = -2x * 2/sqrt(pi) exp(-x^2)
    np.testing.assert_allclose(t.grad.data, -2 * 0.7 * 2 / math.sqrt(math.pi) * math.exp(-0.49))


def test_softmax_is_stable_and_sums_to_one():
    x = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 5.0]])
    p = F.softmax(x, dim=1).data
    assert np.all(np.isfinite(p))
    np.testing.assert_allclose(p.sum(1), 1.0)
    np.testing.assert_allclose(F.log_softmax(x, 1).data[0], [-2.40760596, -1.40760596, -0.40760596])
    # PyTorch's implicit dim: 1 for 2-D input, 0 for 1-D.
    np.testing.assert_allclose(F.softmax(x).data, p)
    np.testing.assert_allclose(F.softmax(x[1]).data, p[1])


def test_dropout_in_training_and_eval():
    layer = nn.Dropout(0.25)
    x = np.ones((200, 50))
    cr.manual_seed(3)
    out = layer(x).data
    assert set(np.unique(out)) == {0.0, 1 / 0.75}
    assert abs((out == 0).mean() - 0.25) < 0.02
    cr.manual_seed(3)
    np.testing.assert_array_equal(layer(x).data, out)      # reproducible
    keep = np.random.default_rng(3).random(x.shape) >= 0.25
    np.testing.assert_array_equal(out != 0, keep)          # the documented draw
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout(0.0)(x) is x
    np.testing.assert_array_equal(F.dropout(x, 1.0).data, 0 * x)


def test_dropout_gradient_uses_the_same_mask():
    t = cr.tensor(randn(4, 5), requires_grad=True)
    out = F.dropout(t, 0.5, rng=np.random.default_rng(1))
    out.sum().backward()
    np.testing.assert_array_equal(t.grad.data, (out.data != 0) * 2.0)
    with pytest.raises(ValueError, match="p must be in"):
        nn.Dropout(1.5)


def _batch_norm_reference(x, axes, eps=1e-5):
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    return (x - mean) / np.sqrt(var + eps)


@pytest.mark.parametrize("layer, shape, axes", [
    (nn.BatchNorm1d(3), (6, 3), (0,)),
    (nn.BatchNorm1d(3), (4, 3, 5), (0, 2)),
    (nn.BatchNorm2d(3), (2, 3, 4, 2), (0, 2, 3)),
])
def test_batch_norm_training_forward_and_gradients(layer, shape, axes):
    x = randn(*shape)
    with cr.no_grad():
        layer.weight.copy_(np.array([0.5, 1.5, -2.0]))
        layer.bias.copy_(np.array([0.1, 0.0, 1.0]))
    channel = (1, 3) + (1,) * (len(shape) - 2)
    expected = (_batch_norm_reference(x, axes) * np.array([0.5, 1.5, -2.0]).reshape(channel)
                + np.array([0.1, 0.0, 1.0]).reshape(channel))
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)
    assert module_gradcheck(layer, x)


def test_batch_norm_running_statistics_follow_pytorch():
    layer = nn.BatchNorm1d(2)
    batches = [randn(5, 2, seed=s) * 3 + 1 for s in range(3)]
    mean, var = np.zeros(2), np.ones(2)
    for batch in batches:
        layer(batch)
        mean = 0.9 * mean + 0.1 * batch.mean(0)
        var = 0.9 * var + 0.1 * batch.var(0, ddof=1)      # unbiased, as PyTorch
    np.testing.assert_allclose(layer.running_mean.data, mean, rtol=1e-14)
    np.testing.assert_allclose(layer.running_var.data, var, rtol=1e-14)
    assert layer.num_batches_tracked.item() == 3
    layer.eval()
    x = randn(4, 2, seed=9)
    np.testing.assert_allclose(layer(x).data, (x - mean) / np.sqrt(var + 1e-5))
    layer(x)
    assert layer.num_batches_tracked.item() == 3             # eval leaves the statistics alone


def test_batch_norm_cumulative_average_and_untracked_statistics():
    layer = nn.BatchNorm1d(2, momentum=None)
    batches = [randn(4, 2, seed=s) for s in range(3)]
    for batch in batches:
        layer(batch)
    np.testing.assert_allclose(layer.running_mean.data, np.mean([b.mean(0) for b in batches], axis=0))
    untracked = nn.BatchNorm1d(2, track_running_stats=False, affine=False).eval()
    assert list(untracked.state_dict()) == [] and list(untracked.parameters()) == []
    np.testing.assert_allclose(untracked(batches[0]).data, _batch_norm_reference(batches[0], (0,)), atol=1e-12)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(2)(randn(1, 2))
    with pytest.raises(ValueError, match="2 channels on axis 1"):
        nn.BatchNorm1d(2)(randn(4, 3))


def test_layer_norm():
    layer = nn.LayerNorm((3, 2))
    with cr.no_grad():
        layer.weight.copy_(randn(3, 2, seed=1))
        layer.bias.copy_(randn(3, 2, seed=2))
    x = randn(4, 3, 2)
    expected = _batch_norm_reference(x, (1, 2)) * layer.weight.data + layer.bias.data
    np.testing.assert_allclose(layer(x).data, expected, atol=1e-12)
    assert module_gradcheck(layer, x)
    assert module_gradcheck(nn.LayerNorm(4, elementwise_affine=False), randn(2, 4))
    with pytest.raises(ValueError, match="normalized_shape"):
        layer(randn(4, 2, 3))


def test_embedding_looks_up_rows_and_accumulates_gradients():
    cr.manual_seed(0)
    layer = nn.Embedding(5, 3)
    indices = np.array([[0, 2], [2, 4]])
    np.testing.assert_array_equal(layer(indices).data, layer.weight.data[indices])
    layer(indices).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.data[:, 0], [1, 0, 2, 0, 1])
    assert module_gradcheck(layer, indices)
    with pytest.raises(TypeError, match="integers"):
        layer(np.array([0.5]))


def test_embedding_padding_row_starts_at_zero_and_gets_no_gradient():
    layer = nn.Embedding(4, 2, padding_idx=1)
    np.testing.assert_array_equal(layer.weight.data[1], 0.0)
    layer(np.array([1, 1, 3])).sum().backward()
    np.testing.assert_array_equal(layer.weight.grad.data, [[0, 0], [0, 0], [0, 0], [1, 1]])


def test_sequential_chains_and_gradchecks():
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.LayerNorm(4), nn.Linear(4, 2))
    x = randn(5, 3)
    manual = x
    for layer in model:
        manual = layer(manual)
    np.testing.assert_array_equal(model(x).data, manual.data)
    assert module_gradcheck(model, x)


def test_float32_models_stay_float32_in_every_mode():
    model = nn.Sequential(nn.Linear(4, 5), nn.BatchNorm1d(5), nn.GELU(), nn.Dropout(0.3), nn.Linear(5, 3),
                          nn.LogSoftmax(1)).to(np.float32)
    x = randn(6, 4).astype(np.float32)
    labels = np.array([0, 1, 2, 0, 1, 2])
    for loss_fn in (nn.CrossEntropyLoss(label_smoothing=0.1), nn.NLLLoss(), nn.MultiMarginLoss()):
        loss = loss_fn(model(x), labels)
        assert loss.dtype == np.float32, type(loss_fn).__name__
        loss.backward()
    assert all(p.grad.dtype == np.float32 for p in model.parameters())
    assert model[1].running_mean.dtype == np.float32
    model.eval()
    assert model(x).dtype == np.float32
    out, tangent = cr.jvp(model, (x,), (np.ones_like(x),))
    assert out.dtype == tangent.dtype == np.float32
