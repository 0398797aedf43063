"""Random inputs for sample tables, drawn reproducibly and kept away from kinks."""
import numpy as np


class Draw:
    """Float64 arrays for gradient checks; every float array drawn is an input
    that gets differentiated, everything else (ints, bools, Python numbers,
    shapes) is a constant."""

    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)

    def normal(self, *shape):
        return self.rng.standard_normal(shape)

    def uniform(self, low, high, *shape):
        return self.rng.uniform(low, high, shape)

    def positive(self, *shape):
        """Values in [0.5, 2]: safe for log, sqrt, division."""
        return self.rng.uniform(0.5, 2.0, shape)

    def nonzero(self, *shape):
        """Values in +/-[0.2, 2]: away from the kink at 0 of abs, relu, sign."""
        return self.rng.uniform(0.2, 2.0, shape) * self.rng.choice([-1.0, 1.0], shape)

    def distinct(self, *shape):
        """Values with no ties and gaps of at least 0.1 (max, min, sort-like ops)."""
        n = int(np.prod(shape, dtype=int))
        values = (self.rng.permutation(n) - n / 2) * 0.3 + self.rng.uniform(0, 0.1, n)
        return values.reshape(shape)

    def integers(self, low, high, *shape):
        return self.rng.integers(low, high, shape)
