"""cr.data.load_mnist1d: the MNIST-1D data set generated locally.

The reference numbers below were produced by the `mnist1d` package
(0.0.2.post1, `mnist1d.data.make_dataset(get_dataset_args())`, default
arguments, seed 42). chainrule asks the same legacy NumPy generator for the
same random numbers in the same order, so it reproduces those arrays
exactly up to rounding (1e-15 in float64); the returned float32 arrays
match them to float32 precision.
"""
import numpy as np
import pytest

import chainrule as cr
from chainrule.data import mnist1d

REFERENCE_X_TRAIN_0_FIRST_4 = [-0.3320056673693902, -0.4719103656557236, -0.778697076293495, -1.0097408265367047]
REFERENCE_X_TEST_LAST_LAST_3 = [0.6598756470890784, 0.8777343497528006, 1.193151836835276]
REFERENCE_Y_TRAIN_FIRST_12 = [2, 6, 4, 5, 6, 6, 6, 0, 3, 1, 6, 9]
REFERENCE_Y_TEST_FIRST_12 = [2, 6, 3, 9, 4, 3, 1, 9, 5, 2, 0, 7]
REFERENCE_TRAIN_COUNTS = [398, 396, 411, 394, 394, 402, 401, 404, 402, 398]
REFERENCE_TRAIN_MEAN_STD = (-0.0003236716742193472, 0.9976479749365886)
REFERENCE_TEST_MEAN_STD = (0.0012946866968772965, 1.0093522562280428)
REFERENCE_TRAIN_ABS_SUM = 118338.29510719894


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path


@pytest.fixture(scope="module")
def data():
    return cr.data.load_mnist1d(cache=False)


def test_shapes_dtypes_and_split(data):
    X_train, y_train, X_test, y_test = data
    assert X_train.shape == (4000, 40) and X_test.shape == (1000, 40)
    assert X_train.dtype == X_test.dtype == np.float32
    assert y_train.shape == (4000,) and y_test.shape == (1000,)
    assert y_train.dtype == y_test.dtype == np.int64


def test_labels_are_balanced_overall_and_shuffled(data):
    _, y_train, _, y_test = data
    assert np.bincount(np.concatenate([y_train, y_test])).tolist() == [500] * 10
    assert np.bincount(y_train).tolist() == REFERENCE_TRAIN_COUNTS


def test_matches_the_mnist1d_package_values(data):
    X_train, y_train, X_test, y_test = data
    assert y_train[:12].tolist() == REFERENCE_Y_TRAIN_FIRST_12
    assert y_test[:12].tolist() == REFERENCE_Y_TEST_FIRST_12
    np.testing.assert_allclose(X_train[0, :4], REFERENCE_X_TRAIN_0_FIRST_4, rtol=1e-6)
    np.testing.assert_allclose(X_test[-1, -3:], REFERENCE_X_TEST_LAST_LAST_3, rtol=1e-6)
    x_train, x_test = X_train.astype(np.float64), X_test.astype(np.float64)
    np.testing.assert_allclose((x_train.mean(), x_train.std()), REFERENCE_TRAIN_MEAN_STD, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose((x_test.mean(), x_test.std()), REFERENCE_TEST_MEAN_STD, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(np.abs(x_train).sum(), REFERENCE_TRAIN_ABS_SUM, rtol=1e-6)


def test_whole_set_is_standardised_and_generation_is_deterministic(data):
    x, y = mnist1d.make_mnist1d()
    assert abs(float(x.astype(np.float64).mean())) < 1e-6 and abs(float(x.astype(np.float64).std()) - 1) < 1e-6
    np.testing.assert_array_equal(x[:4000], data[0])
    np.testing.assert_array_equal(y[4000:], data[3])


def test_cache_is_written_once_then_read(cache_home, monkeypatch):
    first = cr.data.load_mnist1d()
    path = cache_home / "chainrule" / "mnist1d.npz"
    assert path.is_file()
    assert not [p for p in path.parent.iterdir() if p.name != "mnist1d.npz"]  # no temp file left

    def fail():
        raise AssertionError("the cached arrays should have been used")
    monkeypatch.setattr(mnist1d, "make_mnist1d", fail)
    for cached, fresh in zip(cr.data.load_mnist1d(), first):
        np.testing.assert_array_equal(cached, fresh)
        assert cached.dtype == fresh.dtype


def test_a_corrupt_cache_is_regenerated(cache_home):
    path = cache_home / "chainrule" / "mnist1d.npz"
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not an npz file")
    X_train, *_ = cr.data.load_mnist1d()
    assert X_train.shape == (4000, 40)
    with np.load(path) as saved:
        np.testing.assert_array_equal(saved["x_train"], X_train)
