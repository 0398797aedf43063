"""Datasets: anything with ``len(ds)`` and ``ds[i]``, as in ``torch.utils.data``."""
import numpy as np

import chainrule as cr


class Dataset:
    """Base class: a subclass gives ``__getitem__(i)`` (one example, usually a
    tuple such as ``(x, y)``) and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} should define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"{type(self).__name__} should define __len__")


class TensorDataset(Dataset):
    """Examples that are rows of arrays (or Tensors) sharing their first
    dimension: ``ds[i]`` is the tuple of i-th rows, as Tensors."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset: give at least one array")
        self.arrays = tuple(np.asarray(a.data if isinstance(a, cr.Tensor) else a) for a in arrays)
        for i, a in enumerate(self.arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {i} is 0-d; each array needs a first dimension "
                                 f"that numbers the examples")
        lengths = [len(a) for a in self.arrays]
        if len(set(lengths)) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ValueError(f"TensorDataset: the arrays should have the same first dimension, "
                             f"got shapes {shapes}")

    def __getitem__(self, index):
        return tuple(cr.tensor(a[index]) for a in self.arrays)

    def __len__(self):
        return len(self.arrays[0])
