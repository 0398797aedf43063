"""Extra comparisons with PyTorch (skipped where torch is not installed)."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from nn_helpers import randn

torch = pytest.importorskip("torch")
TF = torch.nn.functional


def _grads(fn_cr, fn_torch, *arrays):
    """Values and gradients of a scalar function in both libraries."""
    ours = [cr.tensor(a, requires_grad=True) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=True) for a in arrays]
    out_cr, out_torch = fn_cr(*ours), fn_torch(*theirs)
    out_cr.sum().backward()
    out_torch.sum().backward()
    np.testing.assert_allclose(out_cr.data, out_torch.detach().numpy(), rtol=1e-10, atol=1e-12)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.grad.data, b.grad.numpy(), rtol=1e-9, atol=1e-12)


LABELS = np.array([0, 3, -100, 1, 2])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("smoothing", [0.0, 0.15])
def test_cross_entropy_matches(reduction, smoothing):
    _grads(lambda s: F.cross_entropy(s, LABELS, weight=WEIGHT, reduction=reduction, label_smoothing=smoothing),
           lambda s: TF.cross_entropy(s, torch.tensor(LABELS), weight=torch.tensor(WEIGHT),
                                      reduction=reduction, label_smoothing=smoothing),
           randn(5, 4))


def test_probability_targets_and_spatial_nll_match():
    probs = np.random.default_rng(0).dirichlet(np.ones(4), 5)
    _grads(lambda s: F.cross_entropy(s, probs, weight=WEIGHT, label_smoothing=0.1),
           lambda s: TF.cross_entropy(s, torch.tensor(probs), weight=torch.tensor(WEIGHT), label_smoothing=0.1),
           randn(5, 4))
    targets = np.random.default_rng(1).integers(0, 3, (2, 4, 5))
    _grads(lambda x: F.nll_loss(x, targets, weight=WEIGHT[:3]),
           lambda x: TF.nll_loss(x, torch.tensor(targets), weight=torch.tensor(WEIGHT[:3])), randn(2, 3, 4, 5))


def test_binary_and_margin_losses_match():
    rng = np.random.default_rng(2)
    p, t = rng.uniform(0.01, 0.99, (4, 3)), rng.uniform(0, 1, (4, 3))
    _grads(lambda a: F.binary_cross_entropy(a, t), lambda a: TF.binary_cross_entropy(a, torch.tensor(t)), p)
    pw = np.array([2.0, 0.5, 1.0])
    _grads(lambda a: F.binary_cross_entropy_with_logits(a, t, pos_weight=pw),
           lambda a: TF.binary_cross_entropy_with_logits(a, torch.tensor(t), pos_weight=torch.tensor(pw)),
           randn(4, 3) * 3)
    labels = np.array([0, 3, 1, 1, 2])
    for p_, margin in ((1, 1.0), (2, 0.7)):
        _grads(lambda s: F.multi_margin_loss(s, labels, p=p_, margin=margin, weight=WEIGHT),
               lambda s: TF.multi_margin_loss(s, torch.tensor(labels), p=p_, margin=margin,
                                              weight=torch.tensor(WEIGHT)), randn(5, 4))


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_matches(approximate):
    _grads(lambda x: F.gelu(x, approximate), lambda x: TF.gelu(x, approximate=approximate), randn(3, 5) * 2)


def test_layer_norm_and_linear_match():
    w, b = randn(3, 2, seed=1), randn(3, 2, seed=2)
    _grads(lambda x, w, b: F.layer_norm(x, (3, 2), w, b), lambda x, w, b: TF.layer_norm(x, (3, 2), w, b),
           randn(4, 3, 2), w, b)
    _grads(F.linear, TF.linear, randn(5, 3), randn(2, 3, seed=4), randn(2, seed=5))


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 2)])
def test_batch_norm_training_eval_and_running_stats_match(shape):
    ours = (nn.BatchNorm2d if len(shape) == 4 else nn.BatchNorm1d)(3, momentum=0.2)
    theirs = (torch.nn.BatchNorm2d if len(shape) == 4 else torch.nn.BatchNorm1d)(3, momentum=0.2).double()
    for seed in range(3):
        x = randn(*shape, seed=seed) * 2 + 1
        _grads(ours, theirs, x)
    np.testing.assert_allclose(ours.running_mean.data, theirs.running_mean.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.running_var.data, theirs.running_var.numpy(), rtol=1e-12)
    ours.eval(), theirs.eval()
    _grads(ours, theirs, randn(*shape, seed=9))


def test_state_dict_keys_and_loaded_models_match():
    def build(lib):
        return lib.nn.Sequential(lib.nn.Linear(4, 5), lib.nn.BatchNorm1d(5), lib.nn.GELU(), lib.nn.Linear(5, 3))

    ours, theirs = build(cr), build(torch).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = randn(6, 4)
    np.testing.assert_allclose(ours(x).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-10)


def test_clip_grad_norm_matches():
    grads = [randn(3, 4, seed=1), randn(5, seed=2)]
    ours = [nn.Parameter(np.zeros_like(g)) for g in grads]
    theirs = [torch.zeros(g.shape, dtype=torch.float64, requires_grad=True) for g in grads]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = cr.tensor(g), torch.tensor(g)
    for norm_type in (2.0, 1.0, float("inf")):
        a = nn.utils.clip_grad_norm_(ours, 0.5, norm_type)
        b = torch.nn.utils.clip_grad_norm_(theirs, 0.5, norm_type)
        np.testing.assert_allclose(a.item(), b.item(), rtol=1e-12)
        for p, q in zip(ours, theirs):
            np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-12)
