"""RNN, GRU, LSTM: values against the equations in NumPy, gradients by gradcheck, PyTorch where installed."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn
from nn_helpers import module_gradcheck, randn


# --- direct references: PyTorch's equations, one time step at a time ---------------
def _sigmoid(a):
    return 1 / (1 + np.exp(-a))


def _rnn_step(x, state, w_ih, w_hh, b_ih, b_hh, nonlinearity="tanh"):
    a = w_ih @ x + b_ih + w_hh @ state[0] + b_hh
    return (np.tanh(a) if nonlinearity == "tanh" else np.maximum(a, 0),)


def _gru_step(x, state, w_ih, w_hh, b_ih, b_hh):
    (h,) = state
    W_ir, W_iz, W_in = np.split(w_ih, 3)
    W_hr, W_hz, W_hn = np.split(w_hh, 3)
    b_ir, b_iz, b_in = np.split(b_ih, 3)
    b_hr, b_hz, b_hn = np.split(b_hh, 3)
    r = _sigmoid(W_ir @ x + b_ir + W_hr @ h + b_hr)
    z = _sigmoid(W_iz @ x + b_iz + W_hz @ h + b_hz)
    n = np.tanh(W_in @ x + b_in + r * (W_hn @ h + b_hn))
    return ((1 - z) * n + z * h,)


def _lstm_step(x, state, w_ih, w_hh, b_ih, b_hh):
    h, c = state
    i, f, g, o = np.split(w_ih @ x + b_ih + w_hh @ h + b_hh, 4)
    c = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def reference(module, step, x, initial):
    """Loop over layers, directions, examples and time steps; x is (T, N, features),
    initial a tuple of (layers * directions, N, hidden) arrays."""
    params = {name: p.data for name, p in module.named_parameters()}
    directions = 2 if module.bidirectional else 1
    finals = [np.zeros_like(s) for s in initial]
    for layer in range(module.num_layers):
        outputs = []
        for direction in range(directions):
            tag = f"_l{layer}" + ("_reverse" if direction else "")
            weights = [params.get(kind + tag, np.zeros(len(params["weight_hh" + tag])))
                       for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")]
            out = np.zeros(x.shape[:2] + (module.hidden_size,))
            index = layer * directions + direction
            for n in range(x.shape[1]):
                state = tuple(s[index, n] for s in initial)
                for t in (reversed(range(len(x))) if direction else range(len(x))):
                    state = step(x[t, n], state, *weights)
                    out[t, n] = state[0]
                for k, s in enumerate(state):
                    finals[k][index, n] = s
            outputs.append(out)
        x = np.concatenate(outputs, axis=-1)
    return x, finals


STEPS = {nn.RNN: _rnn_step, nn.GRU: _gru_step, nn.LSTM: _lstm_step}
CONFIGS = [dict(), dict(num_layers=2), dict(bidirectional=True), dict(num_layers=2, bidirectional=True, bias=False)]


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
@pytest.mark.parametrize("config", CONFIGS)
def test_matches_the_equations(cls, config):
    cr.manual_seed(0)
    module = cls(3, 4, **config).double()
    x = randn(5, 2, 3)
    states = 2 if cls is nn.LSTM else 1
    initial = tuple(randn(module.num_layers * (1 + module.bidirectional), 2, 4, seed=1 + k) for k in range(states))
    output, final = module(cr.tensor(x), initial if states == 2 else initial[0])
    expected_output, expected_final = reference(module, STEPS[cls], x, initial)
    np.testing.assert_allclose(output.data, expected_output, atol=1e-12)
    for ours, theirs in zip(final if states == 2 else (final,), expected_final):
        np.testing.assert_allclose(ours.data, theirs, atol=1e-12)


def test_relu_rnn_and_zero_initial_state():
    cr.manual_seed(1)
    module = nn.RNN(2, 3, nonlinearity="relu").double()
    x = randn(4, 2, 2)
    output, h_n = module(x)
    expected, _ = reference(module, lambda *a: _rnn_step(*a, nonlinearity="relu"), x, (np.zeros((1, 2, 3)),))
    np.testing.assert_allclose(output.data, expected, atol=1e-12)
    np.testing.assert_allclose(h_n.data[0], expected[-1])


@pytest.mark.parametrize("cls", [nn.RNN, nn.GRU, nn.LSTM])
def test_shapes_batch_first_and_unbatched(cls):
    module = cls(3, 6, num_layers=2, batch_first=True, bidirectional=True)
    output, final = module(cr.randn(5, 7, 3))                  # (N, T, features)
    h_n = final[0] if cls is nn.LSTM else final
    assert output.shape == (5, 7, 12) and h_n.shape == (4, 5, 6)
    if cls is nn.LSTM:
        assert final[1].shape == (4, 5, 6)
    x = cr.randn(7, 3)                                          # unbatched (T, features)
    single, single_final = module(x)
    batched, _ = module(cr.expand_dims(x, 0))
    assert single.shape == (7, 12)
    np.testing.assert_allclose(single.data, batched.data[0], atol=1e-12)
    assert (single_final[0] if cls is nn.LSTM else single_final).shape == (4, 6)


def test_batch_first_is_a_transpose():
    cr.manual_seed(2)
    first, second = nn.GRU(2, 3, batch_first=True), nn.GRU(2, 3)
    second.load_state_dict(first.state_dict())
    x = randn(4, 5, 2)
    out_first, h_first = first(x)
    out_second, h_second = second(np.swapaxes(x, 0, 1))
    np.testing.assert_allclose(out_first.data, np.swapaxes(out_second.data, 0, 1))
    np.testing.assert_allclose(h_first.data, h_second.data)


@pytest.mark.parametrize("cls, options", [
    (nn.RNN, dict(num_layers=2, bidirectional=True)),
    (nn.GRU, dict(bidirectional=True, batch_first=True)),
    (nn.GRU, dict(num_layers=2, bias=False)),
    (nn.LSTM, dict(bidirectional=True)),
])
def test_gradcheck(cls, options):
    cr.manual_seed(3)
    module = cls(2, 2, **options).double()
    project = (lambda out: cr.sum(out[0] * out[0]) + cr.sum(cr.stack(out[1]) if cls is nn.LSTM else out[1]))
    assert module_gradcheck(module, randn(3, 2, 2), project)


def test_gradients_reach_the_initial_state():
    module = nn.LSTM(2, 3).double()
    h0, c0 = randn(1, 2, 3, seed=1), randn(1, 2, 3, seed=2)
    assert cr.gradcheck(lambda h, c: module(randn(4, 2, 2), (h, c))[0], (h0, c0))


def test_parameters_names_shapes_and_init():
    cr.manual_seed(4)
    module = nn.GRU(5, 6, num_layers=2, bidirectional=True)
    shapes = {name: p.shape for name, p in module.named_parameters()}
    assert list(shapes)[:4] == ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    assert shapes["weight_ih_l0_reverse"] == (18, 5) and shapes["weight_hh_l0"] == (18, 6)
    assert shapes["weight_ih_l1"] == (18, 12) and shapes["bias_hh_l1_reverse"] == (18,)
    assert len(shapes) == 16
    bound = 1 / math.sqrt(6)
    values = np.concatenate([p.data.ravel() for p in module.parameters()])
    assert np.abs(values).max() <= bound and np.abs(values).max() > 0.9 * bound
    cr.manual_seed(4)
    np.testing.assert_array_equal(nn.GRU(5, 6, num_layers=2, bidirectional=True).weight_hh_l1.data,
                                  module.weight_hh_l1.data)
    assert [name for name, _ in nn.LSTM(2, 3, bias=False).named_parameters()] == ["weight_ih_l0", "weight_hh_l0"]
    assert nn.LSTM(2, 3).weight_ih_l0.shape == (12, 2)
    assert repr(nn.GRU(40, 6, batch_first=True, bidirectional=True)) == \
        "GRU(40, 6, batch_first=True, bidirectional=True)"


def test_mnist1d_gru_shapes():
    gru, head = nn.GRU(1, 6, batch_first=True, bidirectional=True), nn.Linear(480, 10)
    output, _ = gru(cr.randn(100, 40, 1))
    assert head(cr.reshape(output, (100, -1))).shape == (100, 10)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.GRU(3, 4)(cr.randn(5, 2, 2)), "expected input of shape"),
    (lambda: nn.GRU(3, 4)(cr.randn(5, 2, 3), cr.randn(2, 2, 4)), "initial state of shape"),
    (lambda: nn.RNN(3, 4, nonlinearity="sigmoid"), "nonlinearity"),
])
def test_errors_name_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- PyTorch, where installed ------------------------------------------------------------
@pytest.mark.parametrize("name, options", [
    ("GRU", dict(batch_first=True, bidirectional=True)),
    ("GRU", dict(num_layers=2)),
    ("LSTM", dict(num_layers=2, bidirectional=True)),
    ("RNN", dict(nonlinearity="relu", bidirectional=True)),
])
def test_matches_pytorch(name, options):
    torch = pytest.importorskip("torch")
    ours, theirs = getattr(nn, name)(3, 4, **options).double(), getattr(torch.nn, name)(3, 4, **options).double()
    with torch.no_grad():
        for (a, p), (b, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert a == b and p.shape == tuple(q.shape)
            q.copy_(torch.tensor(p.data))
    x = randn(2, 5, 3)
    xa, xt = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (out_a, final_a), (out_t, final_t) = ours(xa), theirs(xt)
    w = randn(*out_a.shape, seed=5)
    (cr.sum(out_a * w) + cr.sum(cr.stack(final_a) if name == "LSTM" else final_a)).backward()
    (torch.sum(out_t * torch.tensor(w)) + torch.sum(torch.stack(final_t) if name == "LSTM" else final_t)).backward()
    np.testing.assert_allclose(out_a.data, out_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(xa.grad.data, xt.grad.numpy(), rtol=1e-9, atol=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-9, atol=1e-12)
