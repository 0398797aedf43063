"""Seeing the computation: pictures of the graph and the explain report."""
from ..tensor import Tensor
from .dot import render, repr_mimebundle, to_dot
from .explain import Explanation, explain

__all__ = ["Explanation", "explain", "render", "to_dot"]

# Jupyter shows a tensor with its graph. Attached here rather than written in
# tensor.py so that the Tensor class does not depend on the viz package.
Tensor._repr_mimebundle_ = repr_mimebundle
