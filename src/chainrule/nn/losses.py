"""Loss functions, as in ``torch.nn.functional``: composites of chainrule's ops.

Inputs are batch first with classes on axis 1 (``(N, C)`` or ``(N, C, d1, ...)``),
or a single sample ``(C,)``. Class weights and integer targets are constants.
"""
import numpy as np

import chainrule as cr

from ._values import numpy_value
from .fused import softmax_cross_entropy

_REDUCTIONS = ("mean", "sum", "none")


def _reduce(losses, reduction, name):
    if reduction == "mean":
        return cr.mean(losses)
    if reduction == "sum":
        return cr.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _class_axis(input):
    return 0 if np.ndim(input) == 1 else 1


def _class_indices(name, input, target):
    """Integer targets checked against the input: shape without the class axis."""
    target = numpy_value(target)
    shape = np.shape(input)
    expected = shape[:_class_axis(input)] + shape[_class_axis(input) + 1:]
    if not np.issubdtype(target.dtype, np.integer):
        raise TypeError(f"{name}: class-index targets must be integers, got dtype {target.dtype}")
    if target.shape != expected:
        raise ValueError(f"{name}: input of shape {shape} needs targets of shape {expected}, got {target.shape}")
    return target


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """-input[n, target[n]] * weight[target[n]], given log-probabilities ``input``.

    ``reduction="mean"`` divides by the total weight of the counted targets
    (their number when unweighted); targets equal to ``ignore_index`` count for nothing.
    """
    target = _class_indices("nll_loss", input, target)
    n_classes = np.shape(input)[_class_axis(input)]
    counted = target != ignore_index
    safe_target = np.where(counted, target, 0)
    if np.any((safe_target < 0) | (safe_target >= n_classes)):
        raise IndexError(f"nll_loss: targets must lie in [0, {n_classes}) or equal ignore_index={ignore_index}, "
                         f"got values {np.unique(target[(safe_target < 0) | (safe_target >= n_classes)])}")
    # Classes last, one row per prediction: pick each row's target entry.
    if np.ndim(input) > 2:
        input = cr.transpose(input, (0,) + tuple(range(2, np.ndim(input))) + (1,))
    rows = cr.reshape(input, (-1, n_classes))
    picked = cr.reshape(rows[np.arange(rows.shape[0]), safe_target.reshape(-1)], target.shape)
    weights = counted * (1.0 if weight is None else numpy_value(weight)[safe_target])
    losses = -picked * weights.astype(picked.dtype)
    if reduction == "mean":
        return cr.sum(losses) / float(weights.sum())   # a Python float keeps float32 float32
    return _reduce(losses, reduction, "nll_loss")


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """Softmax cross-entropy -log p_y from unnormalised scores ``input``.

    ``target`` holds class indices (integers) or class probabilities (floats,
    same shape as ``input``). ``label_smoothing`` e mixes the one-hot target with
    the uniform distribution: (1 - e) * onehot + e / C.
    """
    if _fusable(input, target, weight, ignore_index, reduction, label_smoothing):
        # The common case as one primitive: d loss / d input = (softmax - onehot) / N.
        return softmax_cross_entropy(input, numpy_value(target), None if reduction == "mean" else 1)
    from .functional import log_softmax   # functional imports this module

    axis = _class_axis(input)
    n_classes = np.shape(input)[axis]
    log_p = log_softmax(input, axis)
    weight_shape = (n_classes,) + (1,) * (np.ndim(input) - axis - 1)
    if weight is not None:
        log_p_weighted = log_p * numpy_value(weight).reshape(weight_shape)
    else:
        log_p_weighted = log_p
    if np.issubdtype(numpy_value(target).dtype, np.floating):
        if np.shape(target) != np.shape(input):
            raise ValueError(f"cross_entropy: probability targets must have the input's shape "
                             f"{np.shape(input)}, got {np.shape(target)}")
        if label_smoothing:
            target = target * (1.0 - label_smoothing) + label_smoothing / n_classes
        return _reduce(-cr.sum(log_p_weighted * target, axis=axis), reduction, "cross_entropy")
    loss = nll_loss(log_p, target, weight, ignore_index, reduction)
    if not label_smoothing:
        return loss
    # The uniform part of the smoothed target: -sum_c w_c log p_c, reduced as nll_loss reduces.
    target = numpy_value(target)
    counted = target != ignore_index
    smooth = -cr.sum(log_p_weighted, axis=axis) * counted
    if reduction == "mean":
        total = counted.sum() if weight is None else numpy_value(weight)[target[counted]].sum()
        smooth = cr.sum(smooth) / float(total)
    else:
        smooth = _reduce(smooth, reduction, "cross_entropy")
    return (1.0 - label_smoothing) * loss + smooth * (label_smoothing / n_classes)


def _fusable(input, target, weight, ignore_index, reduction, label_smoothing):
    """Class-index targets of a batch of score rows, unweighted, mean or sum."""
    shape = input.shape   # an attribute: np.shape(tensor) would go through NumPy's dispatch
    if weight is not None or label_smoothing or reduction not in ("mean", "sum") or len(shape) != 2:
        return False
    target = numpy_value(target)
    if target.dtype.kind not in "iu" or target.shape != shape[:1]:
        return False
    return 0 <= target.min() and target.max() < shape[1] if target.size else False


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2, averaged or summed."""
    _same_shape("mse_loss", input, target)
    diff = input - target
    return _reduce(diff * diff, reduction, "mse_loss")


def _same_shape(name, input, target):
    if np.shape(input) != np.shape(target):
        raise ValueError(f"{name}: target of shape {np.shape(target)} does not match input of shape "
                         f"{np.shape(input)}")


def _clamped_log(x):
    # log(x) floored at -100 as PyTorch does, so p = 0 or 1 gives a finite loss
    # (and, through the where, a finite gradient).
    positive = cr.greater(x, 0)
    return cr.where(positive, cr.clip(cr.log(cr.where(positive, x, 1.0)), -100.0, None), -100.0)


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    """-(t log p + (1 - t) log(1 - p)) for probabilities ``input``, logs floored at -100."""
    _same_shape("binary_cross_entropy", input, target)
    values = numpy_value(input)
    if np.any((values < 0) | (values > 1)):
        raise ValueError("binary_cross_entropy: all elements of input should be between 0 and 1")
    losses = -(target * _clamped_log(input) + (1.0 - target) * _clamped_log(1.0 - input))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy")


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    """Binary cross-entropy of sigmoid(input), computed stably from the logits:
    (1 - t) x + (1 + (pos_weight - 1) t) * softplus(-x)."""
    _same_shape("binary_cross_entropy_with_logits", input, target)
    log_weight = 1.0 if pos_weight is None else (pos_weight - 1.0) * target + 1.0
    losses = (1.0 - target) * input + log_weight * cr.softplus(-input)
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction, "binary_cross_entropy_with_logits")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None, reduction="mean"):
    """Multi-class hinge loss: sum_{j != y} max(0, margin - s_y + s_j)^p / C per sample.

    With margin 1 and p = 1 this is the lecture notes' multi-class SVM loss
    L_i = sum_{j != y_i} max(0, s_j - s_{y_i} + 1) divided by the number of
    classes C, as PyTorch divides; so the notes' (1/N) sum_i L_i equals
    C * multi_margin_loss(s, y).
    """
    if p not in (1, 2):
        raise ValueError(f"multi_margin_loss: only p = 1 and p = 2 are supported, got {p}")
    if np.ndim(input) not in (1, 2):
        raise ValueError(f"multi_margin_loss: expected scores of shape (N, C) or (C,), got {np.shape(input)}")
    target = _class_indices("multi_margin_loss", input, target)
    scores = cr.reshape(input, (-1, np.shape(input)[-1]))
    labels = target.reshape(-1)
    n_classes = scores.shape[1]
    correct = scores[np.arange(len(labels)), labels]
    hinge = cr.relu(margin - cr.expand_dims(correct, 1) + scores)
    if p == 2:
        hinge = hinge * hinge
    others = np.arange(n_classes) != labels[:, None]     # the sum skips j = y
    if weight is not None:
        others = others * numpy_value(weight)[labels][:, None]
    losses = cr.sum(hinge * others.astype(scores.dtype), axis=1) / n_classes
    return _reduce(cr.reshape(losses, target.shape), reduction, "multi_margin_loss")
