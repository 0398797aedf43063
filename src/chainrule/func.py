"""Functional transforms in the style of JAX: grad, vjp, jvp, jacobians, Hessians.

All are thin layers over the two ways of applying the chain rule: ``vjp``
(reverse mode: one backward pass per output direction, through
``chainrule.autograd.grad``) and ``jvp`` (forward mode: one forward pass
carrying tangents, through ``chainrule._core.forward``). Arguments and results
may be NumPy arrays, Python floats, Tensors or pytrees of them (nested dicts,
lists, tuples); results come back in the structure and array type of the
inputs. Transforms nest: ``grad(grad(f))``, ``jacfwd(jacrev(f))``.
"""
import numpy as np

from ._core import forward
from ._core.grad_mode import enable_grad
from ._core.backward import grad as _tensor_grad
from ._core.forward import Dual
from ._core.node import nodes_behind
from ._core.pytree import flatten, unflatten
from .factories import as_array
from .ops import stack
from .tensor import Tensor


# --- reverse mode ------------------------------------------------------------
def vjp(f, *primals):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(cotangent)`` returns, for each
    primal, the cotangent pulled back through f: the vector-Jacobian product."""
    keep_graph = _keep_graph(primals)
    leaves, structures = _reverse_inputs(primals)
    out = _call_reverse(f, [unflatten(s, l) for s, l in zip(structures, leaves)])

    def vjp_fn(cotangent):
        flat = [leaf for group in leaves for leaf in group]
        outputs, _ = flatten(out)
        cotangents, _ = flatten(cotangent)
        grads = _pull_back(outputs, cotangents, flat, keep_graph)
        pieces, start = [], 0
        for structure, group, primal in zip(structures, leaves, primals):
            part = grads[start:start + len(group)]
            start += len(group)
            pieces.append(unflatten(structure, [_like(g, p) for g, p in zip(part, flatten(primal)[0])]))
        return tuple(pieces)

    return _as_outputs(out), vjp_fn


def value_and_grad(f, argnums=0, has_aux=False):
    """A function returning ``(f(*args), gradient)``; with ``has_aux`` f returns
    ``(value, aux)`` and the result is ``((value, aux), gradient)``. The
    gradient is taken with respect to the arguments ``argnums`` (an int, or a
    tuple for a tuple of gradients). f must return a single number."""
    single = isinstance(argnums, int)
    nums = (argnums,) if single else tuple(argnums)

    def wrapped(*args, **kwargs):
        chosen = [args[i] for i in nums]
        keep_graph = _keep_graph(args)
        leaves, structures = _reverse_inputs(chosen)
        call_args = list(args)
        for i, structure, group in zip(nums, structures, leaves):
            call_args[i] = unflatten(structure, group)
        result = _call_reverse(f, call_args, kwargs)
        value, aux = result if has_aux else (result, None)
        if np.size(_raw(value)) != 1:
            raise ValueError(
                f"grad: f must return a single number (a scalar), got a value of shape "
                f"{np.shape(_raw(value))}; use jacrev or vjp for non-scalar outputs")
        flat = [leaf for group in leaves for leaf in group]
        grads = _pull_back([value], [np.ones(np.shape(_raw(value)))], flat, keep_graph)
        out, start = [], 0
        for structure, group, arg in zip(structures, leaves, chosen):
            part = grads[start:start + len(group)]
            start += len(group)
            out.append(unflatten(structure, [_like(g, a) for g, a in zip(part, flatten(arg)[0])]))
        gradient = out[0] if single else tuple(out)
        value = _as_outputs(value)
        return ((value, aux) if has_aux else value), gradient

    return wrapped


def grad(f, argnums=0, has_aux=False):
    """The gradient of scalar-valued ``f`` with respect to argument ``argnums``
    (by reverse mode); with ``has_aux``, returns ``(gradient, aux)``."""
    value_and_gradient = value_and_grad(f, argnums, has_aux)

    def wrapped(*args, **kwargs):
        value, gradient = value_and_gradient(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient

    return wrapped


def _reverse_inputs(args):
    """Leaf Tensors that require grad for every leaf of every argument."""
    leaves, structures = [], []
    for arg in args:
        flat, structure = flatten(arg)
        leaves.append([_reverse_leaf(x) for x in flat])
        structures.append(structure)
    return leaves, structures


def _reverse_leaf(x):
    if isinstance(x, Tensor) and x.requires_grad:
        return x  # part of a graph the caller records: differentiate through it
    if isinstance(x, Dual):
        return Tensor._wrap(x).requires_grad_()  # forward over reverse: values are Duals
    return Tensor._wrap(as_array(x.data if isinstance(x, Tensor) else x)).requires_grad_()


def _call_reverse(f, args, kwargs=None):
    # A transform records its own graph whatever the caller's grad mode, as torch.func does.
    # Its level tells ops that meet a Dual which transform was entered last.
    forward.reverse_levels.append(forward.new_level())
    try:
        with enable_grad():
            return f(*args, **(kwargs or {}))
    finally:
        forward.reverse_levels.pop()


def _keep_graph(args):
    """Whether results must record a graph: inside another reverse transform, or
    when an argument already requires grad (a graph the caller records)."""
    flat = flatten(list(args))[0]
    return bool(forward.reverse_levels) or any(isinstance(x, Tensor) and x.requires_grad for x in flat)


def _pull_back(outputs, cotangents, inputs, keep_graph):
    """Sum over outputs of d output / d input weighted by each output's cotangent;
    with ``keep_graph`` the result records a graph of its own (for an outer transform)."""
    totals = [None] * len(inputs)
    for out, cotangent in zip(outputs, cotangents):
        if not (isinstance(out, Tensor) and out.requires_grad):
            continue  # does not depend on the inputs
        grads = _tensor_grad(out, inputs, gradient=_raw(cotangent), retain_graph=True,
                             create_graph=keep_graph, allow_unused=True)
        totals = [g if t is None else (t if g is None else t + g) for t, g in zip(totals, grads)]
    return [_zeros_like(x) if t is None else t for t, x in zip(totals, inputs)]


# --- forward mode ------------------------------------------------------------
def jvp(f, primals, tangents):
    """``(f(*primals), J t)``: the output and its tangent, by forward mode.

    One forward pass carries the tangents along with the values; no graph is
    recorded and nothing is kept for a backward pass. ``primals`` and
    ``tangents`` are tuples (one entry per argument of f) of matching pytrees.
    """
    if len(primals) != len(tangents):
        raise ValueError(f"jvp: got {len(primals)} primals but {len(tangents)} tangents; "
                         "expected one tangent per primal")
    level = forward.new_level()
    args = []
    for argnum, (primal, tangent) in enumerate(zip(primals, tangents)):
        p_flat, structure = flatten(primal)
        t_flat, _ = flatten(tangent)
        for p, t in zip(p_flat, t_flat):
            if np.shape(p) != np.shape(t):
                raise ValueError(f"jvp: the tangent of argument {argnum} has shape {np.shape(t)}, "
                                 f"expected the shape of its primal, {np.shape(p)}")
        args.append(unflatten(structure, [Dual(_forward_primal(p), _raw_value(t), level)
                                          for p, t in zip(p_flat, t_flat)]))
    out = f(*args)
    out_flat, structure = flatten(out)
    values = [_primal_at(o, level) for o in out_flat]
    tangents_out = [_tangent_at(o, level) for o in out_flat]
    like = flatten(primals[0])[0][0] if primals else None
    return (_as_outputs(unflatten(structure, values), like),
            _as_outputs(unflatten(structure, tangents_out), like))


def _forward_primal(x):
    if isinstance(x, Tensor) and (x.requires_grad or isinstance(x.data, Dual)):
        return x  # reverse over forward: the primal keeps its graph
    return _raw_value(x)


def _primal_at(value, level):
    dual = _dual_in(value, level)
    return value if dual is None else dual.primal


def _tangent_at(value, level, batch=()):
    """The tangent of ``value`` at ``level``: zeros where it does not depend on that level's inputs."""
    dual = _dual_in(value, level)
    return np.zeros(batch + np.shape(_raw(value))) if dual is None else dual.tangent


def _dual_in(value, level):
    """The Dual of ``level`` that ``value`` is, or holds as a Tensor's value, or None."""
    if isinstance(value, Tensor):
        value = value.data
    return value if isinstance(value, Dual) and value.level == level else None


# --- Jacobians and Hessians ----------------------------------------------------
def jacfwd(f, argnums=0):
    """The Jacobian of f (shape ``out.shape + in.shape``) by forward mode: one
    vectorised pass pushing all n input directions at once."""
    return _jacobian(f, argnums, "forward")


def jacrev(f, argnums=0):
    """The Jacobian of f (shape ``out.shape + in.shape``) by reverse mode: one
    backward pass per output element, through one recorded graph."""
    return _jacobian(f, argnums, "reverse")


def jacobian(f, argnums=0, mode="auto"):
    """The Jacobian of f with respect to argument ``argnums``, shaped
    ``out.shape + in.shape``.

    ``mode="forward"`` costs one forward pass carrying n directions (n the
    input size), ``"reverse"`` one backward pass per output element (m of
    them). ``"auto"`` records f once and estimates both costs from the
    recorded operations (see :func:`_cheaper_mode`); if reverse mode wins, the
    recorded graph is the one it pulls back through, so nothing is wasted. The
    choice is remembered for later calls with arguments of the same shapes.

    With a tuple ``argnums``, or pytrees as argument or result, the Jacobian
    is nested as in JAX: the output's structure, each leaf holding the input's
    structure of blocks ``out_leaf.shape + in_leaf.shape``.
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
    return _jacobian(f, argnums, mode)


def _jacobian(f, argnums, mode):
    # auto's choice for each combination of argument shapes seen so far: the
    # cost estimate depends on shapes only, so a second call pays nothing for it.
    chosen = {}
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)

    def jac(*args):
        x = args[argnums] if isinstance(argnums, int) else tuple(args[i] for i in nums)
        leaves, structure = flatten(x)

        def f_of_leaves(*values):
            value = unflatten(structure, values)
            call_args = list(args)
            for i, v in zip(nums, (value,) if isinstance(argnums, int) else value):
                call_args[i] = v
            return f(*call_args)

        key = tuple(np.shape(leaf) for leaf in flatten(list(args))[0])
        if mode == "forward" or chosen.get(key) == "forward":
            return _jac_forward(f_of_leaves, leaves, structure)
        graph = _record(f_of_leaves, leaves)
        if mode == "auto" and key not in chosen:
            chosen[key] = _cheaper_mode(flatten(graph[1])[0], sum(np.size(_raw(x)) for x in leaves))
            if chosen[key] == "forward":
                return _jac_forward(f_of_leaves, leaves, structure)
        return _jac_reverse(graph, leaves, structure)

    return jac


def _jac_forward(f, leaves, structure):
    shapes = [np.shape(_raw(x)) for x in leaves]
    bounds = np.cumsum([0] + [int(np.prod(shape)) for shape in shapes])
    n = int(bounds[-1])
    # Direction k is the k-th unit vector of all inputs' entries taken together.
    eye = np.eye(n, dtype=np.result_type(*[_float_dtype(x) for x in leaves]))
    level = forward.new_level()
    duals = [Dual(_forward_primal(x), eye[:, a:b].reshape((n,) + shape), level)
             for x, shape, a, b in zip(leaves, shapes, bounds[:-1], bounds[1:])]
    out_leaves, out_structure = flatten(f(*duals))
    blocks = []
    for out in out_leaves:
        out_shape = np.shape(_raw(_primal_at(out, level)))
        # tangent[k] is d out / d (entry k): move the direction axis behind the output's.
        tangent = _tangent_at(out, level, (n,)).transpose(tuple(range(1, 1 + len(out_shape))) + (0,))
        blocks.append(unflatten(structure, [
            _like((tangent if len(leaves) == 1 else tangent[..., a:b]).reshape(out_shape + shape), x)
            for x, shape, a, b in zip(leaves, shapes, bounds[:-1], bounds[1:])]))
    return unflatten(out_structure, blocks)


def _record(f, leaves):
    """f's graph for reverse mode: (leaf Tensors standing for the inputs, f's
    output, whether results keep a graph)."""
    keep_graph = _keep_graph(leaves)
    tensors = [_reverse_leaf(x) for x in leaves]
    return tensors, _call_reverse(f, tensors), keep_graph


def _jac_reverse(graph, leaves, structure):
    tensors, out, keep_graph = graph
    out_leaves, out_structure = flatten(out)
    blocks = []
    for out_leaf in out_leaves:
        out_shape = np.shape(_raw(out_leaf))
        rows = []   # rows[k][i]: d out_leaf[k] / d leaves[i]
        for k in np.ndindex(out_shape):
            cotangent = np.zeros(out_shape)
            cotangent[k] = 1.0
            rows.append(_pull_back([out_leaf], [cotangent], tensors, keep_graph))
        blocks.append(unflatten(structure, [
            _like((stack([row[i] for row in rows]) if rows else np.zeros((0,) + np.shape(_raw(x))))
                  .reshape(out_shape + np.shape(_raw(x))), x)
            for i, x in enumerate(leaves)]))
    return unflatten(out_structure, blocks)


# Rough costs in nanoseconds, measured on the benchmark's MLP: the fixed Python
# cost of one op in one pass (a forward-mode op builds more than a backward
# step), and the cost of one multiply-add, at matrix-matrix rates for forward
# mode (n directions go through each op together) and at matrix-vector rates
# for reverse mode (one output direction per pass).
_FORWARD_OP_NS, _REVERSE_OP_NS = 60_000, 30_000
_FORWARD_MULADD_NS, _REVERSE_MULADD_NS = 0.1, 0.6


def _cheaper_mode(outs, n):
    """"forward" or "reverse", whichever the recorded graph behind the outputs ``outs`` says is cheaper.

    As in the notes' flop counts: a Jacobian by forward mode is one pass
    pushing n directions through every op, by reverse mode m passes pulling one
    output direction back each; an op's cost per direction is its multiply-adds,
    and every op pays a fixed Python cost once per pass. The graph is already
    recorded (reverse mode reuses it), so only the passes after it count.
    """
    m = sum(int(np.size(_raw(out))) for out in outs)
    nodes = nodes_behind(outs)
    muladds = sum(_multiply_adds(node) for node in nodes)
    forward_cost = len(nodes) * _FORWARD_OP_NS + n * muladds * _FORWARD_MULADD_NS
    reverse_cost = m * (len(nodes) * _REVERSE_OP_NS + muladds * _REVERSE_MULADD_NS)
    return "forward" if forward_cost <= reverse_cost else "reverse"


def _multiply_adds(node):
    """Multiply-adds of one direction through ``node``: a matrix product's
    output size times its inner dimension, otherwise its inputs' and output's sizes."""
    ans_size = int(np.size(_plain_value(node.ans)))
    if node.prim.name == "matmul":
        return ans_size * np.shape(node.raw[0])[-1]
    return ans_size + sum(int(np.size(_plain_value(a))) for a in node.raw if hasattr(a, "shape"))


def _plain_value(value):
    return value.primal if isinstance(value, Dual) else value


def hessian(f, argnums=0):
    """The Hessian of scalar-valued f: forward over reverse, ``jacfwd(jacrev(f))``."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f, primals, tangents):
    """``(f(*primals), H t)``: the Hessian-vector product by forward over reverse
    (a jvp of the gradient), without forming the Hessian. ``primals`` and
    ``tangents`` are tuples, one entry per argument of f; the product comes
    back as a tuple in the same way."""
    value_and_gradient = value_and_grad(f, argnums=tuple(range(len(primals))))
    (value, _), (_, hessian_tangent) = jvp(value_and_gradient, primals, tangents)
    return value, hessian_tangent


# --- values in and out -----------------------------------------------------------
def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _raw_value(x):
    """A leaf as a raw array (Tensors unwrapped, Python numbers as arrays)."""
    if isinstance(x, Dual):
        return x
    return as_array(x.data if isinstance(x, Tensor) else x) if not isinstance(x, np.ndarray) else x


def _float_dtype(x):
    dtype = np.asarray(_plain_value(_raw(x))).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.float64


def _zeros_like(x):
    return np.zeros(np.shape(_raw(x)))


def _like(value, example):
    """``value`` in the array type of ``example``: a Tensor for a Tensor input,
    a NumPy array (or scalar) otherwise. A value that still records a graph for
    an outer transform, or carries a tangent for one, is kept as it is."""
    if isinstance(value, Tensor):
        outer = bool(forward.reverse_levels) or (isinstance(example, Tensor) and example.requires_grad)
        if value.requires_grad and outer:
            return value
        value = value.data
    if isinstance(value, Dual) or isinstance(example, Dual):
        return value
    if isinstance(example, Tensor):
        return Tensor._wrap(value)
    return value


def _as_outputs(tree, example=None):
    """Results of f, unwrapped from Tensors unless an outer transform needs the graph."""
    flat, structure = flatten(tree)
    convert = isinstance(example, Tensor)
    return unflatten(structure, [_like(v, example) if convert or isinstance(v, Tensor) else v for v in flat])
