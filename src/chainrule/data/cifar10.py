"""Reader for the CIFAR-10 "python version" a user downloaded.

Those batches are Python pickles, and unpickling a file can run any code
its author chose. So they are read with an unpickler that resolves only
the handful of names a pickled NumPy array needs (plus the codec call
Python uses for bytes in old pickles) and refuses every other, which
leaves nothing for a hostile file to call.
"""
import os
import pickle

import numpy as np

TRAIN_FILES = tuple(f"data_batch_{i}" for i in range(1, 6))
TEST_FILE = "test_batch"
SUBDIRECTORY = "cifar-10-batches-py"

_ALLOWED = {
    ("numpy", "ndarray"), ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("_codecs", "encode"),
}


class _ArraysOnly(pickle.Unpickler):
    def find_class(self, module, name):
        if (module, name) in _ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}: a CIFAR-10 batch holds "
                                     f"only dicts, lists, bytes and NumPy arrays")


def load_cifar10(directory):
    """``(X_train, y_train, X_test, y_test)`` from the CIFAR-10 python batches
    in ``directory`` (or in its ``cifar-10-batches-py`` folder): images as
    float32 arrays (N, 3, 32, 32) scaled to [0, 1], labels int64."""
    directory = os.fspath(directory)
    if os.path.isdir(os.path.join(directory, SUBDIRECTORY)):
        directory = os.path.join(directory, SUBDIRECTORY)
    train = [read_cifar10_batch(os.path.join(directory, name)) for name in TRAIN_FILES]
    X_test, y_test = read_cifar10_batch(os.path.join(directory, TEST_FILE))
    X_train = np.concatenate([x for x, _ in train])
    y_train = np.concatenate([y for _, y in train])
    return X_train, y_train, X_test, y_test


def read_cifar10_batch(path):
    """Images (N, 3, 32, 32) float32 in [0, 1] and int64 labels of one batch file."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cr.data.load_cifar10: no CIFAR-10 batch at {os.path.abspath(path)}")
    with open(path, "rb") as f:
        try:
            # encoding="bytes" reads the Python 2 strings of the original files.
            batch = _ArraysOnly(f, encoding="bytes").load()
        except (pickle.UnpicklingError, EOFError, ValueError) as err:
            raise ValueError(f"cr.data.load_cifar10: {path} is not a CIFAR-10 batch ({err})") from err
    if not isinstance(batch, dict):
        raise ValueError(f"cr.data.load_cifar10: {path} holds a {type(batch).__name__}, not a batch dict")
    batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
    if "data" not in batch or "labels" not in batch:
        raise ValueError(f"cr.data.load_cifar10: {path} lacks 'data' or 'labels' (has {sorted(batch)})")
    data = np.asarray(batch["data"])
    labels = np.asarray(batch["labels"], dtype=np.int64)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(data) != len(labels):
        raise ValueError(f"cr.data.load_cifar10: {path} has data of shape {data.shape} and "
                         f"{len(labels)} labels; expected (N, 3072) and N labels")
    return (data.reshape(-1, 3, 32, 32) / np.float32(255)).astype(np.float32), labels
