"""Losses: values against direct NumPy, gradients by gradcheck, and the lecture notes' formulas."""
import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from chainrule.nn import functional as F
from nn_helpers import randn


def _log_softmax(s, axis=1):
    shifted = s - s.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


SCORES = randn(5, 4)
LABELS = np.array([0, 3, 1, 1, 2])
WEIGHT = np.array([0.5, 1.0, 2.0, 1.5])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_with_class_indices(reduction):
    per_sample = -_log_softmax(SCORES)[np.arange(5), LABELS]
    expected = {"mean": per_sample.mean(), "sum": per_sample.sum(), "none": per_sample}[reduction]
    np.testing.assert_allclose(F.cross_entropy(SCORES, LABELS, reduction=reduction).data, expected)
    np.testing.assert_allclose(nn.CrossEntropyLoss(reduction=reduction)(SCORES, LABELS).data, expected)
    assert cr.gradcheck(lambda s: F.cross_entropy(s, LABELS, reduction=reduction), SCORES)


def test_cross_entropy_weights_and_ignore_index():
    targets = np.array([0, 3, -100, 1, 2])
    log_p = _log_softmax(SCORES)
    counted = targets != -100
    picked = -log_p[np.arange(5)[counted], targets[counted]] * WEIGHT[targets[counted]]
    expected = picked.sum() / WEIGHT[targets[counted]].sum()
    np.testing.assert_allclose(F.cross_entropy(SCORES, targets, weight=WEIGHT).data, expected)
    loss = nn.CrossEntropyLoss(weight=cr.tensor(WEIGHT))
    np.testing.assert_allclose(loss(SCORES, targets).data, expected)
    assert "weight" in loss.state_dict()
    assert cr.gradcheck(lambda s: F.cross_entropy(s, targets, weight=WEIGHT), SCORES)


def test_cross_entropy_with_probability_targets_and_label_smoothing():
    probs = np.abs(randn(5, 4, seed=1))
    probs /= probs.sum(1, keepdims=True)
    log_p = _log_softmax(SCORES)
    np.testing.assert_allclose(F.cross_entropy(SCORES, probs).data, -(probs * log_p).sum(1).mean())
    np.testing.assert_allclose(F.cross_entropy(SCORES, probs, weight=WEIGHT, reduction="sum").data,
                               -(probs * log_p * WEIGHT).sum())
    assert cr.gradcheck(lambda s, p: F.cross_entropy(s, p), (SCORES, probs))
    # Label smoothing e: the target becomes (1 - e) onehot + e / C, for indices and probabilities alike.
    smoothed = 0.9 * np.eye(4)[LABELS] + 0.1 / 4
    expected = -(smoothed * log_p).sum(1).mean()
    np.testing.assert_allclose(F.cross_entropy(SCORES, LABELS, label_smoothing=0.1).data, expected)
    np.testing.assert_allclose(F.cross_entropy(SCORES, np.eye(4)[LABELS], label_smoothing=0.1).data, expected)
    assert cr.gradcheck(lambda s: F.cross_entropy(s, LABELS, weight=WEIGHT, label_smoothing=0.2), SCORES)


def test_cross_entropy_with_spatial_axes_and_a_single_sample():
    scores = randn(2, 3, 4, 5)                       # (N, C, H, W)
    targets = np.random.default_rng(0).integers(0, 3, (2, 4, 5))
    log_p = _log_softmax(scores)
    n, h, w = np.indices(targets.shape)
    np.testing.assert_allclose(F.cross_entropy(scores, targets).data, -log_p[n, targets, h, w].mean())
    assert cr.gradcheck(lambda s: F.cross_entropy(s, targets), scores)
    np.testing.assert_allclose(F.cross_entropy(SCORES[1], LABELS[1]).data, -_log_softmax(SCORES[1], 0)[3])


def test_cross_entropy_errors():
    with pytest.raises(ValueError, match=r"targets of shape \(5,\)"):
        F.cross_entropy(SCORES, LABELS[:3])
    with pytest.raises(IndexError, match=r"\[0, 4\)"):
        F.cross_entropy(SCORES, np.array([0, 1, 2, 3, 4]))
    with pytest.raises(ValueError, match="reduction"):
        F.cross_entropy(SCORES, LABELS, reduction="avg")


def test_nll_loss_takes_log_probabilities():
    log_p = _log_softmax(SCORES)
    np.testing.assert_allclose(F.nll_loss(log_p, LABELS).data, -log_p[np.arange(5), LABELS].mean())
    np.testing.assert_allclose(nn.NLLLoss(reduction="sum")(log_p, LABELS).data, -log_p[np.arange(5), LABELS].sum())
    assert cr.gradcheck(lambda x: F.nll_loss(x, LABELS, weight=WEIGHT), log_p)
    with pytest.raises(TypeError, match="integers"):
        F.nll_loss(log_p, LABELS.astype(float))


def test_mse_loss():
    target = randn(5, 4, seed=2)
    np.testing.assert_allclose(F.mse_loss(SCORES, target).data, ((SCORES - target) ** 2).mean())
    np.testing.assert_allclose(nn.MSELoss(reduction="sum")(SCORES, target).data, ((SCORES - target) ** 2).sum())
    assert cr.gradcheck(lambda a, b: F.mse_loss(a, b), (SCORES, target))
    with pytest.raises(ValueError, match="does not match"):
        F.mse_loss(SCORES, target[:2])


def test_binary_cross_entropy_and_its_log_floor():
    rng = np.random.default_rng(0)
    p, t = rng.uniform(0.05, 0.95, (4, 3)), rng.uniform(0, 1, (4, 3))
    expected = -(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(F.binary_cross_entropy(p, t).data, expected.mean())
    np.testing.assert_allclose(nn.BCELoss(weight=np.full(3, 2.0), reduction="none")(p, t).data, 2 * expected)
    assert cr.gradcheck(lambda a, b: F.binary_cross_entropy(a, b), (p, t))
    # p = 0 or 1: log is floored at -100 as in PyTorch, and the gradient stays finite.
    edge = cr.tensor([0.0, 1.0, 0.5], requires_grad=True)
    loss = F.binary_cross_entropy(edge, np.array([1.0, 0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(loss.data, [100.0, 100.0, np.log(2)])
    loss.sum().backward()
    assert np.all(np.isfinite(edge.grad.data))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.binary_cross_entropy(np.array([1.5]), np.array([1.0]))


def test_binary_cross_entropy_with_logits_is_stable():
    x, t = randn(4, 3) * 3, np.random.default_rng(1).uniform(0, 1, (4, 3))
    sig = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(F.binary_cross_entropy_with_logits(x, t).data,
                               (-(t * np.log(sig) + (1 - t) * np.log(1 - sig))).mean())
    pos_weight = np.array([1.0, 2.0, 0.5])
    expected = -(pos_weight * t * np.log(sig) + (1 - t) * np.log(1 - sig))
    np.testing.assert_allclose(nn.BCEWithLogitsLoss(reduction="none", pos_weight=pos_weight)(x, t).data, expected)
    assert cr.gradcheck(lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=pos_weight), (x, t))
    big = F.binary_cross_entropy_with_logits(np.array([1000.0, -1000.0]), np.array([0.0, 1.0]), reduction="none")
    np.testing.assert_allclose(big.data, [1000.0, 1000.0])


def _svm_loss_of_the_notes(s, y):
    # L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1);  L = (1/N) sum_i L_i
    return np.mean([sum(max(0.0, s[i, j] - s[i, y[i]] + 1) for j in range(s.shape[1]) if j != y[i])
                    for i in range(len(y))])


def test_multi_margin_loss_is_the_notes_svm_loss_over_the_number_of_classes():
    scores = np.array([[3.2, 5.1, -1.7], [1.3, 4.9, 2.0], [2.2, 2.5, -3.1]])   # the notes' cat/car/frog example
    labels = np.array([0, 1, 2])
    notes = _svm_loss_of_the_notes(scores, labels)
    np.testing.assert_allclose(notes, (2.9 + 0 + 12.9) / 3)
    np.testing.assert_allclose(F.multi_margin_loss(scores, labels).data * 3, notes)
    np.testing.assert_allclose(nn.MultiMarginLoss()(SCORES, LABELS).data * 4, _svm_loss_of_the_notes(SCORES, LABELS))
    assert cr.gradcheck(lambda s: F.multi_margin_loss(s, LABELS), SCORES)


def test_multi_margin_loss_options():
    margins = np.maximum(0, 0.5 - SCORES[np.arange(5), LABELS][:, None] + SCORES) ** 2
    margins[np.arange(5), LABELS] = 0
    expected = (margins * WEIGHT[LABELS][:, None]).sum(1) / 4
    loss = nn.MultiMarginLoss(p=2, margin=0.5, weight=WEIGHT, reduction="none")
    np.testing.assert_allclose(loss(SCORES, LABELS).data, expected)
    assert cr.gradcheck(lambda s: F.multi_margin_loss(s, LABELS, p=2, margin=0.5, weight=WEIGHT), SCORES)
    with pytest.raises(ValueError, match="p = 1 and p = 2"):
        nn.MultiMarginLoss(p=3)


def test_lecture_notes_softmax_cross_entropy_l2_gradient():
    # J = -y^T log softmax(W x + b) + lambda sum W^2: with p = softmax(s), the notes give
    # g = dJ/ds = -(y - p)^T, dJ/dW = g^T x^T + 2 lambda W and dJ/db = g^T.
    cr.manual_seed(0)
    layer, lam = nn.Linear(4, 3), 0.1
    x, label = randn(4), 2
    loss = F.cross_entropy(layer(x[None]), np.array([label])) + lam * cr.sum(layer.weight * layer.weight)
    loss.backward()
    W, b = layer.weight.data, layer.bias.data
    s = W @ x + b
    p = np.exp(s - s.max()) / np.exp(s - s.max()).sum()
    y = np.eye(3)[label]
    g = -(y - p)[None, :]                      # a 1 x C row vector
    np.testing.assert_allclose(layer.weight.grad.data, g.T @ x[None, :] + 2 * lam * W, rtol=1e-12)
    np.testing.assert_allclose(layer.bias.grad.data, g[0], rtol=1e-12)
    np.testing.assert_allclose(loss.item(), -np.log(p[label]) + lam * (W ** 2).sum(), rtol=1e-12)


def test_losses_run_in_forward_mode():
    tangent = randn(5, 4, seed=3)
    _, jvp_out = cr.jvp(lambda s: F.cross_entropy(s, LABELS), (SCORES,), (tangent,))
    grad = cr.grad(lambda s: F.cross_entropy(s, LABELS))(SCORES)
    np.testing.assert_allclose(jvp_out, (grad * tangent).sum())
