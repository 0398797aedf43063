"""nn.init: PyTorch's fans, gains and bounds, seeded draws; clip_grad_norm_."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import init


def test_fans_and_gains_follow_pytorch():
    assert init.calculate_fan_in_and_fan_out(np.zeros((30, 20))) == (20, 30)
    assert init.calculate_fan_in_and_fan_out(np.zeros((8, 4, 3, 5))) == (60, 120)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        init.calculate_fan_in_and_fan_out(np.zeros(5))
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01 ** 2))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == math.sqrt(1 / 3)
    assert init.calculate_gain("conv2d") == init.calculate_gain("sigmoid") == 1
    with pytest.raises(ValueError, match="unsupported"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("fill, bound", [
    (lambda t, rng: init.xavier_uniform_(t, gain=2.0, rng=rng), 2.0 * math.sqrt(6 / (200 + 100))),
    (lambda t, rng: init.kaiming_uniform_(t, nonlinearity="relu", rng=rng), math.sqrt(2) * math.sqrt(3 / 200)),
    (lambda t, rng: init.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu", rng=rng),
     math.sqrt(2) * math.sqrt(3 / 100)),
    (lambda t, rng: init.uniform_(t, -0.3, 0.3, rng=rng), 0.3),
])
def test_uniform_initialisers_fill_their_bounds(fill, bound):
    t = cr.zeros(100, 200)
    assert fill(t, np.random.default_rng(0)) is t
    assert np.abs(t.data).max() <= bound
    assert np.abs(t.data).max() > 0.99 * bound
    np.testing.assert_allclose(t.data.std(), bound / math.sqrt(3), rtol=0.02)


@pytest.mark.parametrize("fill, std", [
    (lambda t, rng: init.xavier_normal_(t, rng=rng), math.sqrt(2 / 300)),
    (lambda t, rng: init.kaiming_normal_(t, nonlinearity="relu", rng=rng), math.sqrt(2 / 200)),
    (lambda t, rng: init.normal_(t, 1.0, 0.5, rng=rng), 0.5),
])
def test_normal_initialisers_have_their_std(fill, std):
    t = fill(cr.zeros(100, 200), np.random.default_rng(1))
    np.testing.assert_allclose(t.data.std(), std, rtol=0.02)


def test_constant_initialisers_and_parameters_stay_leaves():
    p = nn.Parameter(np.zeros((2, 3)))
    init.ones_(p)
    np.testing.assert_array_equal(p.data, 1.0)
    init.constant_(p, 0.25)
    np.testing.assert_array_equal(p.data, 0.25)
    init.zeros_(p)
    np.testing.assert_array_equal(p.data, 0.0)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None


def test_linear_default_initialisation_matches_pytorch_bounds():
    layer = nn.Linear(50, 400)
    bound = 1 / math.sqrt(50)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound and np.abs(p.data).max() > 0.95 * bound
    np.testing.assert_allclose(layer.weight.data.std(), bound / math.sqrt(3), rtol=0.03)


def test_manual_seed_and_rng_reproduce_models():
    cr.manual_seed(42)
    first = nn.Sequential(nn.Linear(3, 4), nn.Embedding(5, 2)).state_dict()
    cr.manual_seed(42)
    second = nn.Sequential(nn.Linear(3, 4), nn.Embedding(5, 2)).state_dict()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    third = nn.Linear(3, 4).state_dict()
    assert not np.array_equal(third["weight"], first["0.weight"])
    a = nn.Linear(3, 4, rng=np.random.default_rng(7))
    b = nn.Linear(3, 4, rng=np.random.default_rng(7))
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    # The documented draw: weight first, then bias, both uniform on +/- 1/sqrt(3).
    rng = np.random.default_rng(7)
    np.testing.assert_allclose(a.weight.data, rng.uniform(-1 / math.sqrt(3), 1 / math.sqrt(3), (4, 3)), rtol=1e-14)


def test_initialisers_keep_the_dtype():
    t = cr.zeros(3, 4, dtype=np.float32)
    init.xavier_uniform_(t)
    assert t.dtype == np.float32
    assert nn.Linear(2, 3, dtype=np.float32).weight.dtype == np.float32


def _model_with_grads():
    model = nn.Linear(3, 2)
    for p, g in zip(model.parameters(), (np.full((2, 3), 2.0), np.array([3.0, -4.0]))):
        p.grad = cr.tensor(g)
    return model


def test_clip_grad_norm_scales_gradients_to_the_maximum_norm():
    model = _model_with_grads()
    total = math.sqrt(6 * 4 + 9 + 16)
    norm = nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    assert isinstance(norm, cr.Tensor)
    np.testing.assert_allclose(norm.item(), total)
    coef = 1.0 / (total + 1e-6)
    np.testing.assert_allclose(model.weight.grad.data, 2.0 * coef)
    np.testing.assert_allclose(model.bias.grad.data, np.array([3.0, -4.0]) * coef)
    # Below the maximum nothing changes.
    model = _model_with_grads()
    nn.utils.clip_grad_norm_(model.parameters(), max_norm=100.0)
    np.testing.assert_array_equal(model.bias.grad.data, [3.0, -4.0])


def test_clip_grad_norm_other_norms_and_edge_cases():
    model = _model_with_grads()
    assert nn.utils.clip_grad_norm_(model.parameters(), 10.0, norm_type="inf").item() == 4.0
    assert nn.utils.clip_grad_norm_(model.parameters(), 100.0, norm_type=1).item() == 19.0
    assert nn.utils.clip_grad_norm_(nn.Linear(2, 2).parameters(), 1.0).item() == 0.0
    model.bias.grad = cr.tensor([np.inf, 0.0])
    with pytest.raises(RuntimeError, match="non|inf"):
        nn.utils.clip_grad_norm_(model.parameters(), 1.0, error_if_nonfinite=True)


def test_clip_grad_value():
    model = _model_with_grads()
    nn.utils.clip_grad_value_(model.parameters(), 2.5)
    np.testing.assert_array_equal(model.bias.grad.data, [2.5, -2.5])
    np.testing.assert_array_equal(model.weight.grad.data, 2.0)
