"""Module and Parameter: the building blocks of networks, as in PyTorch.

A Module holds Parameters (tensors to train), buffers (state that is saved but
not trained, such as BatchNorm's running statistics) and child Modules, all
registered by plain attribute assignment. Everything that walks the tree
(parameters, state_dict, train/eval, repr) follows that registration order.
"""
from collections import OrderedDict, namedtuple

import numpy as np

import chainrule as cr


class Parameter(cr.Tensor):
    """A Tensor that a Module registers as trainable; it requires grad by default."""

    def __init__(self, data=None, requires_grad=True):
        super().__init__(np.empty(0) if data is None else data, requires_grad=requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


IncompatibleKeys = namedtuple("IncompatibleKeys", ["missing_keys", "unexpected_keys"])


class Module:
    """Base class of every layer and model: subclass it and define ``forward``."""

    training = True

    def __init__(self):
        # object.__setattr__: our own __setattr__ needs these dicts to exist.
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward(); define it in the subclass")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- registration --------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before assigning attributes")
        params, buffers, modules = self._parameters, self._buffers, self._modules
        if isinstance(value, Parameter):
            self._forget(name)
            params[name] = value
        elif isinstance(value, Module):
            self._forget(name)
            modules[name] = value
        elif name in params:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to parameter {name!r} of "
                                f"{type(self).__name__}: expected a cr.nn.Parameter or None")
            params[name] = None
        elif name in modules:
            if value is not None:
                raise TypeError(f"cannot assign {type(value).__name__} to submodule {name!r} of "
                                f"{type(self).__name__}: expected a Module or None")
            modules[name] = None
        elif name in buffers:
            buffers[name] = _as_buffer(name, value)
        else:
            object.__setattr__(self, name, value)

    def _forget(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            registry.pop(name, None)
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        # Called only when normal lookup fails: the registered names live in the dicts.
        state = self.__dict__
        for registry in ("_parameters", "_buffers", "_modules"):
            if name in state.get(registry, ()):
                return state[registry][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name):
        for registry in (self._parameters, self._buffers, self._modules):
            if name in registry:
                del registry[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers) | set(self._modules))

    def register_parameter(self, name, param):
        """Register ``param`` (a Parameter or None) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter({name!r}): expected a cr.nn.Parameter or None, "
                            f"got {type(param).__name__}")
        self._forget(name)
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        """Register state that is not trained but is saved (unless ``persistent=False``)."""
        self._forget(name)
        self._buffers[name] = _as_buffer(name, tensor)
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        """Register ``module`` (a Module or None) as the child ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module({name!r}): expected a Module, got {type(module).__name__}")
        self._forget(name)
        self._modules[name] = module

    register_module = add_module

    # --- walking the tree ----------------------------------------------------
    def named_modules(self, memo=None, prefix=""):
        """(dotted name, module) for this module and every descendant, each once."""
        memo = set() if memo is None else memo
        if id(self) in memo:
            return
        memo.add(id(self))
        yield prefix, self
        for name, child in self._modules.items():
            if child is not None:
                yield from child.named_modules(memo, f"{prefix}.{name}" if prefix else name)

    def modules(self):
        for _, module in self.named_modules():
            yield module

    def named_children(self):
        seen = set()
        for name, child in self._modules.items():
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                yield name, child

    def children(self):
        for _, child in self.named_children():
            yield child

    def get_submodule(self, target):
        """The descendant at dotted path ``target`` ("" is self), e.g. ``"0.linear"``."""
        module = self
        for part in target.split(".") if target else ():
            child = module._modules.get(part)
            if child is None:
                raise AttributeError(f"{type(module).__name__} has no submodule {part!r} (looking up {target!r})")
            module = child
        return module

    def _named_members(self, registry, prefix, recurse):
        # Shared tensors (tied weights) are reported once, under their first name.
        seen = set()
        owners = self.named_modules(prefix=prefix) if recurse else [(prefix, self)]
        for owner_name, owner in owners:
            for name, value in getattr(owner, registry).items():
                if value is None or id(value) in seen:
                    continue
                seen.add(id(value))
                yield (f"{owner_name}.{name}" if owner_name else name), value

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) pairs, e.g. ``("0.weight", ...)`` in a Sequential."""
        return self._named_members("_parameters", prefix, recurse)

    def parameters(self, recurse=True):
        for _, param in self.named_parameters(recurse=recurse):
            yield param

    def named_buffers(self, prefix="", recurse=True):
        return self._named_members("_buffers", prefix, recurse)

    def buffers(self, recurse=True):
        for _, buf in self.named_buffers(recurse=recurse):
            yield buf

    def apply(self, fn):
        """Call ``fn`` on every child (recursively), then on self; returns self."""
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # --- modes and gradients -------------------------------------------------
    def train(self, mode=True):
        """Set training mode (Dropout drops, BatchNorm uses batch statistics); returns self."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be a bool, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Set evaluation mode: the same as ``train(False)``."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Clear the gradients of all parameters (to None, as PyTorch does by default)."""
        for param in self.parameters():
            if set_to_none:
                param.grad = None
            elif param.grad is not None:
                param.grad = cr.zeros_like(param.grad)

    def to(self, dtype):
        """Cast floating-point parameters and buffers to ``dtype`` in place; returns self."""
        dtype = np.dtype(dtype)
        for module in self.modules():
            for registry in (module._parameters, module._buffers):
                for value in registry.values():
                    if value is not None and np.issubdtype(value.dtype, np.floating):
                        value.data = value.data.astype(dtype)
                        value.grad = None
        return self

    def float(self):
        return self.to(np.float32)

    def double(self):
        return self.to(np.float64)

    # --- saving and loading --------------------------------------------------
    def state_dict(self, prefix=""):
        """An ordered dict of dotted name -> NumPy copy of every parameter and persistent buffer."""
        state = OrderedDict()
        for owner_name, owner in self.named_modules(prefix=prefix):
            entries = list(owner._parameters.items()) + [
                (name, buf) for name, buf in owner._buffers.items() if name not in owner._non_persistent]
            for name, value in entries:
                if value is not None:
                    state[f"{owner_name}.{name}" if owner_name else name] = np.array(value.data, copy=True)
        return state

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` (arrays or Tensors) into this module's tensors.

        Wrong shapes are always an error. With ``strict=True`` missing or
        unexpected keys are an error too; otherwise they are returned as
        ``(missing_keys, unexpected_keys)``.
        """
        targets = self._state_tensors()
        missing = [key for key in targets if key not in state_dict]
        unexpected = [key for key in state_dict if key not in targets]
        mismatched = [
            f"{key}: checkpoint has shape {np.shape(state_dict[key])}, the module expects {targets[key].shape}"
            for key in targets if key in state_dict and np.shape(state_dict[key]) != targets[key].shape]
        problems = []
        if strict and missing:
            problems.append("missing keys: " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("size mismatch: " + "; ".join(mismatched))
        if problems:
            raise RuntimeError(f"error loading state_dict into {type(self).__name__}:\n  " + "\n  ".join(problems))
        with cr.no_grad():
            for key, target in targets.items():
                if key in state_dict:
                    value = state_dict[key]
                    target.copy_(value.data if isinstance(value, cr.Tensor) else np.asarray(value))
        return IncompatibleKeys(missing, unexpected)

    def _state_tensors(self):
        # The live tensors behind state_dict's keys, in the same order.
        tensors = OrderedDict()
        for owner_name, owner in self.named_modules():
            for registry in (owner._parameters, owner._buffers):
                for name, value in registry.items():
                    if value is not None and name not in owner._non_persistent:
                        tensors[f"{owner_name}.{name}" if owner_name else name] = value
        return tensors

    # --- printing --------------------------------------------------------------
    def extra_repr(self):
        """The text inside the parentheses of this module's repr; layers override it."""
        return ""

    def __repr__(self):
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        for name, child in self._modules.items():
            child_text = repr(child).replace("\n", "\n  ")
            lines.append(f"({name}): {child_text}")
        if not lines:
            return f"{type(self).__name__}()"
        if len(lines) == 1 and not self._modules:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _as_buffer(name, value):
    if value is None or isinstance(value, cr.Tensor):
        return value
    if isinstance(value, (np.ndarray, np.generic, int, float)):
        return cr.tensor(value)
    raise TypeError(f"buffer {name!r}: expected a Tensor, NumPy array or None, got {type(value).__name__}")
