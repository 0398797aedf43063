"""Functions behind the layers, as in ``torch.nn.functional``.

Every function is a composite of chainrule's ops and carries no derivative
code of its own, with three exceptions: :func:`erf`, which NumPy lacks and so
is a primitive here, with its rules beside it, and ``linear`` and the common
case of ``cross_entropy``, fused into single primitives for speed (fused.py). The losses live in
``losses.py`` and are re-exported here; the convolutions and pools come from
``convolution.py`` on first use.
"""
import math

import numpy as np

import chainrule as cr
from chainrule.factories import default_rng

from ._values import numpy_value
from .fused import linear  # noqa: F401  (a primitive: one graph node per layer)
from .losses import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,  # noqa: F401
                     mse_loss, multi_margin_loss, nll_loss)

_math_erf = np.frompyfunc(math.erf, 1, 1)


@cr.primitive
def erf(x):
    """The error function 2/sqrt(pi) * integral_0^x exp(-t^2) dt, exact to
    double precision (Python's math.erf applied elementwise)."""
    x = np.asarray(x)
    return np.asarray(_math_erf(x), dtype=x.dtype if np.issubdtype(x.dtype, np.floating) else np.float64)


# d erf(x)/dx = 2/sqrt(pi) exp(-x^2); np.exp dispatches to chainrule's exp on
# Tensors, so the rule can be differentiated again under create_graph.
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
cr.defvjp(erf, lambda g, ans, x: g * (_TWO_OVER_SQRT_PI * np.exp(-(x * x))))
cr.defjvp(erf, lambda t, ans, x: t * (_TWO_OVER_SQRT_PI * np.exp(-(x * x))))


# --- activations -------------------------------------------------------------
def relu(input):
    return cr.relu(input)


def sigmoid(input):
    return cr.sigmoid(input)


def tanh(input):
    return cr.tanh(input)


def leaky_relu(input, negative_slope=0.01):
    """x for x > 0, else negative_slope * x (slope taken at 0, as PyTorch)."""
    return cr.where(cr.greater(input, 0), input, input * negative_slope)


def gelu(input, approximate="none"):
    """x * Phi(x) with Phi the standard normal CDF; ``approximate="tanh"``
    uses 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    if approximate == "none":
        return cr.mul(0.5 * input, 1.0 + erf(input * (1.0 / math.sqrt(2.0))))
    if approximate == "tanh":
        inner = math.sqrt(2.0 / math.pi) * (input + 0.044715 * input * input * input)
        return cr.mul(0.5 * input, 1.0 + cr.tanh(inner))
    raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")


def _softmax_dim(ndim, dim):
    # PyTorch's implicit choice when no dim is given.
    if dim is not None:
        return dim
    return 0 if ndim in (0, 1, 3) else 1


def log_softmax(input, dim=None):
    """log p with p = softmax(input) along ``dim``: x - logsumexp(x), no overflow."""
    dim = _softmax_dim(np.ndim(input), dim)
    return input - cr.logsumexp(input, axis=dim, keepdims=True)


def softmax(input, dim=None):
    """exp(x) / sum(exp(x)) along ``dim``, computed as exp(log_softmax)."""
    return cr.exp(log_softmax(input, dim))


# --- layers' computations ------------------------------------------------------
def dropout(input, p=0.5, training=True, rng=None):
    """Zero each entry with probability p and scale the rest by 1 / (1 - p)
    (inverted dropout), so eval mode is the identity."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability p must be in [0, 1], got {p}")
    if not training or p == 0.0:
        return input
    dtype = numpy_value(input).dtype
    if p == 1.0:
        return cr.mul(input, np.zeros(np.shape(input), dtype))
    keep = (rng or default_rng()).random(np.shape(input)) >= p
    return cr.mul(input, keep.astype(dtype) / dtype.type(1.0 - p))


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` axes (biased variance), then scale and shift."""
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    if tuple(np.shape(input)[-len(normalized_shape):]) != normalized_shape:
        raise ValueError(f"layer_norm: input of shape {np.shape(input)} does not end in normalized_shape "
                         f"{normalized_shape}")
    axes = tuple(range(-len(normalized_shape), 0))
    return _affine(_normalize(input, axes, eps), weight, bias)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1,
               eps=1e-5):
    """Normalise each channel (axis 1) over the batch and spatial axes.

    Training uses the batch's mean and biased variance and moves the running
    statistics toward them in place: running = (1 - momentum) * running +
    momentum * batch, with the unbiased variance, as PyTorch does. Evaluation
    uses the running statistics.
    """
    shape = np.shape(input)
    if len(shape) < 2:
        raise ValueError(f"batch_norm: expected input of shape (N, C, ...), got {shape}")
    axes = (0,) + tuple(range(2, len(shape)))
    channel_shape = (1, shape[1]) + (1,) * (len(shape) - 2)
    if training:
        count = math.prod(shape[i] for i in axes)
        if count == 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when training, "
                             f"got input of shape {shape}")
        normalized = _normalize(input, axes, eps)
        if running_mean is not None:
            _update_running_stats(input, axes, count, running_mean, running_var, momentum)
    else:
        if running_mean is None:
            raise ValueError("batch_norm: evaluation needs running_mean and running_var")
        mean = cr.reshape(running_mean, channel_shape)
        var = cr.reshape(running_var, channel_shape)
        normalized = (input - mean) / cr.sqrt(var + eps)
    return _affine(normalized, weight, bias, channel_shape)


def _normalize(input, axes, eps):
    mean = cr.mean(input, axis=axes, keepdims=True)
    centered = input - mean
    var = cr.mean(centered * centered, axis=axes, keepdims=True)
    return centered / cr.sqrt(var + eps)


def _affine(normalized, weight, bias, shape=None):
    if weight is not None:
        normalized = normalized * (weight if shape is None else cr.reshape(weight, shape))
    if bias is not None:
        normalized = normalized + (bias if shape is None else cr.reshape(bias, shape))
    return normalized


def _update_running_stats(input, axes, count, running_mean, running_var, momentum):
    raw = numpy_value(input)
    mean = raw.mean(axis=axes)
    unbiased_var = raw.var(axis=axes) * (count / (count - 1))
    with cr.no_grad():
        running_mean.copy_((1 - momentum) * running_mean.data + momentum * mean)
        running_var.copy_((1 - momentum) * running_var.data + momentum * unbiased_var)


def embedding(input, weight, padding_idx=None):
    """Rows of ``weight`` picked by the integer array ``input``; the row
    ``padding_idx`` gets no gradient."""
    indices = numpy_value(input)
    if not np.issubdtype(indices.dtype, np.integer):
        raise TypeError(f"embedding: indices must be integers, got dtype {indices.dtype}")
    rows = weight[indices]
    if padding_idx is None:
        return rows
    padding = (indices == padding_idx)[..., None]
    return cr.where(padding, weight.detach()[indices], rows)


# The convolutions and pools are written in convolution.py, which imports this
# module's neighbours; importing it on first use avoids an import cycle.
_FROM_CONVOLUTION = ("conv1d", "conv2d", "max_pool1d", "max_pool2d", "avg_pool2d")


def __getattr__(name):
    if name in _FROM_CONVOLUTION:
        from . import convolution
        return getattr(convolution, name)
    raise AttributeError(f"module 'chainrule.nn.functional' has no attribute {name!r}")
