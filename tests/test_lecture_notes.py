"""The worked examples of the lecture notes, with their exact numbers."""
import numpy as np
import pytest

import chainrule as cr


def leaf(value):
    return cr.tensor(value, dtype=np.float64, requires_grad=True)


def test_sum_then_product_at_minus2_5_minus4():
    # f(x, y, z) = (x + y) z: q = 3, f = -12, and the gradients (-4, -4, 3).
    x, y, z = leaf(-2.0), leaf(5.0), leaf(-4.0)
    q = x + y
    f = q * z
    assert q.item() == 3.0 and f.item() == -12.0
    f.backward()
    assert (x.grad.item(), y.grad.item(), z.grad.item()) == (-4.0, -4.0, 3.0)


def test_sigmoid_neuron():
    # f(w, x) = 1 / (1 + exp(-(w0 x0 + w1 x1 + w2))) at w = [2, -3, -3], x = [-1, -2].
    w0, w1, w2 = leaf(2.0), leaf(-3.0), leaf(-3.0)
    x0, x1 = leaf(-1.0), leaf(-2.0)
    f = 1 / (1 + cr.exp(-(w0 * x0 + w1 * x1 + w2)))
    assert f.item() == pytest.approx(0.7310585786)
    f.backward()
    # The notes round to two places: dx = [0.39, -0.59], dw = [-0.2, -0.39, 0.2].
    ddot = f.item() * (1 - f.item())
    assert x0.grad.item() == pytest.approx(2 * ddot) and round(x0.grad.item(), 2) == 0.39
    assert x1.grad.item() == pytest.approx(-3 * ddot) and round(x1.grad.item(), 2) == -0.59
    assert w0.grad.item() == pytest.approx(-1 * ddot) and round(w0.grad.item(), 2) == -0.20
    assert w1.grad.item() == pytest.approx(-2 * ddot) and round(w1.grad.item(), 2) == -0.39
    assert w2.grad.item() == pytest.approx(ddot) and round(w2.grad.item(), 2) == 0.20


def test_sigmoid_node_gives_the_same_gradients_as_its_expansion():
    w, x = leaf([2.0, -3.0, -3.0]), leaf([-1.0, -2.0, 1.0])
    cr.sigmoid((w * x).sum()).backward()
    np.testing.assert_allclose(w.grad.data, [-0.19661193, -0.39322387, 0.19661193], atol=1e-8)
    np.testing.assert_allclose(x.grad.data[:2], [0.39322387, -0.5898358], atol=1e-8)


def test_dag_example_log_plus_product_minus_sine():
    # f(x1, x2) = ln(x1) + x1 x2 - sin(x2): gradient (1/x1 + x2, x1 - cos(x2)).
    x1, x2 = leaf(2.0), leaf(5.0)
    (cr.log(x1) + x1 * x2 - cr.sin(x2)).backward()
    assert x1.grad.item() == pytest.approx(1 / 2 + 5)
    assert x2.grad.item() == pytest.approx(2 - np.cos(5))


def test_logistic_least_squares():
    # z = w x + b, y = sigma(z), L = (y - t)^2 / 2: the notes' chain of bar quantities.
    w, b, x, t = leaf(0.7), leaf(-0.3), 1.5, 1.0
    z = w * x + b
    y = cr.sigmoid(z)
    loss = 0.5 * (y - t) ** 2
    loss.backward()
    y_bar = y.item() - t
    z_bar = y_bar * y.item() * (1 - y.item())
    assert w.grad.item() == pytest.approx(z_bar * x)
    assert b.grad.item() == pytest.approx(z_bar)


def test_composition_F3_F2_F1_gradient_is_20_minus24():
    # F1(x) = (x1 - x2, x1 x2), F2(v) = (v1^2, v1 - v2), F3(w) = (w1 - 8)^2 + (w2 - 3)^2 at x = (2, -1).
    x1, x2 = leaf(2.0), leaf(-1.0)
    v1, v2 = x1 - x2, x1 * x2
    w1, w2 = v1 ** 2, v1 - v2
    for t in (v1, v2, w1, w2):
        t.retain_grad()
    F = (w1 - 8) ** 2 + (w2 - 3) ** 2
    F.backward()
    assert (v1.item(), w1.item(), w2.item()) == (3.0, 9.0, 5.0)
    assert (w1.grad.item(), w2.grad.item()) == (2.0, 4.0)      # the notes' backward pass
    assert (v1.grad.item(), v2.grad.item()) == (16.0, -4.0)
    assert (x1.grad.item(), x2.grad.item()) == (20.0, -24.0)


def test_two_layer_relu_network():
    # v -> y = A v + b -> z = relu(y) -> w = c^T z -> l = (w - 1)^2, with the notes' numbers.
    A, b, c = leaf([[1.0, 0.0], [-2.0, 1.0]]), leaf([1.0, 0.0]), leaf([1.0, 1.0])
    v = cr.tensor([2.0, -1.0])
    y = A @ v + b
    z = cr.relu(y)
    w = c @ z
    loss = (w - 1.0) ** 2
    np.testing.assert_array_equal(y.data, [3.0, -5.0])
    np.testing.assert_array_equal(z.data, [3.0, 0.0])
    assert (w.item(), loss.item()) == (3.0, 4.0)
    loss.backward()
    np.testing.assert_array_equal(A.grad.data, [[8.0, -4.0], [0.0, 0.0]])
    np.testing.assert_array_equal(b.grad.data, [4.0, 0.0])
    np.testing.assert_array_equal(c.grad.data, [12.0, 0.0])


def _softmax_columns(s):
    e = cr.exp(s - s.data.max(axis=0))
    return e / e.sum(axis=0, keepdims=True)


def test_softmax_cross_entropy_with_l2_single_example():
    # J = -y^T log(softmax(W x + b)) + lambda sum W^2; g = -(y - p)^T,
    # dJ/dW = g^T x^T + 2 lambda W, dJ/db = g^T (DD2424, lecture 3).
    rng = np.random.default_rng(0)
    C, d, lam = 4, 5, 0.1
    W, b = leaf(rng.normal(size=(C, d))), leaf(rng.normal(size=(C, 1)))
    x = rng.normal(size=(d, 1))
    y = np.eye(C)[:, [2]]
    p = _softmax_columns(W @ x + b)
    J = -(cr.tensor(y) * cr.log(p)).sum() + lam * (W ** 2).sum()
    J.backward()
    g = -(y - p.data).T
    np.testing.assert_allclose(W.grad.data, g.T @ x.T + 2 * lam * W.data, rtol=1e-12)
    np.testing.assert_allclose(b.grad.data, g.T, rtol=1e-12)


def test_softmax_cross_entropy_with_l2_mini_batch():
    # dJ/dW = G X^T / n + 2 lambda W and dJ/db = G 1 / n with G = -(Y - P), columns as examples.
    rng = np.random.default_rng(1)
    C, d, n, lam = 3, 6, 8, 0.01
    W, b = leaf(rng.normal(size=(C, d))), leaf(rng.normal(size=(C, 1)))
    X = rng.normal(size=(d, n))
    Y = np.eye(C)[:, rng.integers(0, C, n)]
    P = _softmax_columns(W @ X + b)
    J = -(cr.tensor(Y) * cr.log(P)).sum() / n + lam * (W ** 2).sum()
    J.backward()
    G = -(Y - P.data)
    np.testing.assert_allclose(W.grad.data, G @ X.T / n + 2 * lam * W.data, rtol=1e-10)
    np.testing.assert_allclose(b.grad.data, G @ np.ones((n, 1)) / n, rtol=1e-10)


def test_gradients_add_at_branches():
    # x feeds two children: x-bar is the sum of both upstream contributions.
    x, y = leaf(3.0), leaf(-2.0)
    (x * y + x).backward()
    assert x.grad.item() == -2.0 + 1.0
    assert y.grad.item() == 3.0
