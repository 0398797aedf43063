"""Helpers for the nn tests: gradcheck a module's output with respect to its
input and every parameter, and float64 inputs."""
import numpy as np

import chainrule as cr


def call_with_parameters(module, params, *inputs):
    """``module(*inputs)`` with its parameters replaced, in named_parameters
    order, by ``params`` (the tensors gradcheck differentiates)."""
    owners = []
    for name, _ in module.named_parameters():
        owner_name, _, leaf = name.rpartition(".")
        owner = module.get_submodule(owner_name) if owner_name else module
        owners.append((owner, leaf, owner._parameters[leaf]))
    try:
        for (owner, leaf, _), value in zip(owners, params):
            owner._parameters[leaf] = value
        return module(*inputs)
    finally:
        for owner, leaf, original in owners:
            owner._parameters[leaf] = original


def module_gradcheck(module, x, project=None):
    """gradcheck of module(x) (or project(module(x))) in x and every parameter."""
    params = [p.data for p in module.parameters()]
    n = len(params)

    def f(*args):
        out = call_with_parameters(module, args[1:1 + n], args[0])
        return out if project is None else project(out)

    return cr.gradcheck(f, (x, *params))


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)
