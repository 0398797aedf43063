"""RMSprop, as ``torch.optim.RMSprop``."""
import numpy as np

from .optimizer import Optimizer, check_nonnegative, lerp_


class RMSprop(Optimizer):
    """Divide the gradient by ``sqrt(v) + eps``, ``v`` a moving average of its square
    (``centered``: minus the square of the gradient's moving average), with an
    optional momentum buffer ``b = momentum * b + g / (sqrt(v) + eps)``."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
        check_nonnegative("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum,
                                      centered=centered, maximize=maximize))

    def _update(self, p, group, state):
        if not state:
            state.update(step=0, square_avg=np.zeros_like(p.data))
        if group["momentum"] > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(p.data)
        if group["centered"] and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(p.data)
        state["step"] += 1
        alpha = group["alpha"]
        g = self._gradient(p, group)

        square_avg = state["square_avg"]
        square_avg *= alpha
        square_avg += (1 - alpha) * g * g
        if group["centered"]:
            grad_avg = lerp_(state["grad_avg"], g, 1 - alpha)
            avg = np.sqrt(square_avg - grad_avg * grad_avg)
        else:
            avg = np.sqrt(square_avg)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p.sub_(buf, alpha=group["lr"])
        else:
            p.sub_(np.divide(g, avg, out=avg), alpha=group["lr"])
