"""Every built-in primitive, on every sample call: derivatives to second order against finite differences.

Reverse mode through the engine and each JVP rule are checked to first order
(cr.gradcheck); second order is the gradient of <grad, w> computed with
create_graph=True, checked against finite differences of the first-order
gradient.
"""
import pytest

import chainrule as cr
from chainrule._core.primitive import registered_primitives
from chainrule.testing.primitive_checks import projected_gradient, shapes_of
from chainrule.testing.samples import SAMPLES, samples_for

# Primitives defined by other test modules (custom rules under test) are not built-ins.
BUILT_IN = {name: prim for name, prim in sorted(registered_primitives().items())
            if prim.__module__.startswith("chainrule.")}

CASES = [pytest.param(prim, args, kwargs, id=f"{name}-{i}-{shapes_of(args) or 'const'}")
         for name, prim in BUILT_IN.items() if name in SAMPLES
         for i, (args, kwargs) in enumerate(samples_for(name))]


def test_every_primitive_has_samples():
    missing = sorted(set(BUILT_IN) - set(SAMPLES))
    assert not missing, f"primitives without sample inputs in chainrule.testing.samples: {missing}"


@pytest.mark.parametrize("prim, args, kwargs", CASES)
def test_first_order(prim, args, kwargs):
    assert cr.gradcheck(lambda *a: prim(*a, **kwargs), args)


@pytest.mark.parametrize("prim, args, kwargs", CASES)
def test_second_order(prim, args, kwargs):
    assert cr.gradcheck(projected_gradient(prim, args, kwargs), args)
