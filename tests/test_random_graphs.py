"""Random expression graphs (shared subexpressions, broadcasting) against finite differences."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr

# Smooth everywhere on the reals, so finite differences are exact enough anywhere.
UNARY = {
    "tanh": cr.tanh,
    "sin": cr.sin,
    "sigmoid": cr.sigmoid,
    "softplus": cr.softplus,
    "square_half": lambda a: 0.5 * cr.square(a),
    "neg": lambda a: -a,
    "exp_tanh": lambda a: cr.exp(cr.tanh(a)),
    "log1p_square": lambda a: cr.log1p(a * a),
}
BINARY = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (1.0 + b * b),
    "pow": lambda a, b: (1.0 + a * a) ** cr.tanh(b),
}
SHAPES = [(3,), (2, 3), (1, 3), (2, 1), ()]


@st.composite
def graphs(draw):
    """A list of steps; each applies an op to earlier values (inputs or steps), so
    values are reused and gradients must add at the branches."""
    n_inputs = draw(st.integers(1, 3))
    shapes = [draw(st.sampled_from(SHAPES)) for _ in range(n_inputs)]
    steps = []
    for k in range(draw(st.integers(1, 8))):
        available = n_inputs + k
        if draw(st.booleans()):
            steps.append((draw(st.sampled_from(sorted(UNARY))), (draw(st.integers(0, available - 1)),)))
        else:
            pick = st.integers(0, available - 1)
            steps.append((draw(st.sampled_from(sorted(BINARY))), (draw(pick), draw(pick))))
    seed = draw(st.integers(0, 2**16))
    return shapes, steps, seed


def evaluate(steps, inputs):
    values = list(inputs)
    for name, operands in steps:
        op = UNARY.get(name) or BINARY[name]
        values.append(op(*(values[i] for i in operands)))
    # Weigh every value into the output, so unused branches are checked too.
    return sum((v * (i + 1.0)).sum() for i, v in enumerate(values))


def steps_and_inputs(graph):
    shapes, steps, seed = graph
    rng = np.random.default_rng(seed)
    return steps, tuple(cr.tensor(rng.uniform(-1.5, 1.5, shape), requires_grad=True) for shape in shapes)


@settings(max_examples=60, deadline=None)
@given(graphs())
def test_random_graph_gradients_match_finite_differences(graph):
    steps, inputs = steps_and_inputs(graph)
    assert cr.gradcheck(lambda *xs: evaluate(steps, xs), inputs)


@settings(max_examples=25, deadline=None)
@given(graphs())
def test_random_graph_second_derivatives_match_finite_differences(graph):
    steps, inputs = steps_and_inputs(graph)

    def first_derivative_along(*xs):
        # Reverse mode inside: gradcheck differentiates it again, in both modes.
        grads = cr.grad(lambda *a: evaluate(steps, a), argnums=tuple(range(len(xs))))(*xs)
        return sum((g * np.cos(np.arange(np.size(x)).reshape(np.shape(x)))).sum() for g, x in zip(grads, xs))

    assert cr.gradcheck(first_derivative_along, inputs, atol=1e-4)
