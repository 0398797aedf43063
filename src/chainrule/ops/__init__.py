"""Every operation, in one namespace. Rules and Tensor methods use these
directly (raw values in, raw values out); the package exposes Tensor-returning
versions of them (see ``chainrule._public``)."""
from .._core.primitive import registered_primitives, verify_rules
from .elementwise import (abs, add, clip, cos, div, equal, exp, expm1, greater, greater_equal, less,
                          less_equal, log, log1p, maximum, minimum, mul, neg, not_equal, power, relu,
                          sigmoid, sign, sin, softplus, sqrt, square, sub, tan, tanh, where)
from .linalg import dot, einsum, matmul
from .reduce import argmax, argmin, logsumexp, max, mean, min, prod, std, sum, var
from .shape import (astype, broadcast_to, concatenate, expand_dims, flatten, getitem, pad, reshape, split,
                    squeeze, stack, swapaxes, transpose)

verify_rules(registered_primitives().values())
