"""Gradient checking and the sample inputs per primitive.

``numerical_grad`` and ``gradcheck`` (also ``chainrule.numerical_grad`` and
``chainrule.gradcheck``) check any function; ``assert_derivatives`` checks one
primitive on one sample call to second order; ``chainrule.testing.samples``
holds the sample calls that the tests and ``chainrule check`` share.
"""
from .gradcheck import GradcheckError, gradcheck, numerical_grad
from .primitive_checks import assert_derivatives
