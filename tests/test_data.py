"""cr.data: datasets, the DataLoader, the digits, and the IDX and CIFAR-10 readers."""
import gzip
import os
import pickle

import numpy as np
import pytest

import chainrule as cr


def rows(n=10):
    x = np.arange(n * 3, dtype=np.float32).reshape(n, 3)
    y = np.arange(n, dtype=np.int64) % 4
    return x, y


class Squares(cr.data.Dataset):
    """A map-style dataset of Python numbers."""

    def __init__(self, n):
        self.n = n

    def __getitem__(self, i):
        return float(i) ** 2, i

    def __len__(self):
        return self.n


# --- Dataset, TensorDataset -----------------------------------------------

def test_dataset_base_class_asks_for_its_methods():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        cr.data.Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(cr.data.Dataset())


def test_tensor_dataset_indexes_rows_of_arrays_and_tensors():
    x, y = rows()
    ds = cr.data.TensorDataset(cr.tensor(x), y)
    assert len(ds) == 10
    xi, yi = ds[3]
    assert isinstance(xi, cr.Tensor) and isinstance(yi, cr.Tensor)
    np.testing.assert_array_equal(xi.data, x[3])
    assert yi.item() == 3 and yi.dtype == np.int64


def test_tensor_dataset_refuses_mismatched_first_dimensions():
    with pytest.raises(ValueError, match=r"same first dimension.*\(10, 3\), \(9,\)"):
        cr.data.TensorDataset(np.zeros((10, 3)), np.zeros(9))
    with pytest.raises(ValueError, match="0-d"):
        cr.data.TensorDataset(np.zeros(3), np.float64(1.0))
    with pytest.raises(ValueError, match="at least one"):
        cr.data.TensorDataset()


# --- DataLoader -------------------------------------------------------------

def batches(loader):
    return [tuple(t.data for t in batch) for batch in loader]


def test_loader_in_order_with_last_short_batch():
    x, y = rows(10)
    loader = cr.data.DataLoader(cr.data.TensorDataset(x, y), batch_size=4)
    got = batches(loader)
    assert len(loader) == len(got) == 3
    assert [b[0].shape for b in got] == [(4, 3), (4, 3), (2, 3)]
    np.testing.assert_array_equal(np.concatenate([b[0] for b in got]), x)
    assert all(b[0].dtype == np.float32 and b[1].dtype == np.int64 for b in got)


def test_loader_drop_last():
    loader = cr.data.DataLoader(cr.data.TensorDataset(*rows(10)), batch_size=4, drop_last=True)
    assert len(loader) == 2 and [b[0].shape[0] for b in batches(loader)] == [4, 4]
    assert len(cr.data.DataLoader(cr.data.TensorDataset(*rows(8)), batch_size=4, drop_last=True)) == 2


def test_shuffle_is_a_permutation_new_each_epoch_and_deterministic_for_a_seed():
    x, y = rows(20)
    ds = cr.data.TensorDataset(x, y)
    loader = cr.data.DataLoader(ds, batch_size=6, shuffle=True, seed=7)
    epoch1, epoch2 = batches(loader), batches(loader)
    seen = np.concatenate([b[1] for b in epoch1])
    assert sorted(np.concatenate([b[0][:, 0] for b in epoch1]).tolist()) == sorted(x[:, 0].tolist())
    assert not np.array_equal(np.concatenate([b[0] for b in epoch1]), np.concatenate([b[0] for b in epoch2]))
    # x and y rows stay paired after shuffling
    np.testing.assert_array_equal(np.concatenate([b[0] for b in epoch1])[:, 0] / 3 % 4, seen)
    again = cr.data.DataLoader(ds, batch_size=6, shuffle=True, seed=7)
    for a, b in zip(epoch1 + epoch2, batches(again) + batches(again)):
        np.testing.assert_array_equal(a[0], b[0])


def test_shuffle_without_seed_follows_manual_seed():
    ds = cr.data.TensorDataset(*rows(20))
    cr.manual_seed(3)
    first = batches(cr.data.DataLoader(ds, batch_size=5, shuffle=True))
    cr.manual_seed(3)
    second = batches(cr.data.DataLoader(ds, batch_size=5, shuffle=True))
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a[0], b[0])


def test_generic_dataset_collates_like_the_tensor_fast_path():
    x, y = rows(9)

    class Rows(cr.data.Dataset):
        def __getitem__(self, i):
            return x[i], int(y[i])

        def __len__(self):
            return len(x)

    slow = batches(cr.data.DataLoader(Rows(), batch_size=4, shuffle=True, seed=1))
    fast = batches(cr.data.DataLoader(cr.data.TensorDataset(x, y), batch_size=4, shuffle=True, seed=1))
    for (sx, sy), (fx, fy) in zip(slow, fast):
        np.testing.assert_array_equal(sx, fx)
        np.testing.assert_array_equal(sy, fy)
        assert sx.dtype == fx.dtype and sy.dtype == fy.dtype == np.int64


def test_python_numbers_collate_to_default_float_and_int64():
    (squares, index), = batches(cr.data.DataLoader(Squares(3), batch_size=3))
    np.testing.assert_array_equal(squares, [0.0, 1.0, 4.0])
    assert squares.dtype == cr.get_default_dtype() and index.dtype == np.int64


def test_single_field_examples_give_a_tensor_per_batch():
    class Plain(cr.data.Dataset):
        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float32)

        def __len__(self):
            return 3

    batch, = list(cr.data.DataLoader(Plain(), batch_size=3))
    assert isinstance(batch, cr.Tensor) and batch.shape == (3, 2)


@pytest.mark.parametrize("size", [0, -1, 2.5, None])
def test_loader_refuses_bad_batch_sizes(size):
    with pytest.raises(ValueError, match="batch_size"):
        cr.data.DataLoader(Squares(3), batch_size=size)


# --- load_digits ------------------------------------------------------------

def test_load_digits_is_a_fixed_stratified_split_scaled_to_unit_range():
    pytest.importorskip("sklearn")
    X_train, y_train, X_test, y_test = cr.data.load_digits()
    assert X_train.shape == (1437, 64) and X_test.shape == (360, 64)
    assert X_train.dtype == X_test.dtype == np.float32 and y_train.dtype == y_test.dtype == np.int64
    assert X_train.min() == 0 and X_train.max() == 1
    train_share = np.bincount(y_train) / len(y_train)
    test_share = np.bincount(y_test) / len(y_test)
    np.testing.assert_allclose(train_share, test_share, atol=0.01)
    again = cr.data.load_digits()
    np.testing.assert_array_equal(again[0], X_train)
    np.testing.assert_array_equal(again[3], y_test)


# --- read_idx ---------------------------------------------------------------

def write_idx(path, array, code, opener=open):
    header = bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    with opener(path, "wb") as f:
        f.write(header + array.astype(array.dtype.newbyteorder(">")).tobytes())


def test_read_idx_images_and_labels_plain_and_gzipped(tmp_path):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 2], dtype=np.uint8)
    write_idx(tmp_path / "images-idx3-ubyte", images, 0x08)
    write_idx(tmp_path / "labels-idx1-ubyte.gz", labels, 0x08, opener=gzip.open)
    np.testing.assert_array_equal(cr.data.read_idx(tmp_path / "images-idx3-ubyte"), images)
    got = cr.data.read_idx(str(tmp_path / "labels-idx1-ubyte.gz"))
    np.testing.assert_array_equal(got, labels)
    assert got.dtype == np.uint8


@pytest.mark.parametrize("dtype,code", [(np.int16, 0x0B), (np.int32, 0x0C), (np.float32, 0x0D),
                                        (np.float64, 0x0E)])
def test_read_idx_wider_types_come_back_in_native_byte_order(tmp_path, dtype, code):
    values = np.array([[-1.5, 2], [300, -4]]).astype(dtype)
    write_idx(tmp_path / "values.idx", values, code)
    got = cr.data.read_idx(tmp_path / "values.idx")
    np.testing.assert_array_equal(got, values)
    assert got.dtype == np.dtype(dtype) and got.dtype.isnative


def test_read_idx_errors_say_what_is_wrong(tmp_path):
    missing = tmp_path / "nothing-here.idx"
    with pytest.raises(FileNotFoundError, match=str(missing)):
        cr.data.read_idx(missing)
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01" + b"\0" * 8)
    with pytest.raises(ValueError, match="not an IDX file"):
        cr.data.read_idx(tmp_path / "bad")
    write_idx(tmp_path / "short", np.zeros(5, np.uint8), 0x08)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-2])
    with pytest.raises(ValueError, match=r"shape \(5,\)"):
        cr.data.read_idx(tmp_path / "short")


# --- load_cifar10 -----------------------------------------------------------

def write_cifar_batch(path, n, seed, protocol=2):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n).tolist()
    with open(path, "wb") as f:
        pickle.dump({b"batch_label": b"a batch", b"labels": labels, b"data": data,
                     b"filenames": [b"img.png"] * n}, f, protocol=protocol)
    return data, labels


def write_cifar_dir(directory, protocol=2):
    directory.mkdir(parents=True, exist_ok=True)
    train = [write_cifar_batch(directory / f"data_batch_{i}", 3, i, protocol) for i in range(1, 6)]
    test = write_cifar_batch(directory / "test_batch", 2, 9, protocol)
    return train, test


@pytest.mark.parametrize("protocol", [2, 5])
def test_load_cifar10_reads_the_python_batches(tmp_path, protocol):
    train, (test_data, test_labels) = write_cifar_dir(tmp_path, protocol)
    X_train, y_train, X_test, y_test = cr.data.load_cifar10(tmp_path)
    assert X_train.shape == (15, 3, 32, 32) and X_test.shape == (2, 3, 32, 32)
    assert X_train.dtype == np.float32 and y_train.dtype == np.int64
    np.testing.assert_allclose(X_train[3], train[1][0][0].reshape(3, 32, 32) / 255, rtol=1e-6)
    np.testing.assert_array_equal(y_train, np.concatenate([labels for _, labels in train]))
    np.testing.assert_array_equal(y_test, test_labels)
    assert 0 <= X_test.min() and X_test.max() <= 1


def test_load_cifar10_finds_the_extracted_folder(tmp_path):
    write_cifar_dir(tmp_path / "cifar-10-batches-py")
    assert cr.data.load_cifar10(str(tmp_path))[0].shape == (15, 3, 32, 32)


def test_load_cifar10_missing_file_says_where_it_looked(tmp_path):
    write_cifar_dir(tmp_path)
    os.remove(tmp_path / "data_batch_4")
    with pytest.raises(FileNotFoundError, match=str(tmp_path / "data_batch_4")):
        cr.data.load_cifar10(tmp_path)


class Exploit:
    def __reduce__(self):
        return (os.remove, ("/definitely/not/a/file",))


def test_load_cifar10_refuses_pickles_that_call_anything_else(tmp_path):
    write_cifar_dir(tmp_path)
    with open(tmp_path / "test_batch", "wb") as f:
        pickle.dump({b"data": Exploit(), b"labels": []}, f, protocol=2)
    with pytest.raises(ValueError, match="refusing to load .*remove"):
        cr.data.load_cifar10(tmp_path)
