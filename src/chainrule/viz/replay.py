"""The backward pass again, step by step, keeping what the engine throws away.

The engine sums the cotangents arriving at a node and forgets where they came
from. To show the notes' tables we redo the walk on the saved graph (it must
still hold its values) with the same rules, and record per edge: the upstream
gradient that a child sends (child-bar x local derivative) and the local
derivative itself.
"""
import numpy as np

from ..tensor import Tensor
from .graph import key

# Ops whose Jacobian is diagonal: the local derivative is an array of the output's shape.
ELEMENTWISE = frozenset(
    "add sub mul div neg power exp log log1p expm1 sqrt square abs sign sin cos tan tanh "
    "sigmoid relu softplus clip maximum minimum where".split())


class Step:
    """One node of the backward pass (an op node or a leaf)."""

    def __init__(self, item):
        self.item = item
        self.upstream = {}  # child (node) -> cotangent it sent here
        self.local = {}     # key(parent) -> local derivative, or None when only a VJP exists
        self.grad = None    # the sum of ``upstream`` (or the seed at the root)


def replay(graph, seed):
    """Steps for every node (by decreasing seq), then every leaf that requires grad."""
    if graph.freed:
        raise RuntimeError(
            "the graph behind this tensor was freed by backward(); call backward(retain_graph=True) "
            "to keep it, or look at it before backward")
    root = graph.item_of(graph.root)
    steps = {key(root): Step(root)}
    steps[key(root)].grad = np.asarray(seed)
    for node in graph.nodes:
        step = steps[node]
        if step.grad is None:
            step.grad = sum(step.upstream.values())
        for argnum, parent in graph.parents(node):
            if parent.requires_grad:
                _send(step, steps, graph.item_of(parent), argnum)
    leaves = [leaf for leaf in graph.leaves if leaf.requires_grad]
    for leaf in leaves:
        step = steps[key(leaf)]
        if step.grad is None:
            step.grad = sum(step.upstream.values())
    return [steps[key(item)] for item in graph.nodes + leaves]


def _send(step, steps, parent, argnum):
    """Record the edge from ``parent`` into ``step``'s node, both ways."""
    node = step.item
    target = steps.setdefault(key(parent), Step(parent))
    sent = edge_cotangent(node, argnum, step.grad)
    # An argument used twice (x * x) gets the sum of both edges.
    target.upstream[node] = target.upstream[node] + sent if node in target.upstream else sent
    local = local_derivative(node, argnum)
    previous = step.local.get(key(parent), 0)
    step.local[key(parent)] = None if local is None or previous is None else previous + local


def edge_cotangent(node, argnum, g):
    """What ``node`` sends back to argument ``argnum``: g x d node / d arg, as the engine computes it."""
    return np.asarray(node.vjp(argnum, g))


def local_derivative(node, argnum):
    """d node / d arg as an array, where it is one: for scalar outputs (the
    gradient of the output) and for elementwise ops (the diagonal of the
    Jacobian); None otherwise (only the VJP is defined)."""
    ones = np.ones_like(node.ans)
    if np.size(node.ans) == 1:
        return edge_cotangent(node, argnum, ones)
    if node.name in ELEMENTWISE:
        return _raw(node.prim.vjp_rule(argnum)(ones, node.ans, *node.raw, **node.kwargs))
    return None


def _raw(value):
    return np.asarray(value.data if isinstance(value, Tensor) else value)
