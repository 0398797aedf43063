"""Module, Parameter and state dicts: registration, traversal, modes, saving and loading, repr."""
import copy
from collections import OrderedDict

import numpy as np
import pytest

import chainrule as cr
from chainrule import nn


class TwoLayer(nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = nn.Linear(3, 4)
        self.norm = nn.BatchNorm1d(4)
        self.out = nn.Linear(4, 2)
        self.scale = nn.Parameter(cr.ones(1))

    def forward(self, x):
        return self.out(cr.relu(self.norm(self.hidden(x)))) * self.scale


def test_parameter_is_a_tensor_that_requires_grad():
    p = nn.Parameter(np.zeros((2, 3)))
    assert isinstance(p, cr.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.shape == (2, 3)
    assert not nn.Parameter(np.zeros(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor(")
    # Ops on a Parameter give plain Tensors, as in PyTorch.
    assert type(p * 2) is cr.Tensor


def test_assignment_registers_parameters_and_modules_in_order():
    model = TwoLayer()
    names = [name for name, _ in model.named_parameters()]
    assert names == ["scale", "hidden.weight", "hidden.bias", "norm.weight", "norm.bias",
                     "out.weight", "out.bias"]
    assert len(list(model.parameters())) == 7
    assert [name for name, _ in model.named_children()] == ["hidden", "norm", "out"]
    assert [type(m).__name__ for m in model.modules()] == ["TwoLayer", "Linear", "BatchNorm1d", "Linear"]
    assert [name for name, _ in model.named_modules()] == ["", "hidden", "norm", "out"]
    assert [name for name, _ in model.named_buffers()] == [
        "norm.running_mean", "norm.running_var", "norm.num_batches_tracked"]
    assert model.get_submodule("norm") is model.norm


def test_wrong_assignments_are_type_errors():
    model = nn.Linear(2, 3)
    with pytest.raises(TypeError, match="weight"):
        model.weight = cr.zeros(3, 2)
    model.bias = None
    assert [name for name, _ in model.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="super"):
        class Broken(nn.Module):
            def __init__(self):
                self.layer = nn.Linear(1, 1)
        Broken()


def test_shared_parameters_are_listed_once():
    layer = nn.Linear(2, 2)
    model = nn.Sequential(layer, nn.ReLU(), layer)
    assert len(list(model.parameters())) == 2
    assert len(list(model.modules())) == 3


def test_zero_grad_sets_gradients_to_none():
    model = TwoLayer()
    model(cr.randn(5, 3)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    model(cr.randn(5, 3)).sum().backward()
    model.zero_grad(set_to_none=False)
    assert all(np.all(p.grad.data == 0) for p in model.parameters())


def test_train_and_eval_reach_every_module():
    model = TwoLayer()
    assert model.training and model.norm.training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    with pytest.raises(ValueError):
        model.train("no")


def test_state_dict_is_an_ordered_dict_of_array_copies():
    model = TwoLayer()
    state = model.state_dict()
    assert isinstance(state, OrderedDict)
    assert list(state) == ["scale", "hidden.weight", "hidden.bias", "norm.weight", "norm.bias",
                           "norm.running_mean", "norm.running_var", "norm.num_batches_tracked",
                           "out.weight", "out.bias"]
    assert all(type(v) is np.ndarray for v in state.values())
    state["hidden.weight"][...] = 7.0
    assert not np.any(model.hidden.weight.data == 7.0)


def test_state_dict_round_trip_restores_predictions():
    cr.manual_seed(0)
    source = TwoLayer()
    source(cr.randn(8, 3))           # move the running statistics
    target = TwoLayer()
    result = target.load_state_dict(source.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    x = cr.randn(4, 3)
    source.eval(), target.eval()
    np.testing.assert_array_equal(source(x).data, target(x).data)
    assert target.norm.num_batches_tracked.item() == 1


def test_load_state_dict_accepts_tensors_and_bumps_versions():
    layer = nn.Linear(2, 2)
    version = layer.weight._version
    layer.load_state_dict({"weight": cr.ones(2, 2), "bias": np.zeros(2)})
    np.testing.assert_array_equal(layer.weight.data, np.ones((2, 2)))
    assert layer.weight._version > version and layer.weight.requires_grad


def test_load_errors_list_missing_unexpected_and_mismatched_keys():
    model = TwoLayer()
    state = model.state_dict()
    del state["out.bias"]
    state["extra.weight"] = np.zeros(1)
    state["hidden.weight"] = np.zeros((5, 5))
    with pytest.raises(RuntimeError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert "missing keys: out.bias" in message
    assert "unexpected keys: extra.weight" in message
    assert "hidden.weight: checkpoint has shape (5, 5), the module expects (4, 3)" in message


def test_non_strict_load_returns_the_key_lists():
    model = TwoLayer()
    state = model.state_dict()
    del state["out.bias"]
    state["extra"] = np.zeros(1)
    result = model.load_state_dict(state, strict=False)
    assert result.missing_keys == ["out.bias"] and result.unexpected_keys == ["extra"]
    state["hidden.bias"] = np.zeros(7)
    with pytest.raises(RuntimeError, match="size mismatch"):
        model.load_state_dict(state, strict=False)


def test_buffers_register_and_persist_as_asked():
    module = nn.Module()
    module.register_buffer("kept", cr.zeros(2))
    module.register_buffer("scratch", np.ones(3), persistent=False)
    assert list(module.state_dict()) == ["kept"]
    assert [name for name, _ in module.named_buffers()] == ["kept", "scratch"]
    module.kept = cr.ones(2)          # assignment to a buffer name replaces the buffer
    np.testing.assert_array_equal(module.state_dict()["kept"], np.ones(2))
    del module.kept
    assert list(module.state_dict()) == []


def test_repr_reads_like_pytorch():
    model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Sequential(nn.Dropout(0.25), nn.Linear(3, 2, bias=False)))
    assert repr(model) == (
        "Sequential(\n"
        "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
        "  (1): ReLU()\n"
        "  (2): Sequential(\n"
        "    (0): Dropout(p=0.25)\n"
        "    (1): Linear(in_features=3, out_features=2, bias=False)\n"
        "  )\n"
        ")")
    assert repr(nn.BatchNorm2d(8)) == "BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)"
    assert repr(nn.LayerNorm(5)) == "LayerNorm((5,), eps=1e-05, elementwise_affine=True)"
    assert repr(nn.Embedding(10, 3)) == "Embedding(10, 3)"
    assert repr(nn.Flatten()) == "Flatten(start_dim=1, end_dim=-1)"
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss()"


def test_sequential_indexing_and_named_children():
    model = nn.Sequential(OrderedDict(first=nn.Linear(2, 3), act=nn.Tanh()))
    assert [name for name, _ in model.named_parameters()] == ["first.weight", "first.bias"]
    assert isinstance(model[-1], nn.Tanh) and len(model) == 2
    assert len(model[:1]) == 1 and model[:1][0] is model.first
    with pytest.raises(IndexError):
        model[2]
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6 and layers[1] is list(layers)[1]


def test_forward_is_required_and_deepcopy_gives_independent_parameters():
    with pytest.raises(NotImplementedError, match="forward"):
        nn.Module()(1)
    model = TwoLayer()
    clone = copy.deepcopy(model)
    assert clone.hidden.weight is not model.hidden.weight
    np.testing.assert_array_equal(clone.hidden.weight.data, model.hidden.weight.data)


def test_to_casts_parameters_and_buffers():
    model = TwoLayer().to(np.float32)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert model.norm.running_mean.dtype == np.float32
    assert model.norm.num_batches_tracked.dtype == np.int64
    assert model(cr.randn(3, 3, dtype=np.float32)).dtype == np.float32
