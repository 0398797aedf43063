"""One table of sample inputs per primitive, shared by the tests and `chainrule check`.

Each entry maps a primitive's name to a function of a :class:`Draw` returning
a list of ``(args, kwargs)``. Float arrays among ``args`` are the inputs to
differentiate; everything else is held constant.
"""
from .convolution import SAMPLES as _CONVOLUTION
from .draw import Draw
from .elementwise import SAMPLES as _ELEMENTWISE
from .linalg import SAMPLES as _LINALG
from .nn import SAMPLES as _NN
from .reduce import SAMPLES as _REDUCE
from .shape import SAMPLES as _SHAPE

SAMPLES = {**_ELEMENTWISE, **_SHAPE, **_REDUCE, **_LINALG, **_NN, **_CONVOLUTION}


def samples_for(name, seed=0):
    """The sample calls for primitive ``name``, drawn reproducibly."""
    if name not in SAMPLES:
        raise KeyError(f"no sample inputs for primitive {name!r}: add them to chainrule.testing.samples")
    return SAMPLES[name](Draw(seed))
