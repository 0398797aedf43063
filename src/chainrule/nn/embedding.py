"""Embedding: a lookup table of trainable vectors indexed by integers."""
import chainrule as cr

from . import functional as F
from . import init
from .module import Module, Parameter


class Embedding(Module):
    """Row ``i`` of ``weight`` (num_embeddings, embedding_dim) for each index i;
    rows start as N(0, 1) draws, the ``padding_idx`` row as zeros, as in PyTorch."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, dtype=None, rng=None):
        super().__init__()
        if padding_idx is not None:
            if not -num_embeddings <= padding_idx < num_embeddings:
                raise ValueError(f"Embedding: padding_idx {padding_idx} out of range for "
                                 f"{num_embeddings} embeddings")
            padding_idx %= num_embeddings
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = padding_idx
        self.weight = Parameter(cr.zeros(num_embeddings, embedding_dim, dtype=dtype))
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None):
        init.normal_(self.weight, rng=rng)
        if self.padding_idx is not None:
            with cr.no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input):
        return F.embedding(input, self.weight, self.padding_idx)

    def extra_repr(self):
        text = f"{self.num_embeddings}, {self.embedding_dim}"
        return text if self.padding_idx is None else f"{text}, padding_idx={self.padding_idx}"
