"""Values as the pictures and tables print them: short, and on one line."""
import numpy as np

from ..tensor import Tensor

SMALL = 10  # arrays up to this many elements are shown in full


def format_number(x):
    """Four significant digits, integers without a decimal point, never ``-0``."""
    x = float(x) + 0.0
    return f"{x:.4g}"


def format_value(value):
    """A number, a small array in full, or a summary of a large one."""
    if isinstance(value, Tensor):
        value = value.data
    if value is None or isinstance(value, (str, slice, tuple)) or value is Ellipsis:
        return repr(value)
    array = np.asarray(value)
    if array.dtype == bool or not np.issubdtype(array.dtype, np.number):
        return np.array2string(array, separator=", ") if array.size <= SMALL else f"array{array.shape}"
    if array.ndim == 0:
        return format_number(array)
    if array.size <= SMALL:
        # NumPy puts each row of a matrix on a line of its own; keep one line.
        return np.array2string(array, separator=", ", max_line_width=10**6,
                               formatter={"all": format_number}).replace("\n", "")
    return (f"shape {array.shape}: min {format_number(array.min())}, "
            f"mean {format_number(array.mean())}, max {format_number(array.max())}")


def format_shape(shape):
    return "scalar" if shape == () else "×".join(str(n) for n in shape)


def plain(value):
    """A Python float for a single number, else the array (for ``.rows``)."""
    if value is None:
        return None
    array = np.asarray(value)
    return float(array) if array.ndim == 0 else array
