"""Forward mode: tangents travel with values through one forward pass.

The lecture notes' forward mode multiplies Jacobians from the right: with a
tangent t attached to each input, every operation also computes J t, its
Jacobian-vector product, from the JVP rules in the primitive registry. Nothing
is recorded and nothing is kept for a backward pass.

A :class:`Dual` pairs a primal value with its tangent. Each ``jvp`` call opens
a new *level*; an operation takes apart the Duals of the highest level among
its arguments (the innermost transform), so the tangents of nested transforms
never mix (no perturbation confusion). Primals may themselves be Duals of
lower levels or Tensors recording a graph (reverse over forward), and a Tensor
may hold a Dual as its value (forward over reverse, as in Hessian-vector
products).

A tangent may carry a batch of directions on leading axes (shape
``batch + primal.shape``), so that a forward-mode Jacobian is one vectorised
pass. Rules that accept such a batch say so (``Primitive.batched_jvp``:
ELEMENTWISE for rules that broadcast, True for rules written for leading
axes); for the others the evaluator applies the rule to one direction at a time.
"""
import itertools

import numpy as np

from ..tensor import ArrayOps, Tensor

_next_level = itertools.count(1).__next__
# Levels of the reverse transforms (grad, vjp, jacrev) running now, innermost last.
# They come from the same counter as forward levels, so the order in which
# transforms were entered is the order of their levels.
reverse_levels = []

# ``Primitive.batched_jvp`` of elementwise ops: their rules broadcast over a batch.
ELEMENTWISE = "elementwise"


class Dual(ArrayOps):
    """A primal value with its tangent, at one forward-mode level."""

    __slots__ = ("primal", "tangent", "level")

    def __init__(self, primal, tangent, level):
        self.primal = primal
        self.tangent = tangent
        self.level = level

    @property
    def shape(self):
        return np.shape(self.primal)

    @property
    def ndim(self):
        return len(np.shape(self.primal))

    @property
    def size(self):
        return int(np.prod(np.shape(self.primal)))

    @property
    def dtype(self):
        return self.primal.dtype if hasattr(self.primal, "dtype") else np.asarray(self.primal).dtype

    def __len__(self):
        return len(self.primal)

    def __repr__(self):
        return f"Dual(primal={self.primal!r}, tangent={self.tangent!r}, level={self.level})"


def new_level():
    """A level for one forward-mode transform, above every level opened before."""
    return _next_level()


def batch_shape(dual):
    """The leading axes of a tangent that hold several directions at once."""
    extra = np.ndim(dual.tangent) - np.ndim(dual.primal)
    return np.shape(dual.tangent)[:extra]


def apply(prim, args, kwargs):
    """Run ``prim`` on arguments among which are Duals: primal and tangent together."""
    level = max(a.level for a in args if type(a) is Dual)
    if reverse_levels and reverse_levels[-1] > level and \
            any(isinstance(a, Tensor) and a.requires_grad for a in args):
        # A Dual captured by a function that a reverse transform entered later is
        # differentiating: that transform is the inner one and records first,
        # with this op's value computed in forward mode (a Tensor holding a Dual).
        return prim(*[Tensor._wrap(a) if type(a) is Dual else a for a in args], **kwargs)
    primals = [a.primal if type(a) is Dual and a.level == level else a for a in args]
    ans = prim(*primals, **kwargs)
    tangent = None
    for argnum, a in enumerate(args):
        if type(a) is Dual and a.level == level:
            contribution = _jvp(prim, argnum, a, ans, primals, kwargs)
            tangent = contribution if tangent is None else tangent + contribution
    batch = next(batch_shape(a) for a in args if type(a) is Dual and a.level == level)
    if np.shape(tangent) != batch + np.shape(ans):
        tangent = _ops.broadcast_to(tangent, batch + np.shape(ans))
    return Dual(ans, tangent, level)


def _jvp(prim, argnum, dual, ans, primals, kwargs):
    rule = prim.jvp_rule(argnum)
    if rule is None:
        raise TypeError(f"forward mode: op {prim.name!r} has no JVP rule for argument {argnum} "
                        "(give it one with chainrule.defjvp)")
    batch = batch_shape(dual)
    batched = prim.batched_jvp
    if not batch:
        return rule(dual.tangent, ans, *primals, **kwargs)
    if batched == ELEMENTWISE:
        # Give the tangent the output's number of axes behind the batch, so that
        # broadcasting lines its axes up with the output's, not with the batch.
        missing = np.ndim(ans) - np.ndim(dual.primal)
        t = _ops.reshape(dual.tangent, batch + (1,) * missing + np.shape(dual.primal))
        return rule(t, ans, *primals, **kwargs)
    if batched:
        return rule(dual.tangent, ans, *primals, **kwargs)
    # The rule takes one direction at a time: apply it to each and stack.
    directions = _ops.reshape(dual.tangent, (-1,) + np.shape(dual.primal))
    parts = [rule(directions[k], ans, *primals, **kwargs) for k in range(len(directions))]
    parts = [_ops.broadcast_to(p, np.shape(ans)) for p in parts]
    return _ops.reshape(_ops.stack(parts), batch + np.shape(ans))


from .. import ops as _ops  # noqa: E402  (the ops import the engine, which imports this module)
