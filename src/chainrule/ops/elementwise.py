"""Elementwise primitives with broadcasting: arithmetic, transcendental, piecewise.

Each primitive's implementation is the one place that touches NumPy (a NumPy
ufunc itself where there is one, with no Python wrapper to pay for; Python's
operators for arithmetic, which are as fast on arrays and ten times faster on
the NumPy scalars that 0-d results hold); its rules are written in chainrule
ops so they can be differentiated again. The
engine sums broadcast cotangents back to each argument's shape.
"""
import operator

import numpy as np

from .._core.forward import ELEMENTWISE
from .._core.primitive import (cotangent_times_x, cotangent_times_y, cotangent_unchanged, defelementwise, defjvp,
                               defvjp, nondifferentiable, primitive)


# --- arithmetic -----------------------------------------------------------
add = primitive(operator.add, name="add")
# Linear ops pass the cotangent (or tangent) straight through.
defvjp(add, cotangent_unchanged, cotangent_unchanged)
defjvp(add, lambda t, ans, x, y: t, lambda t, ans, x, y: t)
add.batched_jvp = ELEMENTWISE


sub = primitive(operator.sub, name="sub")
defvjp(sub, cotangent_unchanged, lambda g, ans, x, y: -g)
defjvp(sub, lambda t, ans, x, y: t, lambda t, ans, x, y: -t)
sub.batched_jvp = ELEMENTWISE


neg = primitive(operator.neg, name="neg")
defvjp(neg, lambda g, ans, x: -g)
defjvp(neg, lambda t, ans, x: -t)
neg.batched_jvp = ELEMENTWISE


mul = primitive(operator.mul, name="mul")
# d(xy)/dx = y, d(xy)/dy = x
defvjp(mul, cotangent_times_y, cotangent_times_x)
defjvp(mul, lambda t, ans, x, y: t * y, lambda t, ans, x, y: x * t)
mul.batched_jvp = ELEMENTWISE


div = primitive(operator.truediv, name="div")
# d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2 = -ans/y
defelementwise(div, lambda ans, x, y: 1 / y, lambda ans, x, y: -ans / y)


power = primitive(operator.pow, name="power")
def _log_base(ans, x, y):
    # d(x^y)/dy = x^y log x; taken as 0 where x = 0 (the limit for y > 0), as PyTorch does.
    return where(x == 0, 0.0, ans * log(where(x == 0, 1.0, x)))


# d(x^y)/dx = y x^(y-1)
defelementwise(power, lambda ans, x, y: y * power(x, y - 1), _log_base)


square = primitive(np.square, name="square")
defelementwise(square, lambda ans, x: 2 * x)


sqrt = primitive(np.sqrt, name="sqrt")
# d sqrt(x)/dx = 1 / (2 sqrt(x))
defelementwise(sqrt, lambda ans, x: 0.5 / ans)


abs = primitive(np.abs, name="abs")
# d|x|/dx = sign(x), taken as 0 at x = 0
defelementwise(abs, lambda ans, x: sign(x))


sign = primitive(np.sign, name="sign")
# Piecewise constant: its derivative is zero wherever it exists.
defelementwise(sign, lambda ans, x: 0 * ans)


# --- exponentials and logarithms ------------------------------------------
exp = primitive(np.exp, name="exp")
defelementwise(exp, lambda ans, x: ans)


expm1 = primitive(np.expm1, name="expm1")
# d(e^x - 1)/dx = e^x = ans + 1
defelementwise(expm1, lambda ans, x: ans + 1)


log = primitive(np.log, name="log")
defelementwise(log, lambda ans, x: 1 / x)


log1p = primitive(np.log1p, name="log1p")
defelementwise(log1p, lambda ans, x: 1 / (1 + x))


# --- trigonometric and hyperbolic -----------------------------------------
sin = primitive(np.sin, name="sin")
defelementwise(sin, lambda ans, x: cos(x))


cos = primitive(np.cos, name="cos")
defelementwise(cos, lambda ans, x: -sin(x))


tan = primitive(np.tan, name="tan")
# d tan(x)/dx = 1 + tan(x)^2
defelementwise(tan, lambda ans, x: 1 + ans * ans)


tanh = primitive(np.tanh, name="tanh")
# d tanh(x)/dx = 1 - tanh(x)^2
defelementwise(tanh, lambda ans, x: 1 - ans * ans)


# --- activations -----------------------------------------------------------
@primitive
def sigmoid(x):
    # exp of a non-positive number only, so +/-1000 neither overflows nor gives nan.
    z = np.exp(-np.abs(x))
    return np.where(np.asarray(x) >= 0, 1 / (1 + z), z / (1 + z))


# d sigma(x)/dx = sigma(x) (1 - sigma(x))
defelementwise(sigmoid, lambda ans, x: ans * (1 - ans))


@primitive
def softplus(x):
    # log(1 + e^x) without overflow for large x
    return np.logaddexp(0, x)


defelementwise(softplus, lambda ans, x: sigmoid(x))


@primitive
def relu(x):
    return np.maximum(x, 0)


# The derivative at 0 is taken as 0, as in PyTorch.
defelementwise(relu, lambda ans, x: x > 0)


@primitive
def clip(x, a_min=None, a_max=None):
    """Limit values to [a_min, a_max]; either bound may be None."""
    return np.clip(x, a_min, a_max)


def _within(ans, x, a_min=None, a_max=None):
    # Gradient flows to x where it lies inside the bounds, edges included (as PyTorch).
    inside = 1.0
    if a_min is not None:
        inside = inside * (x >= a_min)
    if a_max is not None:
        inside = inside * (x <= a_max)
    return inside


defelementwise(clip, _within, lambda ans, x, a_min, a_max=None: x < a_min,
               lambda ans, x, a_min, a_max: x > a_max)


maximum = primitive(np.maximum, name="maximum")
# Ties share the gradient equally, as in PyTorch.
defelementwise(maximum, lambda ans, x, y: (x > y) + 0.5 * (x == y),
               lambda ans, x, y: (y > x) + 0.5 * (x == y))


minimum = primitive(np.minimum, name="minimum")
defelementwise(minimum, lambda ans, x, y: (x < y) + 0.5 * (x == y),
               lambda ans, x, y: (y < x) + 0.5 * (x == y))


@primitive
def where(condition, x, y):
    """``x`` where ``condition`` holds, else ``y``; no gradient to the condition."""
    return np.where(condition, x, y)


defvjp(where, lambda g, ans, c, x, y: where(c, g, 0.0), lambda g, ans, c, x, y: where(c, 0.0, g),
       argnums=(1, 2))
defjvp(where, lambda t, ans, c, x, y: where(c, t, 0.0), lambda t, ans, c, x, y: where(c, 0.0, t),
       argnums=(1, 2))
where.batched_jvp = ELEMENTWISE


# --- comparisons: bool results that carry no gradient ----------------------
less = nondifferentiable(np.less, "less")
less_equal = nondifferentiable(np.less_equal, "less_equal")
greater = nondifferentiable(np.greater, "greater")
greater_equal = nondifferentiable(np.greater_equal, "greater_equal")
equal = nondifferentiable(np.equal, "equal")
not_equal = nondifferentiable(np.not_equal, "not_equal")
