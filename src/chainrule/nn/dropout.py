"""Dropout: random zeroing in training mode, the identity in eval mode."""
from . import functional as F
from .module import Module


class Dropout(Module):
    """Zero each entry with probability ``p`` while training and scale the rest
    by 1 / (1 - p); draws from ``rng`` or the generator ``cr.manual_seed`` resets."""

    def __init__(self, p=0.5, rng=None):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"Dropout: probability p must be in [0, 1], got {p}")
        self.p = p
        self.rng = rng

    def forward(self, input):
        return F.dropout(input, self.p, self.training, rng=self.rng)

    def extra_repr(self):
        return f"p={self.p}"
