"""The graph behind a tensor, as the pictures and the explain report see it.

Collects the operation nodes and the leaf tensors that feed them, gives every
one a short name (the user's where there is one) and says what each node
computes (``q = x + y``). Walks iteratively, like the backward pass, so deep
graphs are fine.
"""

from ..tensor import Tensor
from .values import format_value

# Names for unnamed nodes, as the lecture notes write them: q = x + y, f = q * z.
_NODE_NAMES = "q r s t u v a b c d e g h k m n p".split()
_LEAF_NAMES = "a b c d e g h k m n p".split()
_INFIX = {"add": "+", "sub": "-", "mul": "*", "div": "/", "power": "**", "matmul": "@"}


class Graph:
    """The nodes (in the order backprop visits them) and leaves behind ``root``."""

    def __init__(self, root, names=None):
        if not isinstance(root, Tensor):
            raise TypeError(f"expected a chainrule Tensor, got {type(root).__name__}")
        self.root = root
        self.nodes, self.leaves = _collect(root)
        self.freed = root.grad_fn is not None and root.grad_fn.is_freed
        self.names = _assign_names(self, names or {})  # key(item) -> name

    def name(self, item):
        """The name of a node or a leaf tensor."""
        return self.names[key(item)]

    @property
    def root_name(self):
        return self.name(self.root.grad_fn or self.root)

    def parents(self, node):
        """``(argnum, tensor)`` for each Tensor argument of ``node``."""
        return [(i, a) for i, a in enumerate(node.inputs) if isinstance(a, Tensor)]

    def item_of(self, tensor):
        """The node that made ``tensor``, or the tensor itself for a leaf."""
        return tensor.grad_fn or tensor

    def formula(self, node):
        """What ``node`` computes, in its parents' names: ``x + y``, ``exp(u)``."""
        args = [self._arg_text(a) for a in node.inputs]
        if node.name in _INFIX and len(args) == 2 and not node.kwargs:
            return f"{args[0]} {_INFIX[node.name]} {args[1]}"
        if node.name == "neg":
            return f"-{args[0]}"
        if node.name == "getitem" and len(args) == 2:
            return f"{args[0]}[{format_value(node.inputs[1])}]"
        # Keyword arguments left at None/False (axis=None, keepdims=False) say nothing.
        args += [f"{k}={v!r}" for k, v in (node.kwargs or {}).items() if v is not None and v is not False]
        return f"{node.name}({', '.join(args)})"

    def _arg_text(self, arg):
        if isinstance(arg, Tensor):
            return self.name(self.item_of(arg))
        return format_value(arg)


def key(item):
    # Nodes are hashable by identity; Tensors overload ==, so key them by id.
    return ("tensor", id(item)) if isinstance(item, Tensor) else item


def _collect(root):
    """Operation nodes by decreasing ``seq`` and leaves in order of first use."""
    nodes, leaves = {}, {}
    stack = [root.grad_fn] if root.grad_fn is not None else []
    if root.grad_fn is None:
        leaves[id(root)] = (-1, 0, root)
    while stack:
        node = stack.pop()
        if node in nodes:
            continue
        nodes[node] = None
        for i, arg in enumerate(node.inputs):
            if not isinstance(arg, Tensor):
                continue
            if arg.grad_fn is not None:
                stack.append(arg.grad_fn)
            elif id(arg) not in leaves or leaves[id(arg)][:2] > (node.seq, i):
                leaves[id(arg)] = (node.seq, i, arg)
    ordered_nodes = sorted(nodes, key=lambda n: -n.seq)
    ordered_leaves = [t for _, _, t in sorted(leaves.values(), key=lambda e: e[:2])]
    return ordered_nodes, ordered_leaves


def _assign_names(graph, names):
    """User names first (``names=`` then ``Tensor.name``), then fresh letters."""
    assigned = {}
    for name, tensor in dict(names).items():
        if isinstance(tensor, Tensor):
            assigned.setdefault(key(graph.item_of(tensor)), str(name))
    for leaf in graph.leaves:
        if leaf.name:
            assigned.setdefault(key(leaf), leaf.name)
    for node in graph.nodes:
        if node.output.name:
            assigned.setdefault(node, node.output.name)
    if graph.root.name:
        assigned.setdefault(key(graph.item_of(graph.root)), graph.root.name)
    taken = set(assigned.values())
    root = key(graph.item_of(graph.root))
    if root not in assigned:
        assigned[root] = _fresh(["f", "out", "L"], taken)
    for leaf in graph.leaves:
        if key(leaf) not in assigned:
            assigned[key(leaf)] = _fresh(_LEAF_NAMES, taken, "x")
    for node in reversed(graph.nodes):  # in forward order: the first node made is q
        if node not in assigned:
            assigned[node] = _fresh(_NODE_NAMES, taken, "n")
    return assigned


def _fresh(pool, taken, prefix="n"):
    name = next((n for n in pool if n not in taken), None)
    counter = 1
    while name is None or name in taken:
        name, counter = f"{prefix}{counter}", counter + 1
    taken.add(name)
    return name
