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
from chainrule.ops import logsumexp, matmul, reshape, transpose


@cr.primitive(name="linear")
def linear(x, weight, bias=None):
    """x @ weight.T + bias, the batched form of s = W x + b."""
    out = np.matmul(x, np.transpose(weight))
    if bias is not None:
        out += bias
    return out


def _rows(a):
    # A batch of any number of leading axes as one matrix, a vector as one row.
    return a if np.ndim(a) == 2 else reshape(a, (-1, np.shape(a)[-1]))


cr.defvjp(linear,
          lambda g, ans, x, weight, bias=None: matmul(g, weight),
          lambda g, ans, x, weight, bias=None: matmul(transpose(_rows(g)), _rows(x)),
          lambda g, ans, x, weight, bias=None: g)   # the engine sums g over the batch
cr.defjvp(linear,
          lambda t, ans, x, weight, bias=None: matmul(t, transpose(weight)),
          lambda t, ans, x, weight, bias=None: matmul(x, transpose(t)),
          lambda t, ans, x, weight, bias=None: t)


@cr.primitive(name="softmax_cross_entropy")
def softmax_cross_entropy(logits, target, total=None):
    """Mean (or, with ``total`` = 1, sum) over rows of -log softmax(logits)_target.

    ``logits`` is (N, C), ``target`` N class indices; ``total`` is what the
    summed loss is divided by (N for the mean).
    """
    shift = logits.max(axis=1, keepdims=True)
    lse = np.log(np.exp(logits - shift).sum(axis=1)) + shift[:, 0]
    losses = lse - logits[np.arange(len(target)), target]
    return losses.sum() / (len(target) if total is None else total)


def _probability_error(logits, target, total):
    # d loss / d logits = (softmax(logits) - onehot(target)) / total
    onehot = np.zeros(np.shape(logits), dtype=_dtype(logits))
    onehot[np.arange(len(target)), target] = 1.0
    softmax = cr.ops.exp(logits - logsumexp(logits, axis=1, keepdims=True))
    return (softmax - onehot) / (len(target) if total is None else total)


def _dtype(a):
    return a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype


cr.defvjp(softmax_cross_entropy, lambda g, ans, logits, target, total=None: g * _probability_error(logits, target, total))
cr.defjvp(softmax_cross_entropy,
          lambda t, ans, logits, target, total=None: cr.ops.sum(t * _probability_error(logits, target, total)))
