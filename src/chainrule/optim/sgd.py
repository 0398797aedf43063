"""Stochastic gradient descent, with optional (Nesterov) momentum, as ``torch.optim.SGD``."""
from .optimizer import Optimizer, check_nonnegative


class SGD(Optimizer):
    """``p -= lr * g`` where ``g`` is the gradient (plus ``weight_decay * p``),
    or with momentum the buffer ``b = momentum * b + (1 - dampening) * g``
    (``b = g`` on the first step), or with Nesterov ``g + momentum * b``."""

    def __init__(self, params, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0, maximize=False):
        check_nonnegative("SGD", lr=lr, momentum=momentum, weight_decay=weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum > 0 and zero dampening, "
                             f"got momentum={momentum}, dampening={dampening}")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, nesterov=nesterov,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, p, group, state):
        g = self._gradient(p, group)
        momentum = group["momentum"]
        if momentum:
            buf = state.get("momentum_buffer")
            if buf is None:
                buf = state["momentum_buffer"] = g.copy()
            else:
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        p.sub_(g, alpha=group["lr"])
