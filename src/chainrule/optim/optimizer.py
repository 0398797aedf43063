"""The base class of every optimizer: parameter groups, per-parameter state, state dicts.

Follows ``torch.optim.Optimizer``: ``params`` is an iterable of tensors or of
dicts (each a parameter group with its own options, the constructor's
arguments filling in the rest); ``state`` maps a parameter to a dict of NumPy
arrays; ``state_dict()`` names parameters by their position across the groups.
A subclass writes ``_update(p, group, state)``, the step for one parameter.
"""
import numpy as np

import chainrule as cr


class Optimizer:
    """Base class: subclasses give ``defaults`` and ``_update``."""

    def __init__(self, params, defaults):
        if isinstance(params, cr.Tensor):
            raise TypeError(f"{type(self).__name__}: params should be an iterable of Tensors or of dicts, "
                            "got a single Tensor; pass [tensor] or model.parameters()")
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        for group in groups if isinstance(groups[0], dict) else [{"params": groups}]:
            self.add_param_group(group)

    def add_param_group(self, group):
        """Add a group of parameters with its own options; missing options take the defaults."""
        group = dict(group)
        params = group["params"]
        params = [params] if isinstance(params, cr.Tensor) else list(params)
        for p in params:
            if not isinstance(p, cr.Tensor):
                raise TypeError(f"{type(self).__name__}: can only optimize Tensors, got {type(p).__name__}")
            if p.grad_fn is not None:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf Tensor "
                                 f"(shape {p.shape}); optimize the leaf it was computed from")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) < len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"{type(self).__name__}: some parameters appear in more than one parameter group")
        group["params"] = params
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients: set them to None (the default) or to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    if p.grad.grad_fn is not None:  # a gradient from create_graph=True
                        p.grad = p.grad.detach()
                    with cr.no_grad():
                        p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; ``closure``, if given,
        recomputes the loss (with grad enabled) and its value is returned."""
        loss = None
        if closure is not None:
            with cr.enable_grad():
                loss = closure()
        with cr.no_grad():
            for group in self.param_groups:
                for p in group["params"]:
                    if p.grad is None:
                        continue
                    # A parameter gets state only once its optimizer stores some
                    # (plain SGD never does), as in PyTorch's state dicts.
                    state = self.state.get(p, {})
                    self._update(p, group, state)
                    if state:
                        self.state[p] = state
        return loss

    def _update(self, p, group, state):
        raise NotImplementedError

    @staticmethod
    def _gradient(p, group, weight_decay=True):
        """The gradient a step follows: negated when maximizing, then plus the L2
        term ``weight_decay * p`` (PyTorch's order). Never writes into ``p.grad``."""
        g = p.grad.data
        if group.get("maximize"):
            g = -g
        if weight_decay and group["weight_decay"]:
            g = g + group["weight_decay"] * p.data
        return g

    # --- state dicts -------------------------------------------------------
    def state_dict(self):
        """A snapshot ``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``,
        parameters numbered in order across the groups; arrays are copies."""
        index = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        state = {index[id(p)]: {k: _copy(v) for k, v in s.items()} for p, s in self.state.items()}
        return {"state": dict(sorted(state.items())), "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore options and state saved by ``state_dict()`` from an optimizer
        over parameters of the same shapes, in the same groups."""
        name = f"{type(self).__name__}.load_state_dict"
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}: the saved state has {len(saved)} parameter groups, "
                             f"this optimizer has {len(self.param_groups)}")
        by_index = {}
        for i, (group, saved_group) in enumerate(zip(self.param_groups, saved)):
            if len(saved_group["params"]) != len(group["params"]):
                raise ValueError(f"{name}: parameter group {i} has {len(saved_group['params'])} parameters "
                                 f"in the saved state and {len(group['params'])} in this optimizer")
            by_index.update(zip((int(k) for k in saved_group["params"]), group["params"]))
        state = {}
        for index, values in state_dict["state"].items():
            p = by_index[int(index)]
            state[p] = {k: _restore(k, v, p, f"{name}: state {k!r} of parameter {index}")
                        for k, v in values.items()}
        self.state = state
        self.param_groups = [dict(saved_group, params=group["params"])
                             for group, saved_group in zip(self.param_groups, saved)]


def _copy(value):
    return value.copy() if isinstance(value, np.ndarray) else value


def _restore(key, value, p, where):
    """A saved state value made ready for ``p``: the step count as an int, arrays
    copied in ``p``'s dtype (as PyTorch casts state to its parameter's dtype)."""
    if key == "step":
        return int(value)
    value = np.asarray(value)
    if value.shape != p.shape:
        raise ValueError(f"{where} has shape {value.shape}, the parameter has shape {p.shape}")
    return value.astype(p.data.dtype if np.issubdtype(value.dtype, np.floating) else value.dtype)


def lerp_(start, end, weight):
    """``start += weight * (end - start)`` in place, rounded as torch.lerp_ does."""
    if weight < 0.5:
        start += weight * (end - start)
    else:
        np.subtract(end, (end - start) * (1 - weight), out=start)
    return start


def check_nonnegative(owner, **values):
    """Raise a clear ValueError for a negative hyperparameter."""
    for name, value in values.items():
        if not value >= 0:
            raise ValueError(f"{owner}: invalid {name} {value!r}, expected a value >= 0")
