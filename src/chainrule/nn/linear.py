"""Affine layers and reshaping: Linear, Identity, Flatten."""
import math

import numpy as np

import chainrule as cr

from . import functional as F
from . import init
from .module import Module, Parameter


class Linear(Module):
    """s = W x + b for each row x of the input: ``input @ weight.T + bias``.

    ``weight`` has shape (out_features, in_features) and ``bias`` (out_features,);
    both start as U(-1/sqrt(in_features), 1/sqrt(in_features)), PyTorch's
    default (Kaiming uniform with a = sqrt(5)).
    """

    def __init__(self, in_features, out_features, bias=True, dtype=None, rng=None):
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(cr.zeros(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(cr.zeros(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, input):
        if np.shape(input)[-1:] != (self.in_features,):
            raise ValueError(f"Linear: expected input with last dimension {self.in_features}, "
                             f"got shape {np.shape(input)}")
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


class Identity(Module):
    """Returns its input: a placeholder where a layer is optional."""

    def forward(self, input):
        return input


class Flatten(Module):
    """Merge axes start_dim..end_dim into one (by default all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        shape = np.shape(input)
        start, end = (d % len(shape) if shape else 0 for d in (self.start_dim, self.end_dim))
        return cr.reshape(input, shape[:start] + (-1,) + shape[end + 1:])

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
