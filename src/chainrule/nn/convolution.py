"""Convolutions and pooling over 1 or 2 spatial axes, batch first (N, C, L) or (N, C, H, W).

A convolution is one primitive, ``convolution``, computed by im2col: a strided
view of the padded input holds every window (no copy), and one matrix product
with the flattened kernels gives all outputs. Its rules close a loop of two
primitives: the input's cotangent is the transposed convolution
(``convolution_transpose``), whose own input cotangent is the convolution
again, and the kernels' cotangent is a convolution of the input by the output
cotangent (batch and channel axes swapped, stride and dilation exchanged).
Both are linear in each argument, so their JVPs are the same calls with a
tangent in place of that argument. Pooling is written from these and from
indexing, with no derivative code of its own.
"""
import math

import numpy as np
from numpy.lib.stride_tricks import as_strided

import chainrule as cr
from chainrule.ops import add, expand_dims, getitem, reshape, squeeze, swapaxes

from . import init
from ._values import numpy_value
from .module import Module, Parameter


def _tuple(value, n, what, op):
    """``value`` (an int or n ints) as a tuple of n ints."""
    values = (value,) * n if isinstance(value, (int, np.integer)) else tuple(value)
    if len(values) != n or not all(isinstance(v, (int, np.integer)) for v in values):
        raise ValueError(f"{op}: {what} must be an int or {n} ints, got {value!r}")
    return tuple(int(v) for v in values)


def _output_size(op, size, kernel, stride, padding, dilation):
    out = tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))
    if min(out) < 1:
        raise ValueError(f"{op}: kernel {kernel} with dilation {dilation} does not fit the input of spatial "
                         f"size {size} padded by {padding}")
    return out


def _padded(x, padding, value=0.0):
    if not any(padding):
        return x
    # np.full and a slice assignment: a tenth of np.pad's cost on small arrays.
    out = np.full(x.shape[:2] + tuple(s + 2 * p for s, p in zip(x.shape[2:], padding)), value, x.dtype)
    out[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(padding, x.shape[2:]))] = x
    return out


def _windows(xpad, kernel, out, stride, dilation):
    """A view (N, C, *out, *kernel) of the windows of ``xpad`` (N, C, *spatial): no copy."""
    spatial = xpad.strides[2:]
    strides = (xpad.strides[:2] + tuple(st * s for st, s in zip(stride, spatial))
               + tuple(d * s for d, s in zip(dilation, spatial)))
    return as_strided(xpad, xpad.shape[:2] + out + kernel, strides, writeable=False)


# --- the two primitives --------------------------------------------------------
@cr.primitive(name="convolution")
def convolution(x, weight, stride, padding, dilation):
    """Cross-correlation of x (N, C, *size) with weight (O, C, *kernel): (N, O, *out).

    ``stride``, ``padding`` (zeros on both sides) and ``dilation`` hold one int per spatial axis.
    """
    kernel = weight.shape[2:]
    out = _output_size("convolution", x.shape[2:], kernel, stride, padding, dilation)
    windows = _windows(_padded(x, padding), kernel, out, stride, dilation)
    n = len(kernel)
    # Summing over the channel and kernel axes of both: (N, *out, O).
    ans = np.tensordot(windows, weight, axes=((1,) + tuple(range(2 + n, 2 + 2 * n)), tuple(range(1, 2 + n))))
    return np.moveaxis(ans, -1, 1)


@cr.primitive(name="convolution_transpose")
def convolution_transpose(g, weight, size, stride, padding, dilation):
    """The transpose of ``convolution`` in its input: g (N, O, *out) back to (N, C, *size).

    Each kernel offset adds its share into a strided slice of the padded
    input: a loop over the kernel's offsets, never over positions.
    """
    kernel, out = weight.shape[2:], g.shape[2:]
    expected = _output_size("convolution_transpose", size, kernel, stride, padding, dilation)
    if tuple(out) != expected:
        raise ValueError(f"convolution_transpose: g of spatial shape {tuple(out)} does not match a convolution "
                         f"of size {tuple(size)} by kernel {kernel} (which gives {expected})")
    cols = np.tensordot(weight, g, axes=((0,), (1,)))   # (C, *kernel, N, *out)
    xpad = np.zeros((weight.shape[1], g.shape[0]) + tuple(s + 2 * p for s, p in zip(size, padding)),
                    np.result_type(g, weight))
    for offset in np.ndindex(*kernel):
        window = tuple(slice(i * d, i * d + st * (o - 1) + 1, st)
                       for i, d, st, o in zip(offset, dilation, stride, out))
        xpad[(slice(None), slice(None)) + window] += cols[(slice(None),) + offset]
    inside = tuple(slice(p, p + s) for p, s in zip(padding, size))
    return np.ascontiguousarray(np.swapaxes(xpad[(slice(None), slice(None)) + inside], 0, 1))


def _kernel_cotangent(x, g, kernel, stride, padding, dilation):
    """sum over n, p of g[n, o, p] * xpad[n, c, p * stride + i * dilation] for each (o, c, i).

    That is a convolution of x by g with batch and channel axes swapped and
    stride and dilation exchanged; it covers at least the kernel's extent, and
    may run past it when the stride skipped the input's last positions.
    """
    full = convolution(swapaxes(x, 0, 1), swapaxes(g, 0, 1), dilation, padding, stride)   # (C, O, *)
    if tuple(np.shape(full)[2:]) != tuple(kernel):
        full = getitem(full, (slice(None), slice(None)) + tuple(slice(0, k) for k in kernel))
    return swapaxes(full, 0, 1)


def _size(x):
    return tuple(np.shape(x)[2:])


def _kernel(weight):
    return tuple(np.shape(weight)[2:])


cr.defvjp(convolution,
          lambda g, ans, x, w, stride, padding, dilation:
              convolution_transpose(g, w, _size(x), stride, padding, dilation),
          lambda g, ans, x, w, stride, padding, dilation:
              _kernel_cotangent(x, g, _kernel(w), stride, padding, dilation))
cr.defjvp(convolution,
          lambda t, ans, x, w, *conv: convolution(t, w, *conv),
          lambda t, ans, x, w, *conv: convolution(x, t, *conv))
cr.defvjp(convolution_transpose,
          lambda h, ans, g, w, size, *conv: convolution(h, w, *conv),
          lambda h, ans, g, w, size, stride, padding, dilation:
              _kernel_cotangent(h, g, _kernel(w), stride, padding, dilation))
cr.defjvp(convolution_transpose,
          lambda t, ans, g, w, *conv: convolution_transpose(t, w, *conv),
          lambda t, ans, g, w, *conv: convolution_transpose(g, t, *conv))


# --- functional ------------------------------------------------------------------
def _batched(op, x, n):
    """x with a batch axis (PyTorch also takes one unbatched example), and whether one was added."""
    ndim = np.ndim(x)
    if ndim == n + 2:
        return x, False
    if ndim == n + 1:
        return expand_dims(x, 0), True
    raise ValueError(f"{op}: expected input of {n + 2} dimensions (N, C, *spatial) or {n + 1} (C, *spatial), "
                     f"got shape {np.shape(x)}")


def _unbatched(x, added):
    return squeeze(x, 0) if added else x


def _conv(op, n, x, weight, bias, stride, padding, dilation):
    x, added = _batched(op, x, n)
    if np.ndim(weight) != n + 2 or np.shape(weight)[1] != np.shape(x)[1]:
        raise ValueError(f"{op}: weight of shape {np.shape(weight)} does not fit input of shape {np.shape(x)}: "
                         f"expected (out_channels, {np.shape(x)[1]}, {n} kernel sizes)")
    conv = tuple(_tuple(v, n, what, op) for v, what in ((stride, "stride"), (padding, "padding"),
                                                        (dilation, "dilation")))
    out = convolution(x, weight, *conv)
    if bias is not None:
        out = add(out, reshape(bias, (-1,) + (1,) * n))
    return _unbatched(out, added)


def conv1d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """1-D cross-correlation: x (N, C, L), weight (O, C, k), bias (O,) -> (N, O, L_out)."""
    return _conv("conv1d", 1, x, weight, bias, stride, padding, dilation)


def conv2d(x, weight, bias=None, stride=1, padding=0, dilation=1):
    """2-D cross-correlation: x (N, C, H, W), weight (O, C, kh, kw), bias (O,) -> (N, O, H_out, W_out).
    ``stride``, ``padding`` and ``dilation`` are ints or (height, width) pairs."""
    return _conv("conv2d", 2, x, weight, bias, stride, padding, dilation)


def _pool_args(op, n, kernel_size, stride, padding, dilation=1):
    kernel = _tuple(kernel_size, n, "kernel_size", op)
    stride = kernel if stride is None else _tuple(stride, n, "stride", op)
    padding = _tuple(padding, n, "padding", op)
    if any(2 * p > k for p, k in zip(padding, kernel)):
        raise ValueError(f"{op}: padding {padding} must be at most half of kernel_size {kernel}")
    return kernel, stride, padding, _tuple(dilation, n, "dilation", op)


def _max_pool(op, n, x, kernel_size, stride, padding, dilation):
    """Each window's largest entry, picked by indexing: the gradient flows to
    that entry alone; of tied entries, to the first in row-major order within
    the window, as in PyTorch."""
    kernel, stride, padding, dilation = _pool_args(op, n, kernel_size, stride, padding, dilation)
    x, added = _batched(op, x, n)
    raw = numpy_value(x)
    size = raw.shape[2:]
    out = _output_size(op, size, kernel, stride, padding, dilation)
    windows = _windows(_padded(raw, padding, -np.inf), kernel, out, stride, dilation)
    best = np.unravel_index(windows.reshape(raw.shape[:2] + out + (-1,)).argmax(axis=-1), kernel)
    # Position of each window's winner along each spatial axis, in the unpadded input.
    coords = tuple(np.arange(o).reshape((-1,) + (1,) * (n - 1 - j)) * st + b * d - p
                   for j, (o, st, b, d, p) in enumerate(zip(out, stride, best, dilation, padding)))
    channel = np.arange(raw.shape[0] * raw.shape[1]).reshape(raw.shape[:2] + (1,) * n)
    flat = channel * math.prod(size) + np.ravel_multi_index(coords, size)
    return _unbatched(getitem(reshape(x, (-1,)), flat), added)


def max_pool1d(x, kernel_size, stride=None, padding=0, dilation=1):
    """Maximum over windows of length ``kernel_size`` (stride defaults to it): (N, C, L) -> (N, C, L_out)."""
    return _max_pool("max_pool1d", 1, x, kernel_size, stride, padding, dilation)


def max_pool2d(x, kernel_size, stride=None, padding=0, dilation=1):
    """Maximum over kh x kw windows (stride defaults to the kernel): (N, C, H, W) -> (N, C, H_out, W_out)."""
    return _max_pool("max_pool2d", 2, x, kernel_size, stride, padding, dilation)


def avg_pool2d(x, kernel_size, stride=None, padding=0, count_include_pad=True):
    """Mean over kh x kw windows (stride defaults to the kernel). Zero padding
    counts in the mean unless ``count_include_pad=False``, as in PyTorch.

    A convolution of each channel by a constant kernel of 1 / (kh * kw).
    """
    kernel, stride, padding, dilation = _pool_args("avg_pool2d", 2, kernel_size, stride, padding)
    x, added = _batched("avg_pool2d", x, 2)
    (batch, channels), size = np.shape(x)[:2], np.shape(x)[2:]
    dtype = numpy_value(x).dtype
    ones = np.ones((1, 1) + kernel, dtype)
    sums = convolution(reshape(x, (batch * channels, 1) + size), ones, stride, padding, dilation)
    if count_include_pad:
        counts = math.prod(kernel)
    else:
        counts = convolution(np.ones((1, 1) + size, dtype), ones, stride, padding, dilation)
    out = reshape(sums / counts, (batch, channels) + np.shape(sums)[2:])
    return _unbatched(out, added)


# --- modules ---------------------------------------------------------------------
class _ConvNd(Module):
    """What Conv1d and Conv2d share: n spatial axes, PyTorch's parameters and initialisation."""

    n = None

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, bias=True,
                 dtype=None, rng=None):
        super().__init__()
        op = type(self).__name__
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = _tuple(kernel_size, self.n, "kernel_size", op)
        self.stride = _tuple(stride, self.n, "stride", op)
        self.padding = _tuple(padding, self.n, "padding", op)
        self.dilation = _tuple(dilation, self.n, "dilation", op)
        self.weight = Parameter(cr.zeros(out_channels, in_channels, *self.kernel_size, dtype=dtype))
        if bias:
            self.bias = Parameter(cr.zeros(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None):
        """PyTorch's default: Kaiming uniform with a = sqrt(5) for the weight,
        U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), rng=rng)
        if self.bias is not None:
            fan_in, _ = init.calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, rng=rng)

    def forward(self, input):
        return _conv(type(self).__name__, self.n, input, self.weight, self.bias, self.stride, self.padding,
                     self.dilation)

    def extra_repr(self):
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if any(self.padding):
            text += f", padding={self.padding}"
        if any(d != 1 for d in self.dilation):
            text += f", dilation={self.dilation}"
        return text + ("" if self.bias is not None else ", bias=False")


class Conv1d(_ConvNd):
    """1-D convolution layer: weight (out_channels, in_channels, k), input (N, C, L)."""
    n = 1


class Conv2d(_ConvNd):
    """2-D convolution layer: weight (out_channels, in_channels, kh, kw), input (N, C, H, W)."""
    n = 2


class _Pool(Module):
    def __init__(self, kernel_size, stride=None, padding=0, **options):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = kernel_size if stride is None else stride
        self.padding = padding
        self.options = options

    def forward(self, input):
        return type(self).function(input, self.kernel_size, self.stride, self.padding, **self.options)

    def extra_repr(self):
        options = "".join(f", {k}={v}" for k, v in self.options.items())
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}{options}"


class MaxPool1d(_Pool):
    """Maximum over windows along the last axis; see :func:`max_pool1d`."""
    function = staticmethod(max_pool1d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__(kernel_size, stride, padding, dilation=dilation)


class MaxPool2d(_Pool):
    """Maximum over 2-D windows; see :func:`max_pool2d`."""
    function = staticmethod(max_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1):
        super().__init__(kernel_size, stride, padding, dilation=dilation)


class AvgPool2d(_Pool):
    """Mean over 2-D windows; see :func:`avg_pool2d`."""
    function = staticmethod(avg_pool2d)

    def __init__(self, kernel_size, stride=None, padding=0, count_include_pad=True):
        super().__init__(kernel_size, stride, padding, count_include_pad=count_include_pad)
