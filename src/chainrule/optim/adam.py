"""Adam and AdamW, as ``torch.optim.Adam`` and ``torch.optim.AdamW``.

The two differ only in where weight decay enters: Adam adds the L2 term
``weight_decay * p`` to the gradient; AdamW (decoupled weight decay) shrinks the
parameter by ``1 - lr * weight_decay`` before the step. AdamW is Adam with
``decoupled_weight_decay=True``, as in PyTorch.
"""
import math

import numpy as np

from .optimizer import Optimizer, check_nonnegative, lerp_


class Adam(Optimizer):
    """Moving averages ``m`` of the gradient and ``v`` of its square, bias corrected:
    ``p -= lr * m_hat / (sqrt(v_hat) + eps)``; with ``amsgrad`` the running
    maximum of ``v`` replaces ``v``."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False,
                 maximize=False, decoupled_weight_decay=False):
        name = type(self).__name__
        check_nonnegative(name, lr=lr, eps=eps, weight_decay=weight_decay)
        for i, beta in enumerate(betas):
            if not 0 <= beta < 1:
                raise ValueError(f"{name}: invalid beta at index {i}: {beta}, expected 0 <= beta < 1")
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def _update(self, p, group, state):
        if not state:
            state.update(step=0, exp_avg=np.zeros_like(p.data), exp_avg_sq=np.zeros_like(p.data))
        if group["amsgrad"] and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(p.data)
        state["step"] += 1
        step, lr = state["step"], group["lr"]
        beta1, beta2 = group["betas"]
        decoupled = group["decoupled_weight_decay"]
        if decoupled and group["weight_decay"]:
            p.mul_(1 - lr * group["weight_decay"])
        g = self._gradient(p, group, weight_decay=not decoupled)

        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        lerp_(exp_avg, g, 1 - beta1)
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * g * g
        if group["amsgrad"]:
            exp_avg_sq = np.maximum(state["max_exp_avg_sq"], exp_avg_sq, out=state["max_exp_avg_sq"])
        # m_hat / (sqrt(v_hat) + eps) with the bias corrections folded into scalars.
        denom = np.sqrt(exp_avg_sq)
        denom /= math.sqrt(1 - beta2 ** step)
        denom += group["eps"]
        step_dir = np.divide(exp_avg, denom, out=denom)
        p.sub_(step_dir, alpha=lr / (1 - beta1 ** step))


class AdamW(Adam):
    """Adam with decoupled weight decay: ``p *= 1 - lr * weight_decay`` before each step."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False,
                 maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize, decoupled_weight_decay=True)
