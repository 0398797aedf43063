"""cr.save / cr.load: state dicts in the safetensors format, written atomically."""
import math
import os

import numpy as np
import pytest

import chainrule as cr
from chainrule import checkpoint

safetensors_numpy = pytest.importorskip("safetensors.numpy")


def assert_same(a, b):
    """Equal trees: same containers, key types, dtypes, shapes and values."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            assert type(k) is type(list(b)[list(a).index(k)])
            assert_same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            assert_same(x, y)
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, float) and math.isnan(a):
        assert math.isnan(b)
    else:
        assert a == b


def test_module_like_state_dict_round_trips_exactly(tmp_path):
    rng = np.random.default_rng(0)
    state = {
        "layer.weight": rng.standard_normal((3, 4)).astype(np.float32),
        "layer.bias": rng.standard_normal(3),
        "norm.num_batches_tracked": np.array(7, dtype=np.int64),
        "mask": np.array([True, False]),
        "pixels": np.arange(6, dtype=np.uint8).reshape(2, 3),
        "empty": np.zeros((0, 5), dtype=np.int32),
        "transposed": np.arange(6.0).reshape(2, 3).T,
    }
    cr.save(state, tmp_path / "model.safetensors")
    assert_same(cr.load(tmp_path / "model.safetensors"), state)


def test_file_is_plain_safetensors_named_by_dotted_keys(tmp_path):
    path = str(tmp_path / "both.safetensors")
    cr.save({"model": {"fc.weight": np.ones((2, 2))}, "optim": {"state": {0: {"m": np.zeros(2)}}}}, path)
    assert sorted(safetensors_numpy.load_file(path)) == ["model.fc.weight", "optim.state.0.m"]


def test_optimizer_like_state_keeps_int_keys_tuples_and_plain_values(tmp_path):
    state = {
        "state": {0: {"step": 3, "exp_avg": np.full((2,), 0.5)}, 1: {"step": 3, "momentum_buffer": None}},
        "param_groups": [{"lr": 1e-3, "betas": (0.9, 0.999), "eps": 1e-8, "amsgrad": False,
                          "name": "head", "params": [0, 1]}],
        "odd floats": [float("inf"), -float("inf"), float("nan"), -0.0, 0.1 + 0.2],
        "numpy scalars": [np.float32(0.1), np.int64(-5), np.bool_(True)],
    }
    cr.save(state, tmp_path / "optim.safetensors")
    assert_same(cr.load(tmp_path / "optim.safetensors"), state)


def test_keys_with_dots_never_collide(tmp_path):
    state = {"a.b": np.array([1.0]), "a": {"b": np.array([2.0]), "b#1": np.array([3.0])}, "x": [np.array(4)]}
    cr.save(state, tmp_path / "dots.safetensors")
    assert_same(cr.load(tmp_path / "dots.safetensors"), state)


def test_tensors_are_saved_as_arrays(tmp_path):
    weight = cr.tensor(np.arange(3.0), requires_grad=True)
    cr.save({"w": weight}, tmp_path / "t.safetensors")
    loaded = cr.load(tmp_path / "t.safetensors")["w"]
    assert isinstance(loaded, np.ndarray)
    np.testing.assert_array_equal(loaded, weight.data)


def test_a_model_and_its_optimizer_resume_identically(tmp_path):
    def step(model, optimizer, x):
        optimizer.zero_grad()
        ((model(x) - 1) ** 2).mean().backward()
        optimizer.step()

    cr.manual_seed(0)
    x = cr.randn(5, 3)
    model = cr.nn.Linear(3, 2)
    optimizer = cr.optim.Adam(model.parameters(), lr=0.1)
    step(model, optimizer, x)
    cr.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, tmp_path / "ckpt.safetensors")

    cr.manual_seed(1)
    twin = cr.nn.Linear(3, 2)
    twin_optimizer = cr.optim.Adam(twin.parameters(), lr=0.5)
    saved = cr.load(tmp_path / "ckpt.safetensors")
    twin.load_state_dict(saved["model"])
    twin_optimizer.load_state_dict(saved["optimizer"])
    np.testing.assert_array_equal(twin(x).data, model(x).data)
    step(model, optimizer, x)
    step(twin, twin_optimizer, x)
    np.testing.assert_array_equal(twin(x).data, model(x).data)


def test_a_failure_mid_save_leaves_the_previous_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.safetensors"
    cr.save({"w": np.ones(3)}, path)
    before = path.read_bytes()

    def crash(fd):
        raise OSError("disk pulled out mid-write")
    monkeypatch.setattr(checkpoint.os, "fsync", crash)
    with pytest.raises(OSError, match="disk pulled out"):
        cr.save({"w": np.zeros(1000)}, path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_unsupported_values_are_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "model.safetensors"
    cr.save({"w": np.ones(3)}, path)
    with pytest.raises(TypeError, match="key a.1.*set"):
        cr.save({"a": [1, {2}]}, path)
    with pytest.raises(TypeError, match="complex128"):
        cr.save({"z": np.ones(2, dtype=complex)}, path)
    with pytest.raises(TypeError, match="key .*float"):
        cr.save({1.5: np.ones(2)}, path)
    with pytest.raises(TypeError, match="state_dict"):
        cr.save(cr.nn.Linear(2, 2), path)
    assert_same(cr.load(path), {"w": np.ones(3)})
    assert os.listdir(tmp_path) == ["model.safetensors"]


def test_load_errors_say_where_they_looked(tmp_path):
    missing = tmp_path / "nope.safetensors"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        cr.load(missing)
    (tmp_path / "junk.safetensors").write_bytes(b"definitely not safetensors")
    with pytest.raises(ValueError, match="junk.safetensors"):
        cr.load(tmp_path / "junk.safetensors")


def test_files_written_by_other_tools_load_as_flat_dicts(tmp_path):
    arrays = {"encoder.weight": np.eye(2, dtype=np.float32), "encoder.bias": np.zeros(2, dtype=np.float32)}
    safetensors_numpy.save_file(arrays, str(tmp_path / "other.safetensors"), metadata={"format": "pt"})
    loaded = cr.load(tmp_path / "other.safetensors")
    assert sorted(loaded) == sorted(arrays)
    for name in arrays:
        assert_same(loaded[name], arrays[name])


def test_save_into_a_missing_directory_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no directory .*absent"):
        cr.save({"w": np.ones(1)}, tmp_path / "absent" / "model.safetensors")
