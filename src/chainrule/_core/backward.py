"""The backward pass: reverse-mode accumulation over the recorded graph.

As the lecture notes describe it: start from dJ/dJ = 1 (or the given
cotangent), visit the nodes in reverse topological order, and give each
parent the sum over its children of upstream gradient x local derivative, as
vector-Jacobian products. Nodes are numbered as they are created, so every
node's consumers carry larger numbers: popping the largest number first from a
heap visits each node once, after all its consumers, in one iterative walk
(no recursion, however deep the graph).
"""
import gc
import heapq
from sys import getrefcount

import numpy as np
from numpy import ndarray

from ..tensor import Tensor, hooks_in_use
from . import grad_mode
from .callsite import format_callsite
from .clock import last_write, written_at
from .node import (FREED, PACKED, args_of, conform, describe_failure, kwargs_of, raw_args_of, rule_or_error,
                   vjp, where)
from .primitive import cotangent_times_x, cotangent_times_y, cotangent_unchanged


def backward(root, gradient=None, retain_graph=None, create_graph=False):
    """Accumulate d root / d leaf into ``leaf.grad`` for every leaf that requires grad."""
    _walk(root, gradient, retain_graph, create_graph, inputs=None)


def grad(output, inputs, gradient=None, retain_graph=None, create_graph=False, allow_unused=False):
    """Return d output / d input for each of ``inputs``, leaving every ``.grad`` untouched."""
    inputs = tuple(inputs)
    for t in inputs:
        if not (isinstance(t, Tensor) and t.requires_grad):
            raise RuntimeError("grad: every input must be a Tensor that requires grad")
    found = _walk(output, gradient, retain_graph, create_graph, inputs=inputs)
    grads = []
    for t in inputs:
        g = found.get(id(t))
        if g is None and not allow_unused:
            raise RuntimeError(
                "grad: one of the inputs was not used to compute the output "
                "(pass allow_unused=True to get None for it)")
        grads.append(None if g is None else _as_tensor(g))
    return tuple(grads)


def _walk(root, gradient, retain_graph, create_graph, inputs):
    if retain_graph is None:
        retain_graph = create_graph
    g = _initial_cotangent(root, gradient, create_graph)
    wanted = None if inputs is None else {id(t): t for t in inputs}
    found = {}
    # The walk only frees graph memory and makes no reference cycles: pausing the
    # collector spares it rescanning the whole graph while it is being taken apart.
    collecting = gc.isenabled()
    gc.disable()
    try:
        _run_walk(root, g, wanted, found, retain_graph, create_graph)
    finally:
        if collecting:
            gc.enable()
    return found


def _run_walk(root, g, wanted, found, retain_graph, create_graph):
    with grad_mode.enable_grad() if create_graph else grad_mode.no_grad():
        if root._op is None:
            leaf_grads = [(root, g)]
        else:
            leaf_grads = _visit_nodes(root, g, wanted, found, retain_graph, create_graph)
        if wanted is None:
            _accumulate_into_leaves(leaf_grads, create_graph, handed_out={id(g)})
        else:
            for leaf, g in leaf_grads:
                if id(leaf) in wanted:
                    found[id(leaf)] = _run_hooks(leaf._hooks, g)


def _initial_cotangent(root, gradient, create_graph):
    if not isinstance(root, Tensor) or not root.requires_grad:
        raise RuntimeError(
            "backward: this tensor does not require grad and has no grad_fn; "
            "create the inputs with requires_grad=True and compute it with grad mode on")
    if gradient is None:
        if root.data.size != 1:
            raise RuntimeError(
                f"backward: a gradient is needed for a non-scalar output of shape {root.shape}: "
                "grad can be implicitly created only for scalar outputs; pass gradient= "
                "with the output's shape")
        g = np.ones(root.shape, root.dtype)
    elif isinstance(gradient, Tensor):
        g = gradient if create_graph else gradient.data
    else:
        g = np.asarray(gradient, dtype=root.dtype)
    if g.shape != root.shape:
        raise RuntimeError(
            f"backward: gradient has shape {g.shape} but the output has shape {root.shape}; "
            "expected the same shape")
    # Under create_graph the cotangents are Tensors, so the rules record a graph.
    return Tensor._wrap(g) if create_graph and not isinstance(g, Tensor) else g


class _Walks:
    __slots__ = ("running",)

    def __init__(self):
        self.running = 0   # backward passes in progress: more than one when a hook or rule starts one


_walks = _Walks()
_FIRST_TWO = (None, (0,), (0, 1))   # argument numbers of a node with one or two arguments


def _visit_nodes(start, g, wanted, found, retain_graph, create_graph):
    """Visit every node behind ``start`` once, after all its consumers, sending
    cotangents back; return (leaf, summed cotangent) for each leaf reached."""
    # A tensor reached by the walk keeps the sum of the cotangents sent to it so
    # far in its `_g` slot until it is visited (a leaf: until the walk ends). The
    # next node to visit is the pending one with the largest tick. The node
    # reached last waits in `reached`, the others in a heap of negated ticks
    # (heapq pops the smallest; plain ints compare fastest) and in `waiting` by
    # negated tick: in a chain the node reached last is always the next one, and
    # the heap is never used.
    leaves = []
    reached = None
    heap, waiting = [], {}
    pop, push = heapq.heappop, heapq.heappush
    plain = not create_graph   # the rules run on raw values, recording nothing
    hooked = hooks_in_use.ever
    # A pass started by a hook or rule during another one may reach tensors that
    # the other has pending: it sets their sums aside and gives them back.
    set_aside = {id(start): (start, start._g)} if _walks.running else None
    _walks.running += 1
    node = start
    node._g = g
    try:
        while True:
            g = node._g
            node._g = None
            if hooked and node._hooks is not None:
                g = _run_hooks(node._hooks, g)
                if node._retains_grad:
                    _set_retained_grad(node, g)
            if wanted is not None and id(node) in wanted:
                found[id(node)] = g
            n = node._nargs
            if last_write.at > node._seq and n != FREED:
                _check_unchanged(node)
            if n < PACKED and plain:
                # One or two arguments and no keywords, the bulk of any graph: the
                # rules are called right here, on the saved raw values.
                rules = node._op.vjps
                rx, ry = node._rx, node._ry
                argnums = _FIRST_TWO[n]
            else:
                if n == FREED:
                    raise RuntimeError(
                        f"backward: trying to backward through the graph a second time (op "
                        f"{node._op.name!r}); its saved values were freed after the first backward. "
                        "Specify retain_graph=True on the first backward if you need to backward twice")
                rules = None
                args, raw, kwargs = args_of(node), raw_args_of(node), kwargs_of(node) or {}
                argnums = range(len(args))
            for argnum in argnums:
                if rules is None:
                    arg = args[argnum]
                elif argnum:
                    arg, target = node._y, ry
                else:
                    arg, target = node._x, rx
                if not (isinstance(arg, Tensor) and arg.requires_grad):
                    continue
                if rules is None:
                    gi = vjp(node, argnum, g, create_graph, raw, kwargs)
                else:
                    rule = rules[argnum] or rule_or_error(node, argnum)
                    try:
                        # The commonest rules are computed here, without a call.
                        if rule is cotangent_unchanged:   # d ans / d arg = 1
                            gi = g
                        elif rule is cotangent_times_y:
                            gi = g * ry
                        elif rule is cotangent_times_x:
                            gi = g * rx
                        else:
                            gi = rule(g, node.data, rx, ry) if n == 2 else rule(g, node.data, rx)
                        # Conform the cotangent unless it visibly has its argument's shape and
                        # dtype: a value of the argument's own type that is not an array (raw
                        # values here are arrays or NumPy scalars), or an array of its shape and dtype.
                        kind = type(gi)
                        if kind is not type(target) or kind is ndarray:
                            if kind is not ndarray or gi.shape != target.shape or gi.dtype is not target.dtype:
                                gi = conform(gi.data if isinstance(gi, Tensor) else gi, target)
                    except Exception as err:
                        raise RuntimeError(describe_failure(node, argnum, g, err)) from err
                total = arg._g
                if total is not None and (set_aside is None or id(arg) in set_aside):
                    arg._g = total + gi   # gradients add at branches
                    continue
                if set_aside is not None:
                    set_aside[id(arg)] = (arg, total)
                arg._g = gi
                if arg._op is None:
                    leaves.append(arg)
                    continue
                if reached is not None:
                    key = -reached._seq
                    push(heap, key)
                    waiting[key] = reached
                reached = arg
            # Free what the node saved: the graph's memory goes now. A node that only
            # this loop holds goes whole when the loop moves on; one that lives on (the
            # root, a tensor the caller kept) must drop its saved values itself.
            if not retain_graph and getrefcount(node) > 2:   # `node` and the call's own
                node._nargs = FREED
                node._x = node._y = node._rx = node._ry = None
            if reached is not None and (not heap or reached._seq > -heap[0]):
                node, reached = reached, None
            elif heap:
                node = waiting.pop(pop(heap))
            else:
                return [(leaf, leaf._g) for leaf in leaves]
    finally:
        # Leave no sums behind, also when a rule or hook failed halfway.
        for t in leaves:
            t._g = None
        for t in waiting.values():
            t._g = None
        if reached is not None:
            reached._g = None
        if set_aside is not None:
            for t, total in set_aside.values():
                t._g = total
        _walks.running -= 1


def _check_unchanged(node):
    for argnum, arg in enumerate(args_of(node)):
        if isinstance(arg, Tensor) and written_at(arg) > node._seq:
            _raise_modified(node, f"argument {argnum}", arg._version)
    if node._written_at > node._seq:
        _raise_modified(node, "its output", "later")


def _raise_modified(node, which, version):
    raise RuntimeError(
        f"backward: one of the values needed for gradient computation has been modified by an "
        f"in-place operation: {which} of op {node._op.name!r} (created at "
        f"{format_callsite(where(node))}) was changed after the op saved it (now at version "
        f"{version}). Compute the gradient before changing it, or change a copy instead")


def _run_hooks(hooks, g):
    for hook in hooks or ():
        replaced = hook(_as_tensor(g))
        if replaced is not None:
            g = replaced if isinstance(g, Tensor) else _raw(replaced)
    return g


def _set_retained_grad(tensor, g):
    tensor.grad = _as_tensor(g) if tensor.grad is None else tensor.grad + g


def _accumulate_into_leaves(leaf_grads, create_graph, handed_out):
    for leaf, g in leaf_grads:
        if leaf._hooks is not None:
            g = _run_hooks(leaf._hooks, g)
        if leaf.grad is None:
            leaf.grad = _as_tensor(g if create_graph else _owned(g, handed_out))
        elif create_graph or leaf.grad.requires_grad:
            leaf.grad = leaf.grad + g
        else:
            leaf.grad.data = leaf.grad.data + _raw(g)


def _owned(g, handed_out):
    # Each .grad must own its array, since optimizers and clip_grad_norm_ write
    # into it: copy a cotangent that already reached another leaf (the rule of
    # add passes g through), a read-only broadcast, or a view of memory held
    # elsewhere. A view whose base nothing else holds (the transpose of a fresh
    # matmul result, as for x @ W.T) is kept as it is: copying it is the cost
    # of a weight gradient arriving transposed. The base's count of 2 is the
    # view's reference plus getrefcount's own argument.
    g = np.asarray(g)
    if (id(g) in handed_out or not g.flags.writeable
            or (g.base is not None and getrefcount(g.base) > 2)):
        g = g.copy()
    handed_out.add(id(g))
    return g


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._wrap(g)


def _raw(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)
