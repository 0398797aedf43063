"""Grad mode: whether operations record the graph. The engine's only global state.

Like PyTorch's, the flag is process-wide here (not per thread): chainrule runs
its graph in the calling thread and keeps the check to one attribute read.
"""
import functools


class _GradMode:
    __slots__ = ("enabled",)

    def __init__(self):
        self.enabled = True


state = _GradMode()


def is_grad_enabled():
    """True when operations on tensors that require grad record the graph."""
    return state.enabled


class _SetGradEnabled:
    """Context manager and decorator that sets grad mode, restoring it on exit."""

    _mode = True

    def __enter__(self):
        self._previous = state.enabled
        state.enabled = self._mode
        return self

    def __exit__(self, *exc_info):
        state.enabled = self._previous
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_SetGradEnabled):
    """Operations inside record no graph: results never require grad.

    Use as ``with cr.no_grad():`` or as a decorator ``@cr.no_grad()``.
    """

    _mode = False


class enable_grad(_SetGradEnabled):
    """Turn graph recording back on inside a ``no_grad`` block."""

    _mode = True
