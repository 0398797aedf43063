"""DataLoader: mini-batches of a dataset, optionally shuffled, as in ``torch.utils.data``."""
import numbers

import numpy as np

import chainrule as cr

from .dataset import TensorDataset


class DataLoader:
    """Iterates over ``dataset`` in batches of ``batch_size`` examples.

    Each batch is a tuple of Tensors (one per field of the examples, stacked
    along a new first axis), or a single Tensor when the examples are not
    tuples. Python ints become int64, Python floats the default float dtype;
    arrays keep their dtype. With ``shuffle=True`` each pass draws a new
    permutation from a generator seeded once with ``seed``, so two loaders
    with the same seed give the same batches epoch after epoch; with
    ``seed=None`` the permutations come from the generator that
    ``cr.manual_seed`` resets. ``drop_last=True`` skips a final short batch.
    """

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        if not isinstance(batch_size, numbers.Integral) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size should be a positive int, got {batch_size!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.seed = seed
        self._rng = np.random.default_rng(seed) if seed is not None else None

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            rng = self._rng if self._rng is not None else cr.factories.default_rng()
            order = rng.permutation(n)
        else:
            order = np.arange(n)
        for start in range(0, len(self) * self.batch_size, self.batch_size):
            yield self._batch(order[start:start + self.batch_size])

    def _batch(self, indices):
        if isinstance(self.dataset, TensorDataset):
            # Rows gathered by one fancy index per array, not one item at a time.
            return tuple(cr.tensor(a[indices]) for a in self.dataset.arrays)
        return collate([self.dataset[int(i)] for i in indices])


def collate(examples):
    """Stack a list of examples into a batch: tuples field by field."""
    first = examples[0]
    if isinstance(first, (tuple, list)):
        return tuple(collate(list(field)) for field in zip(*examples))
    values = [e.data if isinstance(e, cr.Tensor) else e for e in examples]
    if all(isinstance(v, bool) for v in values):
        return cr.tensor(np.array(values, dtype=bool))
    if all(isinstance(v, numbers.Integral) and not isinstance(v, np.generic) for v in values):
        return cr.tensor(np.array(values, dtype=np.int64))
    if all(isinstance(v, float) and not isinstance(v, np.generic) for v in values):
        return cr.tensor(np.array(values, dtype=cr.get_default_dtype()))
    return cr.tensor(np.stack([np.asarray(v) for v in values]))
