"""Learning-rate schedulers: per-step rates against their formulas and against PyTorch."""
import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.optim import SGD, Adam, Optimizer
from chainrule.optim.lr_scheduler import CosineAnnealingLR, CyclicLR, StepLR

LRS = [0.1, 0.03]  # two parameter groups with their own rates


def make_optimizer(cls=SGD, **options):
    groups = [{"params": [cr.nn.Parameter(cr.zeros(2))], "lr": lr} for lr in LRS]
    return cls(groups, **dict({"lr": 1.0} if cls is SGD else {}, **options))


def rates(scheduler, epochs):
    """The learning rates at epochs 0 .. epochs, with the momenta of the first group."""
    optimizer = scheduler.optimizer
    history = [(scheduler.get_last_lr(), _momentum(optimizer))]
    for _ in range(epochs):
        optimizer.step()
        scheduler.step()
        history.append((scheduler.get_last_lr(), _momentum(optimizer)))
    return history


def _momentum(optimizer):
    group = optimizer.param_groups[0]
    return group["betas"][0] if "betas" in group else group["momentum"]


def torch_rates(name, epochs, optimizer="SGD", options=None, **kwargs):
    torch = pytest.importorskip("torch")
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in LRS]
    optimizer = getattr(torch.optim, optimizer)(groups, **(options or {}))
    return rates(getattr(torch.optim.lr_scheduler, name)(optimizer, **kwargs), epochs)


def assert_rates(ours, expected, tol=1e-12):
    for epoch, ((lrs, momentum), (want_lrs, want_momentum)) in enumerate(zip(ours, expected)):
        np.testing.assert_allclose(lrs, want_lrs, rtol=tol, atol=tol, err_msg=f"epoch {epoch}")
        assert momentum == pytest.approx(want_momentum, rel=tol, abs=tol), f"momentum at epoch {epoch}"


# --- formulas, epoch e ------------------------------------------------------
def step_lr(base, e, step_size, gamma):
    return base * gamma ** (e // step_size)


def cosine_lr(base, e, T_max, eta_min):
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * e / T_max)) / 2


def cyclic_fraction(e, step_size):
    """Smith's triangle: 0 at the start of each cycle, 1 at its middle."""
    cycle = math.floor(1 + e / (2 * step_size))
    return cycle, max(0.0, 1 - abs(e / step_size - 2 * cycle + 1))


SCALES = {"triangular": lambda cycle, e, gamma: 1.0,
          "triangular2": lambda cycle, e, gamma: 1 / 2 ** (cycle - 1),
          "exp_range": lambda cycle, e, gamma: gamma ** e}


def test_step_lr_formula_and_torch():
    ours = rates(StepLR(make_optimizer(momentum=0.9), step_size=3, gamma=0.5), 10)
    assert_rates(ours, [([step_lr(b, e, 3, 0.5) for b in LRS], 0.9) for e in range(11)])
    assert_rates(ours, torch_rates("StepLR", 10, options={"momentum": 0.9}, step_size=3, gamma=0.5))


def test_cosine_annealing_formula_and_torch():
    ours = rates(CosineAnnealingLR(make_optimizer(momentum=0.9), T_max=4, eta_min=0.01), 13)
    assert_rates(ours, [([cosine_lr(b, e, 4, 0.01) for b in LRS], 0.9) for e in range(14)])
    assert_rates(ours, torch_rates("CosineAnnealingLR", 13, options={"momentum": 0.9}, T_max=4, eta_min=0.01))


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
def test_cyclic_formula(mode):
    base, top, size, gamma = [0.01, 0.001], [0.1, 0.02], 3, 0.9
    ours = rates(CyclicLR(make_optimizer(momentum=0.5), base, top, step_size_up=size, mode=mode, gamma=gamma), 20)
    expected = []
    for e in range(21):
        cycle, fraction = cyclic_fraction(e, size)
        scale = SCALES[mode](cycle, e, gamma)
        lrs = [b + (t - b) * fraction * scale for b, t in zip(base, top)]
        expected.append((lrs, 0.9 - (0.9 - 0.8) * fraction * scale))
    assert_rates(ours, expected)


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize("optimizer", ["SGD", "Adam"])
def test_cyclic_matches_torch(mode, optimizer):
    options = {"momentum": 0.5} if optimizer == "SGD" else {}
    kwargs = dict(base_lr=0.01, max_lr=[0.1, 0.05], step_size_up=2, step_size_down=5, mode=mode, gamma=0.95,
                  base_momentum=0.7, max_momentum=0.95)
    ours = rates(CyclicLR(make_optimizer(getattr(cr.optim, optimizer), **options), **kwargs), 20)
    assert_rates(ours, torch_rates("CyclicLR", 20, optimizer, options, **kwargs))


def test_cyclic_without_momentum_cycling_leaves_momentum_alone():
    optimizer = make_optimizer(momentum=0.3)
    rates(CyclicLR(optimizer, 0.01, 0.1, step_size_up=2, cycle_momentum=False), 5)
    assert [g["momentum"] for g in optimizer.param_groups] == [0.3, 0.3]


def test_training_with_cyclic_momentum_matches_torch():
    # The momentum the scheduler sets is the one the next steps use.
    torch = pytest.importorskip("torch")
    start, target = np.array([1.0, -2.0, 3.0]), np.array([0.5, 0.5, 0.5])
    ours = cr.nn.Parameter(cr.tensor(start))
    theirs = torch.tensor(start, requires_grad=True)
    runs = []
    for p, opt_cls, sched_cls, as_tensor in [(ours, SGD, CyclicLR, cr.tensor),
                                            (theirs, torch.optim.SGD, torch.optim.lr_scheduler.CyclicLR,
                                             torch.tensor)]:
        optimizer = opt_cls([p], lr=0.1, momentum=0.9, nesterov=True)
        scheduler = sched_cls(optimizer, 0.01, 0.2, step_size_up=3, mode="triangular2")
        for _ in range(10):
            optimizer.zero_grad()
            ((p - as_tensor(target)) ** 2).sum().backward()
            optimizer.step()
            scheduler.step()
        runs.append(np.array(p.detach().numpy() if p is theirs else p.data))
    np.testing.assert_allclose(runs[0], runs[1], rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("make", [
    lambda o: StepLR(o, step_size=2, gamma=0.3),
    lambda o: CosineAnnealingLR(o, T_max=5, eta_min=0.001),
    lambda o: CyclicLR(o, [0.01, 0.02], 0.1, step_size_up=3, mode="exp_range", gamma=0.9),
], ids=["StepLR", "CosineAnnealingLR", "CyclicLR"])
def test_state_dict_round_trip(make):
    optimizer = make_optimizer(momentum=0.5)
    scheduler = make(optimizer)
    rates(scheduler, 4)
    saved_optimizer, saved_scheduler = optimizer.state_dict(), scheduler.state_dict()
    assert "optimizer" not in saved_scheduler

    restored_optimizer = make_optimizer(momentum=0.5)
    restored = make(restored_optimizer)  # before loading the optimizer, which the constructor would overwrite
    restored_optimizer.load_state_dict(saved_optimizer)
    restored.load_state_dict(saved_scheduler)
    assert restored.get_last_lr() == scheduler.get_last_lr()
    assert_rates(rates(restored, 8), rates(scheduler, 8), tol=0)


def test_resuming_needs_initial_lr():
    with pytest.raises(KeyError, match="initial_lr"):
        StepLR(make_optimizer(), step_size=2, last_epoch=3)


@pytest.mark.parametrize("make, error, message", [
    (lambda o: StepLR("sgd", step_size=1), TypeError, "is not an Optimizer"),
    (lambda o: CyclicLR(o, 0.01, 0.1, mode="sawtooth"), ValueError, "mode should be one of"),
    (lambda o: CyclicLR(o, [0.01], 0.1), ValueError, "expected 2 values for base_lr"),
    (lambda o: CyclicLR(Optimizer([cr.nn.Parameter(cr.zeros(1))], {"lr": 0.1}), 0.01, 0.1), ValueError,
     "momentum or betas"),
])
def test_bad_arguments(make, error, message):
    with pytest.raises(error, match=message):
        make(make_optimizer())


def test_adam_betas_keep_beta2_under_cyclic_momentum():
    optimizer = make_optimizer(Adam, betas=(0.9, 0.95))
    rates(CyclicLR(optimizer, 0.01, 0.1, step_size_up=2), 3)
    assert all(g["betas"][1] == 0.95 for g in optimizer.param_groups)
