"""Sample inputs for the elementwise primitives: several shapes, broadcasting,
size-1 axes and 0-d arrays; values inside each function's domain."""
import numpy as np


def _binary(draw, make=None):
    make = make or draw.normal
    return [
        ((make(3, 4), make(3, 4)), {}),
        ((make(3, 1), make(1, 4)), {}),        # both broadcast
        ((make(2, 3, 4), make(4)), {}),        # fewer dims
        ((make(), make(2, 3)), {}),            # 0-d with 2-d
        ((make(5), 1.5), {}),                  # Python number as a constant
    ]


def _unary(make):
    return [((make(3, 4),), {}), ((make(1, 5),), {}), ((make(),), {}), ((make(2, 1, 3),), {})]


SAMPLES = {
    "add": lambda d: _binary(d),
    "sub": lambda d: _binary(d),
    "mul": lambda d: _binary(d),
    "div": lambda d: _binary(d, d.nonzero),
    "neg": lambda d: _unary(d.normal),
    "power": lambda d: [
        ((d.positive(3, 4), d.normal(3, 4)), {}),
        ((d.positive(3, 1), d.normal(4)), {}),
        ((d.normal(2, 3), 3), {}),             # integer exponent, any sign of base
        ((d.positive(), d.normal(2)), {}),
    ],
    "square": lambda d: _unary(d.normal),
    "sqrt": lambda d: _unary(d.positive),
    "abs": lambda d: _unary(d.nonzero),
    "sign": lambda d: _unary(d.nonzero),
    "exp": lambda d: _unary(d.normal),
    "expm1": lambda d: _unary(d.normal),
    "log": lambda d: _unary(d.positive),
    "log1p": lambda d: _unary(d.positive),
    "sin": lambda d: _unary(d.normal),
    "cos": lambda d: _unary(d.normal),
    "tan": lambda d: [((d.uniform(-1.2, 1.2, 3, 4),), {}), ((d.uniform(-1.2, 1.2),), {})],
    "tanh": lambda d: _unary(d.normal),
    "sigmoid": lambda d: _unary(d.normal),
    "softplus": lambda d: _unary(d.normal),
    "relu": lambda d: _unary(d.nonzero),
    "clip": lambda d: [
        ((d.nonzero(3, 4) * 1.5, -1.0, 1.0), {}),
        ((d.nonzero(5), None, 0.5), {}),
        ((1.5 * d.normal(2, 3), d.uniform(-1.0, -0.2, 2, 3), d.uniform(0.2, 1.0, 2, 3)), {}),  # bounds as inputs
    ],
    "maximum": lambda d: [((d.distinct(3, 4), d.distinct(3, 4)), {}), ((d.distinct(3, 1), d.distinct(4) + 0.03), {})],
    "minimum": lambda d: [((d.distinct(3, 4), d.distinct(3, 4)), {}), ((d.distinct(), d.distinct(2, 3) + 0.03), {})],
    "where": lambda d: [
        ((d.normal(3, 4) > 0, d.normal(3, 4), d.normal(3, 4)), {}),
        ((np.array([True, False, True]), d.normal(2, 3), d.normal(1)), {}),
    ],
}
