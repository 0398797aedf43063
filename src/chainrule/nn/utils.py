"""Gradient utilities used by training loops: clipping by norm or by value."""
import math

import numpy as np

import chainrule as cr


def _with_grads(parameters):
    if isinstance(parameters, cr.Tensor):
        parameters = [parameters]
    return [p for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False):
    """Scale the gradients in place so that their joint norm is at most ``max_norm``.

    The norm is taken over all gradients together, as if concatenated into
    one vector; gradients are multiplied by min(1, max_norm / (norm + 1e-6)),
    as PyTorch does. Returns the norm before clipping (a 0-d Tensor).
    """
    params = _with_grads(parameters)
    norm_type = float(norm_type)
    if not params:
        return cr.tensor(0.0)
    # The norm of the per-tensor norms, as PyTorch computes it.
    norms = [np.linalg.norm(np.ravel(p.grad.data), ord=norm_type) for p in params]
    total = float(np.linalg.norm(np.array(norms, dtype=np.float64), ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is "
                           f"{total}, so they cannot be clipped; pass error_if_nonfinite=False to allow it")
    coef = min(1.0, max_norm / (total + 1e-6))
    if coef < 1.0:
        with cr.no_grad():
            for p in params:
                p.grad.mul_(coef)
    return cr.tensor(total)


def clip_grad_value_(parameters, clip_value):
    """Clip every gradient entry into [-clip_value, clip_value] in place."""
    with cr.no_grad():
        for p in _with_grads(parameters):
            p.grad.copy_(np.clip(p.grad.data, -clip_value, clip_value))
