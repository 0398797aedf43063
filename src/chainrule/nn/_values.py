"""Reading the plain value behind whatever a layer was called with."""
import numpy as np

import chainrule as cr


def numpy_value(x):
    """The NumPy value of ``x``: a Tensor's ``.data``, the primal of a forward-mode
    Dual (inside ``cr.jvp``), or ``x`` itself, for side computations that carry
    no derivative (running statistics, input checks)."""
    while True:
        if isinstance(x, cr.Tensor):
            x = x.data
        elif hasattr(x, "primal"):
            x = x.primal
        else:
            return np.asarray(x)
