"""Reverse mode as functions, as in ``torch.autograd``."""
from ._core.backward import backward, grad

__all__ = ["backward", "grad"]
