"""The backward pass: reverse-mode accumulation over the recorded graph.

As the lecture notes describe it: start from dJ/dJ = 1 (or the given
cotangent), visit the nodes in reverse topological order, and give each
parent the sum over its children of upstream gradient x local derivative, as
vector-Jacobian products. Nodes are numbered as they are created, so every
node's consumers carry larger numbers: popping the largest number first from a
heap visits each node once, after all its consumers, in one iterative walk
(no recursion, however deep the graph).
"""
import heapq

import numpy as np

from ..tensor import Tensor
from . import grad_mode
from .callsite import format_callsite
from .unbroadcast import unbroadcast


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
    wanted_nodes = None if inputs is None else {t.grad_fn: t for t in inputs if t.grad_fn is not None}
    found = {}
    leaf_grads = {}
    with grad_mode.enable_grad() if create_graph else grad_mode.no_grad():
        if root.grad_fn is None:
            leaf_grads[id(root)] = [root, g]
        else:
            _visit_nodes(root.grad_fn, g, leaf_grads, wanted_nodes, found, retain_graph, create_graph)
        if inputs is None:
            _accumulate_into_leaves(leaf_grads, create_graph, handed_out={id(g)})
        else:
            for key, (leaf, g) in leaf_grads.items():
                if key in wanted:
                    found[key] = _run_hooks(leaf._hooks, g)
    return found


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


def _visit_nodes(start, g, leaf_grads, wanted_nodes, found, retain_graph, create_graph):
    cotangents = {start: g}
    heap = [(-start.seq, start)]
    while heap:
        node = heapq.heappop(heap)[1]
        g = cotangents.pop(node)
        if node.hooks:
            g = _run_hooks(node.hooks, g)
        if node.retained is not None:
            _set_retained_grad(node.retained(), g)
        if wanted_nodes is not None and node in wanted_nodes:
            found[id(wanted_nodes[node])] = g
        if node.args is None:
            raise RuntimeError(
                f"backward: trying to backward through the graph a second time (op {node.name!r}); "
                "its saved values were freed after the first backward. Specify "
                "retain_graph=True on the first backward if you need to backward twice")
        _check_versions(node)
        for i, arg in enumerate(node.args):
            if not (isinstance(arg, Tensor) and arg.requires_grad):
                continue
            gi = _vjp(node, i, g, create_graph)
            parent = arg.grad_fn
            if parent is None:
                entry = leaf_grads.get(id(arg))
                if entry is None:
                    leaf_grads[id(arg)] = [arg, gi]
                else:
                    entry[1] = entry[1] + gi
            elif parent in cotangents:
                cotangents[parent] = cotangents[parent] + gi
            else:
                cotangents[parent] = gi
                heapq.heappush(heap, (-parent.seq, parent))
        if not retain_graph:
            node.free()


def _vjp(node, argnum, g, create_graph):
    rule = node.prim.vjps.get(argnum)
    if rule is None:
        raise RuntimeError(
            f"backward: op {node.name!r} (created at {format_callsite(node.where)}) has no "
            f"derivative with respect to argument {argnum}")
    target = node.raw[argnum]
    try:
        if create_graph:
            ans = Tensor._wrap(node.ans, node)
            gi = rule(g, ans, *node.args, **node.kwargs)
        else:
            gi = rule(g, node.ans, *node.raw, **node.kwargs)
            if isinstance(gi, Tensor):
                gi = gi.data
        if gi.shape != target.shape:
            gi = unbroadcast(gi, target.shape)
    except Exception as err:
        raise RuntimeError(_describe_vjp_failure(node, argnum, g, err)) from err
    if gi.dtype != target.dtype:
        gi = gi.astype(target.dtype)
    return gi


def _describe_vjp_failure(node, argnum, g, err):
    shapes = ", ".join(str(np.shape(a)) for a in node.raw)
    return (
        f"backward of op {node.name!r} failed for argument {argnum}: {type(err).__name__}: {err}. "
        f"Upstream gradient shape {np.shape(g)}, argument shapes ({shapes}), output shape "
        f"{np.shape(node.ans)}. The op was created at {format_callsite(node.where)}")


def _check_versions(node):
    for argnum, (arg, saved) in enumerate(zip(node.args, node.versions)):
        if saved is not None and arg._version_counter[0] != saved:
            _raise_modified(node, f"argument {argnum}", saved, arg._version_counter[0])
    if node.out_counter[0] != node.out_version:
        _raise_modified(node, "its output", node.out_version, node.out_counter[0])


def _raise_modified(node, which, saved, now):
    raise RuntimeError(
        f"backward: one of the values needed for gradient computation has been modified by an "
        f"in-place operation: {which} of op {node.name!r} (created at "
        f"{format_callsite(node.where)}) was saved at version {saved} and is now at version "
        f"{now}. Compute the gradient before changing it, or change a copy instead")


def _run_hooks(hooks, g):
    for hook in hooks or ():
        replaced = hook(_as_tensor(g))
        if replaced is not None:
            g = replaced if isinstance(g, Tensor) else _raw(replaced)
    return g


def _set_retained_grad(tensor, g):
    if tensor is None:
        return
    tensor.grad = _as_tensor(g) if tensor.grad is None else tensor.grad + g


def _accumulate_into_leaves(leaf_grads, create_graph, handed_out):
    for leaf, g in leaf_grads.values():
        g = _run_hooks(leaf._hooks, g)
        if leaf.grad is None:
            leaf.grad = _as_tensor(g if create_graph else _owned(g, handed_out))
        elif create_graph or leaf.grad.requires_grad:
            leaf.grad = leaf.grad + g
        else:
            leaf.grad.data = leaf.grad.data + _raw(g)


def _owned(g, handed_out):
    # A cotangent can reach two leaves as the same array (the rule of add
    # passes g through); each .grad must own its array, since optimizers and
    # clip_grad_norm_ write into it.
    g = np.asarray(g)
    if g.base is not None or id(g) in handed_out:
        g = g.copy()
    handed_out.add(id(g))
    return g


def _as_tensor(g):
    return g if isinstance(g, Tensor) else Tensor._wrap(np.asarray(g))


def _raw(value):
    return value.data if isinstance(value, Tensor) else np.asarray(value)
