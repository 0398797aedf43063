"""MNIST-1D (Greydanus, "Scaling Down Deep Learning", 2020), generated locally.

Each digit is a 12-point 1-D pattern. An example is that pattern padded
with a random number of zeros, stretched to 72 points, scaled, rolled
(translated), its zero part filled with smooth (Gaussian-filtered) noise,
given a little white noise everywhere, sheared by a random linear ramp and
resampled to 40 points. The whole set is then shuffled and standardised
(zero mean, unit standard deviation over all values) and split 80/20.

This reproduces ``mnist1d.data.make_dataset`` with the package's default
arguments, random draw for random draw: the same legacy NumPy generator
(``RandomState(42)``) is asked for the same numbers in the same order, so
the arrays equal the package's to rounding error (about 1e-15). Only the
arithmetic is reorganised to run on all 5,000 examples at once.

The arrays are cached in ``$XDG_CACHE_HOME/chainrule/mnist1d.npz``
(``~/.cache/chainrule`` by default), written atomically; delete the file to
regenerate it.
"""
import io
import os

import numpy as np

from ..checkpoint import write_atomically

NUM_SAMPLES = 5000
TRAIN_SPLIT = 0.8
PADDING = (36, 60)
TEMPLATE_LEN = 12
STRETCHED_LEN = TEMPLATE_LEN + PADDING[1]
SCALE_COEFF = 0.4
MAX_TRANSLATION = 48
CORR_NOISE_SCALE = 0.25
IID_NOISE_SCALE = 2e-2
SHEAR_SCALE = 0.75
FINAL_SEQ_LENGTH = 40
SEED = 42
# Added to the template so that its own zeros are told apart from padding.
EPS = 1e-8
_CACHE_VERSION = 1

# The ten digits drawn as 12-point strokes.
_DIGITS = np.array([
    [5, 6, 6.5, 6.75, 7, 7, 7, 7, 6.75, 6.5, 6, 5],
    [5, 3, 3, 3.4, 3.8, 4.2, 4.6, 5, 5.4, 5.8, 5, 5],
    [5, 6, 6.5, 6.5, 6, 5.25, 4.75, 4, 3.5, 3.5, 4, 5],
    [5, 6, 6.5, 6.5, 6, 5, 5, 6, 6.5, 6.5, 6, 5],
    [5, 4.4, 3.8, 3.2, 2.6, 2.6, 5, 5, 5, 5, 5, 5],
    [5, 3, 3, 3, 3, 5, 6, 6.5, 6.5, 6, 4.5, 5],
    [5, 4, 3.5, 3.25, 3, 3, 3, 3, 3.25, 3.5, 4, 5],
    [5, 7, 7, 6.6, 6.2, 5.8, 5.4, 5, 4.6, 4.2, 5, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 4, 3.5, 3.5, 4, 5],
    [5, 4, 3.5, 3.5, 4, 5, 5, 5, 5, 4.7, 4.3, 5],
])


def load_mnist1d(cache=True):
    """``(X_train, y_train, X_test, y_test)``: 4,000 and 1,000 sequences of
    length 40 (float32) with their digits (int64). ``cache=False`` neither
    reads nor writes the cache file."""
    path = cache_path()
    if cache:
        cached = _read_cache(path)
        if cached is not None:
            return cached
    x, y = make_mnist1d()
    split = int(len(y) * TRAIN_SPLIT)
    arrays = (x[:split], y[:split], x[split:], y[split:])
    if cache:
        _write_cache(path, arrays)
    return arrays


def cache_path():
    root = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(root, "chainrule", "mnist1d.npz")


def templates():
    """The digit patterns, standardised per digit, starting at 0, divided by 6."""
    x = _DIGITS - _DIGITS.mean(1, keepdims=True)
    x /= x.std(1, keepdims=True)
    x -= x[:, :1]
    return x / 6.0


def make_mnist1d():
    """All 5,000 examples, shuffled and standardised: ``(x float32 (5000, 40), y int64)``."""
    rng = np.random.RandomState(SEED)
    labels = np.repeat(np.arange(10), NUM_SAMPLES // 10)
    draws = _draw(rng, len(labels))
    order = rng.permutation(len(labels))

    x = _stretch_padded(templates()[labels] + EPS, draws["pad"])
    x *= 1 + SCALE_COEFF * (draws["scale"] - 0.5)[:, None]
    x = _roll_rows(x, draws["shift"])
    x = np.where(x != 0, x, _gaussian_filter(CORR_NOISE_SCALE * draws["corr"], sigma=2))
    x = x + IID_NOISE_SCALE * draws["iid"]
    x = x - (SHEAR_SCALE * (draws["shear"] - 0.5))[:, None] * np.linspace(-0.5, 0.5, STRETCHED_LEN)
    x = _interpolate(x, np.linspace(0, 1, STRETCHED_LEN), np.linspace(0, 1, FINAL_SEQ_LENGTH))

    x, labels = x[order], labels[order]
    x = (x - x.mean()) / x.std()
    return x.astype(np.float32), labels.astype(np.int64)


def _draw(rng, n):
    """Every random number, asked for per example in the package's order
    (pad, scale, translation, smooth noise, white noise, shear), so that the
    stream matches; this loop only draws, it does no arithmetic."""
    low, high = PADDING
    names = ("pad", "scale", "shift", "corr", "iid", "shear")
    out = {name: [] for name in names}
    for _ in range(n):
        out["pad"].append(low + int(rng.rand() * (high - low + 1)))
        out["scale"].append(rng.rand())
        out["shift"].append(rng.choice(MAX_TRANSLATION))
        out["corr"].append(rng.randn(STRETCHED_LEN))
        out["iid"].append(rng.randn(STRETCHED_LEN))
        out["shear"].append(rng.rand())
    return {name: np.array(values) for name, values in out.items()}


def _stretch_padded(patterns, pads):
    """Each pattern followed by ``pad`` zeros, linearly resampled to STRETCHED_LEN
    points; examples sharing a padded length are resampled together."""
    n, length = patterns.shape
    padded = np.zeros((n, length + max(pads)))
    padded[:, :length] = patterns
    out = np.empty((n, STRETCHED_LEN))
    new_grid = np.linspace(0, 1, STRETCHED_LEN)
    for pad in np.unique(pads):
        rows = pads == pad
        out[rows] = _interpolate(padded[rows, :length + pad], np.linspace(0, 1, length + pad), new_grid)
    return out


def _interpolate(y, grid, new_grid):
    """Piecewise-linear resampling of each row of ``y`` from ``grid`` to
    ``new_grid``, evaluated as lower value + slope * offset (as scipy's
    interp1d does, so that a value at a knot comes out the same)."""
    hi = np.clip(np.searchsorted(grid, new_grid), 1, len(grid) - 1)
    lo = hi - 1
    slope = (y[:, hi] - y[:, lo]) / (grid[hi] - grid[lo])
    return slope * (new_grid - grid[lo]) + y[:, lo]


def _roll_rows(x, shifts):
    """Row i rotated right by shifts[i] places."""
    columns = (np.arange(x.shape[1]) - shifts[:, None]) % x.shape[1]
    return np.take_along_axis(x, columns, axis=1)


def _gaussian_filter(x, sigma, truncate=4.0):
    """Each row smoothed by a Gaussian of width ``sigma`` (cut at ``truncate``
    sigmas), the row mirrored at its ends, summed in pairs from the outside in
    (the order scipy.ndimage uses for symmetric kernels)."""
    radius = int(truncate * sigma + 0.5)
    offsets = np.arange(-radius, radius + 1)
    weights = np.exp(-0.5 / sigma ** 2 * offsets ** 2)
    weights /= weights.sum()
    mirrored = np.pad(x, ((0, 0), (radius, radius)), mode="symmetric")
    n = x.shape[1]
    out = weights[radius] * x
    for j in range(radius, 0, -1):
        left, right = mirrored[:, radius - j:radius - j + n], mirrored[:, radius + j:radius + j + n]
        out = out + (left + right) * weights[radius - j]
    return out


def _read_cache(path):
    names = ("x_train", "y_train", "x_test", "y_test")
    try:
        with np.load(path, allow_pickle=False) as saved:
            if int(saved["version"]) != _CACHE_VERSION:
                return None
            return tuple(saved[name] for name in names)
    except (OSError, KeyError, ValueError):
        # Absent, unreadable or from another version: make the data again.
        return None


def _write_cache(path, arrays):
    buffer = io.BytesIO()
    x_train, y_train, x_test, y_test = arrays
    np.savez(buffer, version=_CACHE_VERSION, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        write_atomically(path, buffer.getvalue())
    except OSError:
        # A read-only home only costs the next call a regeneration.
        pass
