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
from ._core.pytree import flatten, unflatten
from .factories import as_array
from .tensor import Tensor

# How many reverse transforms are running: inside one, inner results must keep
# their graph so that the outer transform can differentiate through them.
_active = {"reverse": 0}


# --- reverse mode ------------------------------------------------------------
def vjp(f, *primals):
    """``(f(*primals), vjp_fn)`` where ``vjp_fn(cotangent)`` returns, for each
    primal, the cotangent pulled back through f: the vector-Jacobian product."""
    keep_graph = _keep_graph(primals)
    leaves, structures = _reverse_inputs(primals)
    out = _call_reverse(f, [unflatten(s, l) for s, l in zip(structures, leaves)])

    def vjp_fn(cotangent):
        flat = [leaf for group in leaves for leaf in group]
        outputs, outputs_structure = flatten(out)
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
        (value, aux), gradient = _split_aux(value_and_gradient(*args, **kwargs), has_aux)
        return (gradient, aux) if has_aux else gradient

    return wrapped


def _split_aux(result, has_aux):
    value_part, gradient = result
    return (value_part if has_aux else (value_part, None)), gradient


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
    _active["reverse"] += 1
    try:
        with enable_grad():
            return f(*args, **(kwargs or {}))
    finally:
        _active["reverse"] -= 1


def _keep_graph(args):
    """Whether results must record a graph: inside another reverse transform, or
    when an argument already requires grad (a graph the caller records)."""
    flat = flatten(list(args))[0]
    return _active["reverse"] > 0 or any(isinstance(x, Tensor) and x.requires_grad for x in flat)


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
    level = forward.new_level()
    args = []
    for primal, tangent in zip(primals, tangents):
        p_flat, structure = flatten(primal)
        t_flat, _ = flatten(tangent)
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


def _tangent_at(value, level):
    dual = _dual_in(value, level)
    return np.zeros(np.shape(_raw(value))) if dual is None else dual.tangent


def _dual_in(value, level):
    """The Dual of ``level`` that ``value`` is, or holds as a Tensor's value, or None."""
    if isinstance(value, Tensor):
        value = value.data
    return value if isinstance(value, Dual) and value.level == level else None


def _batched_jvp(f, x, directions):
    """f(x) and the tangents of f along each of ``directions`` (stacked on axis 0), in one pass."""
    level = forward.new_level()
    out = f(Dual(_forward_primal(x), directions, level))
    return _primal_at(out, level), _tangent_at_batched(out, level, len(directions))


def _tangent_at_batched(value, level, n):
    dual = _dual_in(value, level)
    return np.zeros((n,) + np.shape(_raw(value))) if dual is None else dual.tangent


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
    them). ``"auto"`` evaluates f once to learn m, and picks forward mode when
    n <= m, reverse mode otherwise: the notes' rule that the cheaper mode is the
    one whose passes are fewer.
    """
    if mode not in ("auto", "forward", "reverse"):
        raise ValueError(f"jacobian: mode must be 'auto', 'forward' or 'reverse', got {mode!r}")
    return _jacobian(f, argnums, mode)


def _jacobian(f, argnums, mode):
    def jac(*args):
        x = args[argnums]

        def f_of_x(value):
            call_args = list(args)
            call_args[argnums] = value
            return f(*call_args)

        chosen = mode
        if mode == "auto":
            m = int(np.size(_raw(f_of_x(_forward_primal(x)))))
            chosen = "forward" if np.size(_raw(x)) <= m else "reverse"
        if chosen == "forward":
            return _jac_forward(f_of_x, x)
        return _jac_reverse(f_of_x, x)

    return jac


def _jac_forward(f, x):
    shape = np.shape(_raw(x))
    n = int(np.prod(shape))
    directions = np.eye(n, dtype=_float_dtype(x)).reshape((n,) + shape)
    out, tangents = _batched_jvp(f, x, directions)
    out_shape = np.shape(_raw(out))
    # tangents[k] is d out / d x_k: move the direction axis behind the output's.
    jac = _moveaxis_to_end(tangents, len(out_shape))
    return _as_outputs(_reshape(jac, out_shape + shape), x)


def _jac_reverse(f, x):
    keep_graph = _keep_graph([x])
    leaf = _reverse_leaf(x)
    out = _call_reverse(f, [leaf])
    out_shape = np.shape(_raw(out))
    rows = []
    for k in np.ndindex(out_shape):
        cotangent = np.zeros(out_shape)
        cotangent[k] = 1.0
        rows.append(_pull_back([out], [cotangent], [leaf], keep_graph)[0])
    jac = _stack(rows) if rows else np.zeros((0,) + np.shape(_raw(x)))
    return _like(_reshape(jac, out_shape + np.shape(_raw(x))), x)


def hessian(f, argnums=0):
    """The Hessian of scalar-valued f: forward over reverse, ``jacfwd(jacrev(f))``."""
    return jacfwd(jacrev(f, argnums), argnums)


def hvp(f, primals, tangents):
    """``(f(*primals), H t)``: the Hessian-vector product by forward over reverse,
    without forming the Hessian."""
    _, tangent = jvp(grad(f, argnums=tuple(range(len(primals)))), primals, tangents)
    return _as_outputs(f(*primals), flatten(primals)[0][0]), tangent


# --- values in and out -----------------------------------------------------------
def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _raw_value(x):
    """A leaf as a raw array (Tensors unwrapped, Python numbers as arrays)."""
    if isinstance(x, Dual):
        return x
    return as_array(x.data if isinstance(x, Tensor) else x) if not isinstance(x, np.ndarray) else x


def _float_dtype(x):
    dtype = np.asarray(_raw(x) if not isinstance(_raw(x), Dual) else _raw(x).primal).dtype
    return dtype if np.issubdtype(dtype, np.floating) else np.float64


def _zeros_like(x):
    return np.zeros(np.shape(_raw(x)))


def _like(value, example):
    """``value`` in the array type of ``example``: a Tensor for a Tensor input,
    a NumPy array (or scalar) otherwise. A value that still records a graph for
    an outer transform, or carries a tangent for one, is kept as it is."""
    if isinstance(value, Tensor):
        outer = _active["reverse"] > 0 or (isinstance(example, Tensor) and example.requires_grad)
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
    return unflatten(structure, [_like(v, example) if isinstance(v, Tensor) else v for v in flat])


def _moveaxis_to_end(a, n_out):
    axes = tuple(range(1, 1 + n_out)) + (0,)
    return a.transpose(axes) if hasattr(a, "transpose") and not isinstance(a, np.ndarray) \
        else np.transpose(a, axes)


def _reshape(a, shape):
    return a.reshape(shape)


def _stack(rows):
    if any(isinstance(r, (Tensor, Dual)) for r in rows):
        from .ops import stack
        return stack(rows)
    return np.stack(rows)
