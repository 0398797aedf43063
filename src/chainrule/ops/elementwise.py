"""Elementwise primitives with broadcasting: arithmetic, transcendental, piecewise.

Each primitive's implementation is the one place that touches NumPy; its
rules are written in chainrule ops so they can be differentiated again. The
engine sums broadcast cotangents back to each argument's shape.
"""
import numpy as np

from .._core.primitive import defelementwise, defjvp, defvjp, nondifferentiable, primitive


# --- arithmetic -----------------------------------------------------------
@primitive
def add(x, y):
    return np.add(x, y)


# Linear ops pass the cotangent (or tangent) straight through.
defvjp(add, lambda g, ans, x, y: g, lambda g, ans, x, y: g)
defjvp(add, lambda t, ans, x, y: t, lambda t, ans, x, y: t)


@primitive
def sub(x, y):
    return np.subtract(x, y)


defvjp(sub, lambda g, ans, x, y: g, lambda g, ans, x, y: -g)
defjvp(sub, lambda t, ans, x, y: t, lambda t, ans, x, y: -t)


@primitive
def neg(x):
    return np.negative(x)


defvjp(neg, lambda g, ans, x: -g)
defjvp(neg, lambda t, ans, x: -t)


@primitive
def mul(x, y):
    return np.multiply(x, y)


# d(xy)/dx = y, d(xy)/dy = x
defelementwise(mul, lambda ans, x, y: y, lambda ans, x, y: x)


@primitive
def div(x, y):
    return np.true_divide(x, y)


# d(x/y)/dx = 1/y, d(x/y)/dy = -x/y^2 = -ans/y
defelementwise(div, lambda ans, x, y: 1 / y, lambda ans, x, y: -ans / y)


@primitive
def power(x, y):
    return np.power(x, y)


def _log_base(ans, x, y):
    # d(x^y)/dy = x^y log x; taken as 0 where x = 0 (the limit for y > 0), as PyTorch does.
    return where(x == 0, 0.0, ans * log(where(x == 0, 1.0, x)))


# d(x^y)/dx = y x^(y-1)
defelementwise(power, lambda ans, x, y: y * power(x, y - 1), _log_base)


@primitive
def square(x):
    return np.square(x)


defelementwise(square, lambda ans, x: 2 * x)


@primitive
def sqrt(x):
    return np.sqrt(x)


# d sqrt(x)/dx = 1 / (2 sqrt(x))
defelementwise(sqrt, lambda ans, x: 0.5 / ans)


@primitive
def abs(x):
    return np.abs(x)


# d|x|/dx = sign(x), taken as 0 at x = 0
defelementwise(abs, lambda ans, x: sign(x))


@primitive
def sign(x):
    return np.sign(x)


# Piecewise constant: its derivative is zero wherever it exists.
defelementwise(sign, lambda ans, x: 0 * ans)


# --- exponentials and logarithms ------------------------------------------
@primitive
def exp(x):
    return np.exp(x)


defelementwise(exp, lambda ans, x: ans)


@primitive
def expm1(x):
    return np.expm1(x)


# d(e^x - 1)/dx = e^x = ans + 1
defelementwise(expm1, lambda ans, x: ans + 1)


@primitive
def log(x):
    return np.log(x)


defelementwise(log, lambda ans, x: 1 / x)


@primitive
def log1p(x):
    return np.log1p(x)


defelementwise(log1p, lambda ans, x: 1 / (1 + x))


# --- trigonometric and hyperbolic -----------------------------------------
@primitive
def sin(x):
    return np.sin(x)


defelementwise(sin, lambda ans, x: cos(x))


@primitive
def cos(x):
    return np.cos(x)


defelementwise(cos, lambda ans, x: -sin(x))


@primitive
def tan(x):
    return np.tan(x)


# d tan(x)/dx = 1 + tan(x)^2
defelementwise(tan, lambda ans, x: 1 + ans * ans)


@primitive
def tanh(x):
    return np.tanh(x)


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


@primitive
def maximum(x, y):
    return np.maximum(x, y)


# Ties share the gradient equally, as in PyTorch.
defelementwise(maximum, lambda ans, x, y: (x > y) + 0.5 * (x == y),
               lambda ans, x, y: (y > x) + 0.5 * (x == y))


@primitive
def minimum(x, y):
    return np.minimum(x, y)


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


# --- comparisons: bool results that carry no gradient ----------------------
less = nondifferentiable(np.less, "less")
less_equal = nondifferentiable(np.less_equal, "less_equal")
greater = nondifferentiable(np.greater, "greater")
greater_equal = nondifferentiable(np.greater_equal, "greater_equal")
equal = nondifferentiable(np.equal, "equal")
not_equal = nondifferentiable(np.not_equal, "not_equal")
