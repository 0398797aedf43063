"""Datasets, batching and bundled data, as in ``torch.utils.data``.

``Dataset``, ``TensorDataset`` and ``DataLoader`` feed training loops;
``load_digits`` and ``load_mnist1d`` need no download; ``read_idx`` and
``load_cifar10`` read files a user has downloaded. The loaders return NumPy
arrays ``(X_train, y_train, X_test, y_test)`` with float32 inputs and int64
labels.
"""
from .cifar10 import load_cifar10
from .dataset import Dataset, TensorDataset
from .digits import load_digits
from .idx import read_idx
from .loader import DataLoader
from .mnist1d import load_mnist1d

__all__ = ["DataLoader", "Dataset", "TensorDataset", "load_cifar10", "load_digits", "load_mnist1d",
           "read_idx"]
