"""Optimizers: the same numbers as PyTorch's update rules after several steps.

Each optimizer runs a few steps on a small quadratic. The expected numbers come
from the algorithms of PyTorch's documentation written out in NumPy below and,
where torch is installed, from torch.optim itself.
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import SGD, Adam, AdamW, RMSprop

STEPS = 6
# loss = 1/2 sum_i sum(A_i * (p_i - C_i)^2): gradient A_i * (p_i - C_i)
START = [np.array([1.0, -2.0, 0.5]), np.array([[0.3, -0.7], [1.5, 2.0]])]
A = [np.array([1.0, 4.0, 0.5]), np.array([[2.0, 0.1], [1.0, 3.0]])]
C = [np.array([0.5, 0.0, -1.0]), np.array([[0.0, 1.0], [-1.0, 0.5]])]


def gradient(p, a, c):
    return a * (p - c)


# --- the documented algorithms, in NumPy; `t` counts steps from 1 ----------
def _decayed(g, p, weight_decay, maximize):
    # PyTorch's code negates the gradient before adding the L2 term (its docs'
    # pseudo-code for SGD negates the step instead, which differs with weight decay).
    g = -g if maximize else g
    return g + weight_decay * p if weight_decay else g


def sgd_step(p, g, t, s, lr, momentum=0, dampening=0, nesterov=False, weight_decay=0, maximize=False):
    g = _decayed(g, p, weight_decay, maximize)
    if momentum:
        s["b"] = g if t == 1 else momentum * s["b"] + (1 - dampening) * g
        g = g + momentum * s["b"] if nesterov else s["b"]
    return p - lr * g


def adam_step(p, g, t, s, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False, maximize=False,
              decoupled=False):
    b1, b2 = betas
    if decoupled:
        p = p * (1 - lr * weight_decay)
    g = _decayed(g, p, 0 if decoupled else weight_decay, maximize)
    s["m"] = b1 * s.get("m", 0) + (1 - b1) * g
    s["v"] = b2 * s.get("v", 0) + (1 - b2) * g ** 2
    m_hat = s["m"] / (1 - b1 ** t)
    if amsgrad:
        s["v_max"] = np.maximum(s.get("v_max", 0), s["v"])
        v_hat = s["v_max"] / (1 - b2 ** t)
    else:
        v_hat = s["v"] / (1 - b2 ** t)
    return p - lr * m_hat / (np.sqrt(v_hat) + eps)


def adamw_step(p, g, t, s, weight_decay=1e-2, **options):
    return adam_step(p, g, t, s, weight_decay=weight_decay, decoupled=True, **options)


def rmsprop_step(p, g, t, s, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0, centered=False,
                 maximize=False):
    g = _decayed(g, p, weight_decay, maximize)
    s["v"] = alpha * s.get("v", 0) + (1 - alpha) * g ** 2
    v = s["v"]
    if centered:
        s["g_ave"] = alpha * s.get("g_ave", 0) + (1 - alpha) * g
        v = v - s["g_ave"] ** 2
    if momentum > 0:
        s["b"] = momentum * s.get("b", 0) + g / (np.sqrt(v) + eps)
        return p - lr * s["b"]
    return p - lr * g / (np.sqrt(v) + eps)


CASES = [
    (SGD, sgd_step, dict(lr=0.1)),
    (SGD, sgd_step, dict(lr=0.1, momentum=0.9)),
    (SGD, sgd_step, dict(lr=0.1, momentum=0.9, dampening=0.5)),
    (SGD, sgd_step, dict(lr=0.1, momentum=0.9, nesterov=True)),
    (SGD, sgd_step, dict(lr=0.1, weight_decay=0.1)),
    (SGD, sgd_step, dict(lr=0.1, momentum=0.8, weight_decay=0.1, maximize=True)),
    (Adam, adam_step, dict(lr=0.1)),
    (Adam, adam_step, dict(lr=0.1, weight_decay=0.1)),
    (Adam, adam_step, dict(lr=0.1, betas=(0.9, 0.5), amsgrad=True)),
    (Adam, adam_step, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-3, maximize=True)),
    (AdamW, adamw_step, dict(lr=0.1)),
    (AdamW, adamw_step, dict(lr=0.1, weight_decay=0.3, betas=(0.9, 0.5), amsgrad=True)),
    (RMSprop, rmsprop_step, dict()),
    (RMSprop, rmsprop_step, dict(lr=0.05, alpha=0.9, centered=True)),
    (RMSprop, rmsprop_step, dict(lr=0.05, momentum=0.9)),
    (RMSprop, rmsprop_step, dict(lr=0.05, momentum=0.5, centered=True, weight_decay=0.1, maximize=True)),
]
IDS = [f"{cls.__name__}-" + "-".join(f"{k}={v}" for k, v in options.items()) for cls, _, options in CASES]


def reference_run(step, options, steps=STEPS):
    params = [p.copy() for p in START]
    states = [{} for _ in params]
    history = []
    for t in range(1, steps + 1):
        params = [step(p, gradient(p, a, c), t, s, **options) for p, a, c, s in zip(params, A, C, states)]
        history.append(params)
    return history


def make_params(dtype=np.float64):
    return [cr.nn.Parameter(cr.tensor(p.astype(dtype))) for p in START]


def loss(params):
    return sum((a * (p - c) ** 2).sum() * 0.5 for p, a, c in zip(params, A, C))


def train(optimizer, params, steps=STEPS):
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss(params).backward()
        optimizer.step()
        history.append([p.data.copy() for p in params])
    return history


def torch_run(cls, options, steps=STEPS, dtype=np.float64):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(p.astype(dtype), requires_grad=True) for p in START]
    optimizer = getattr(torch.optim, cls.__name__)(params, **options)
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        sum((torch.tensor(a) * (p - torch.tensor(c)) ** 2).sum() * 0.5 for p, a, c in zip(params, A, C)).backward()
        optimizer.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history


def assert_same_history(ours, expected, tol=1e-12):
    for step, (got, want) in enumerate(zip(ours, expected), 1):
        for p, q in zip(got, want):
            np.testing.assert_allclose(p, q, rtol=tol, atol=tol, err_msg=f"step {step}")


@pytest.mark.parametrize("cls, step, options", CASES, ids=IDS)
def test_matches_documented_algorithm(cls, step, options):
    params = make_params()
    assert_same_history(train(cls(params, **options), params), reference_run(step, options))


@pytest.mark.parametrize("cls, step, options", CASES, ids=IDS)
def test_matches_torch(cls, step, options):
    params = make_params()
    assert_same_history(train(cls(params, **options), params), torch_run(cls, options), tol=1e-6)


@pytest.mark.parametrize("cls, step, options", CASES[1::3], ids=IDS[1::3])
def test_float32_matches_torch(cls, step, options):
    params = make_params(np.float32)
    history = train(cls(params, **options), params)
    assert all(p.dtype == np.float32 for p in history[-1])
    assert_same_history(history, torch_run(cls, options, dtype=np.float32), tol=1e-6)


def test_amsgrad_case_uses_the_running_maximum():
    # Otherwise the amsgrad cases above would not test the maximum.
    options = dict(lr=0.1, betas=(0.9, 0.5))
    plain, ams = reference_run(adam_step, options), reference_run(adam_step, dict(options, amsgrad=True))
    assert not np.allclose(plain[-1][0], ams[-1][0])


def test_parameter_groups_have_their_own_options():
    params = make_params()
    groups = [{"params": [params[0]], "lr": 0.3}, {"params": [params[1]], "momentum": 0.9}]
    history = train(SGD(groups, lr=0.1), params)
    first = reference_run(sgd_step, dict(lr=0.3))
    second = reference_run(sgd_step, dict(lr=0.1, momentum=0.9))
    assert_same_history([[h[0]] for h in history], [[h[0]] for h in first])
    assert_same_history([[h[1]] for h in history], [[h[1]] for h in second])


def test_parameters_without_gradient_are_skipped():
    params = make_params()
    unused = cr.nn.Parameter(cr.tensor([1.0, 2.0]))
    optimizer = Adam(params + [unused], lr=0.1)
    train(optimizer, params, steps=2)
    np.testing.assert_array_equal(unused.data, [1.0, 2.0])
    assert unused not in optimizer.state


def test_plain_sgd_keeps_no_state():
    params = make_params()
    optimizer = SGD(params, lr=0.1)
    train(optimizer, params, steps=2)
    assert optimizer.state_dict()["state"] == {}


def test_zero_grad():
    params = make_params()
    optimizer = SGD(params, lr=0.1)
    loss(params).backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(np.array_equal(p.grad.data, np.zeros_like(p.data)) for p in params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)


def test_step_bumps_the_version_so_a_stale_graph_is_caught():
    params = make_params()
    optimizer = SGD(params, lr=0.1)
    loss(params).backward()
    stale = loss(params)
    optimizer.step()
    with pytest.raises(RuntimeError):
        stale.backward()


def test_step_with_closure_returns_the_loss():
    params = make_params()
    optimizer = SGD(params, lr=0.1)

    def closure():
        optimizer.zero_grad()
        value = loss(params)
        value.backward()
        return value

    with cr.no_grad():
        value = optimizer.step(closure)
    assert float(value.data) == pytest.approx(float(loss(make_params()).data))
    assert_same_history([[p.data for p in params]], reference_run(sgd_step, dict(lr=0.1), steps=1))


# --- state dicts -----------------------------------------------------------
@pytest.mark.parametrize("cls, step, options", CASES, ids=IDS)
def test_state_dict_round_trip_gives_identical_next_steps(cls, step, options):
    params = make_params()
    optimizer = cls(params, **options)
    train(optimizer, params, steps=3)
    saved = optimizer.state_dict()

    copies = [cr.nn.Parameter(cr.tensor(p.data.copy())) for p in params]
    restored = cls(copies, lr=1.0)  # the saved options replace these
    restored.load_state_dict(saved)
    assert restored.param_groups[0] == dict(saved["param_groups"][0], params=copies)
    assert_same_history(train(restored, copies, steps=3), train(optimizer, params, steps=3), tol=0)


def test_state_dict_layout_and_snapshot():
    params = make_params()
    optimizer = Adam([{"params": [params[0]]}, {"params": [params[1]], "lr": 0.5}], lr=0.1)
    train(optimizer, params, steps=1)
    saved = optimizer.state_dict()
    assert [g["params"] for g in saved["param_groups"]] == [[0], [1]]
    assert saved["param_groups"][1]["lr"] == 0.5
    assert sorted(saved["state"]) == [0, 1]
    assert sorted(saved["state"][1]) == ["exp_avg", "exp_avg_sq", "step"]
    assert saved["state"][1]["step"] == 1
    before = saved["state"][0]["exp_avg"].copy()
    train(optimizer, params, steps=1)
    np.testing.assert_array_equal(saved["state"][0]["exp_avg"], before)


def test_load_state_dict_rejects_other_group_sizes():
    params = make_params()
    saved = SGD(params, lr=0.1, momentum=0.9).state_dict()
    with pytest.raises(ValueError, match="parameter group 0 has 2 parameters in the saved state and 1"):
        SGD(params[:1], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="1 parameter groups, this optimizer has 2"):
        SGD([{"params": params[:1]}, {"params": params[1:]}], lr=0.1).load_state_dict(saved)


def test_load_state_dict_rejects_other_shapes():
    params = make_params()
    optimizer = SGD(params, lr=0.1, momentum=0.9)
    train(optimizer, params, steps=1)
    saved = optimizer.state_dict()
    other = [cr.nn.Parameter(cr.zeros(3)), cr.nn.Parameter(cr.zeros(2, 3))]
    with pytest.raises(ValueError, match=r"'momentum_buffer' of parameter 1 has shape \(2, 2\)"):
        SGD(other, lr=0.1).load_state_dict(saved)


@pytest.mark.parametrize("make, message", [
    (lambda p: SGD([], lr=0.1), "empty parameter list"),
    (lambda p: SGD(p[0], lr=0.1), "single Tensor"),
    (lambda p: SGD([p[0], p[0]], lr=0.1), "more than one parameter group"),
    (lambda p: SGD([{"params": p[:1]}, {"params": p}], lr=0.1), "more than one parameter group"),
    (lambda p: SGD(p, lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: SGD(p, lr=-1), "invalid lr"),
    (lambda p: Adam(p, betas=(0.9, 1.0)), "beta at index 1"),
    (lambda p: RMSprop(p, alpha=-0.1), "invalid alpha"),
    (lambda p: SGD([p[0] * 2], lr=0.1), "non-leaf"),
])
def test_bad_arguments(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make(make_params())
