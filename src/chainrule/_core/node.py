"""A node of the computational graph: one application of a primitive.

A node keeps what its derivative rules need (the arguments and the output
value) and nothing that points back at its output Tensor, so a finished graph
holds no reference cycles and is freed by reference counting alone.
"""


class Node:
    __slots__ = (
        "prim", "args", "raw", "kwargs", "ans", "versions", "seq", "where",
        "out_counter", "out_version", "hooks", "retained", "__weakref__",
    )

    def __init__(self, prim, args, raw, kwargs, ans, versions, seq, where):
        self.prim = prim
        self.args = args          # the arguments as given: Tensors and constants
        self.raw = raw            # their raw values at the time of the call
        self.kwargs = kwargs      # non-differentiable keyword arguments (axis, ...)
        self.ans = ans            # the raw output value
        self.versions = versions  # version of each Tensor argument when saved
        self.seq = seq            # creation order: later nodes come later in topological order
        self.where = where        # (file, line) of the user's code that made it
        self.out_counter = None   # the output's version counter, and its version when saved
        self.out_version = 0
        self.hooks = None         # hooks of the output tensor, run on its gradient
        self.retained = None      # weak reference to the output tensor after retain_grad()

    @property
    def name(self):
        """The operation's name, e.g. ``"mul"``."""
        return self.prim.name

    @property
    def inputs(self):
        """The arguments as given (Tensors and constants); empty once freed."""
        return self.args or ()

    @property
    def value(self):
        """The forward value this node computed, or None once the graph is freed."""
        return self.ans

    @property
    def is_freed(self):
        return self.args is None

    @property
    def next_functions(self):
        """The nodes feeding this one (None for leaves and constants), as in PyTorch."""
        return tuple(getattr(a, "grad_fn", None) for a in self.inputs)

    def register_hook(self, fn):
        """Call ``fn(grad)`` with the gradient flowing into this node's output.

        A non-None return value replaces the gradient.
        """
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(fn)

    def free(self):
        self.args = self.raw = self.ans = self.kwargs = None

    def __repr__(self):
        return f"<{self.prim.name} node>"
