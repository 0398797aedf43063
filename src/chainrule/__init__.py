"""chainrule: automatic differentiation and neural networks on NumPy."""
from .tensor import Tensor
from . import autograd
from ._core.grad_mode import enable_grad, is_grad_enabled, no_grad
from ._core.primitive import defjvp, defvjp, primitive
from .factories import (arange, eye, full, get_default_dtype, manual_seed, ones, ones_like, rand,
                        randn, set_default_dtype, tensor, zeros, zeros_like)
from ._public import *  # noqa: F401,F403
from .testing.gradcheck import GradcheckError, gradcheck, numerical_grad
from . import func
from .func import grad, hessian, hvp, jacfwd, jacobian, jacrev, jvp, value_and_grad, vjp
from . import viz
from .viz import explain
from . import nn
from . import train
from . import optim
from . import data
from .checkpoint import load, save

__version__ = "0.1.0"
