"""Sample inputs for the primitives of chainrule.nn: erf (behind GELU), and the
fused linear layer and softmax cross-entropy."""
import numpy as np

SAMPLES = {
    "linear": lambda d: [
        ((d.normal(4, 3), d.normal(2, 3), d.normal(2)), {}),
        ((d.normal(2, 5, 3), d.normal(4, 3), d.normal(4)), {}),    # extra batch axis
        ((d.normal(3), d.normal(2, 3), None), {}),                 # one example, no bias
    ],
    "softmax_cross_entropy": lambda d: [
        ((d.normal(5, 4), np.array([0, 3, 1, 1, 2])), {}),
        ((d.normal(3, 2), np.array([1, 0, 1]), 1), {}),           # summed
    ],
    "erf": lambda d: [((d.normal(3, 4),), {}), ((d.uniform(-4.0, 4.0, 2, 1, 5),), {}), ((d.normal(),), {})],
}
