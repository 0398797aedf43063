"""Two layers' computations as single primitives with hand-derived rules.

``linear`` and softmax cross-entropy run in every training step. Written as
composites they record five to ten graph nodes each; as primitives, one, with
the rules of the lecture notes: for s = W x + b, dJ/dW = g^T x, dJ/dx = g W and
dJ/db = g summed over the batch; for J = mean(-log softmax(s)_y), dJ/ds =
(softmax(s) - onehot(y)) / N. The rules are written in chainrule ops, so they
can be differentiated again, and both primitives are gradchecked with the
others (samples in ``chainrule.testing.samples.nn``).
"""
import numpy as np

import chainrule as cr
from chainrule.ops import exp


@cr.primitive(name="linear")
def linear(x, weight, bias=None):
    """x @ weight.T + bias, the batched form of s = W x + b."""
    out = np.matmul(x, np.asarray(weight).T)
    if bias is not None:
        out += bias
    return out


def _rows(a):
    # A batch of any number of leading axes as one matrix, a vector as one row.
    return a if a.ndim == 2 else a.reshape((-1, a.shape[-1]))


# The rules use operators and methods, which mean NumPy's own on raw arrays (a
# plain backward pass, no chainrule call in between) and chainrule's ops on
# Tensors (under create_graph, so they can be differentiated again).
cr.defvjp(linear,
          lambda g, ans, x, weight, bias=None: g @ weight,
          lambda g, ans, x, weight, bias=None: _rows(g).T @ _rows(x),
          lambda g, ans, x, weight, bias=None: g)   # the engine sums g over the batch
cr.defjvp(linear,
          lambda t, ans, x, weight, bias=None: t @ weight.T,
          lambda t, ans, x, weight, bias=None: x @ t.T,
          lambda t, ans, x, weight, bias=None: t)


@cr.primitive(name="softmax_cross_entropy")
def softmax_cross_entropy(logits, target, total=None):
    """Mean (or, with ``total`` = 1, sum) over rows of -log softmax(logits)_target.

    ``logits`` is (N, C), ``target`` N class indices; ``total`` is what the
    summed loss is divided by (N for the mean).
    """
    # -log softmax(s)_y = log sum_c exp(s_c) - s_y, unchanged when a row is
    # shifted by a constant: shifting by the row maximum keeps exp from overflowing.
    shifted = logits - logits.max(axis=1, keepdims=True)
    losses = np.log(np.exp(shifted).sum(axis=1)) - shifted[np.arange(len(target)), target]
    return losses.sum() / _count(target, total)


def _count(target, total):
    return len(target) if total is None else total


def _softmax_minus_onehot(logits, target):
    # d (summed loss) / d logits = softmax(logits) - onehot(target), shifted as above.
    onehot = np.zeros(logits.shape, dtype=_dtype(logits))
    onehot[np.arange(len(target)), target] = 1.0
    unnormalised = exp(logits - logits.max(axis=1, keepdims=True))
    return unnormalised / unnormalised.sum(axis=1, keepdims=True) - onehot


def _dtype(a):
    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


# The scalar factor g / total is formed first: one pass over the array fewer.
cr.defvjp(softmax_cross_entropy, lambda g, ans, logits, target, total=None:
          (g / _count(target, total)) * _softmax_minus_onehot(logits, target))
cr.defjvp(softmax_cross_entropy, lambda t, ans, logits, target, total=None:
          cr.ops.sum(t * _softmax_minus_onehot(logits, target)) / _count(target, total))
