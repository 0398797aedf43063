"""Sample inputs for the convolution primitives of chainrule.nn: 1-D and 2-D,
with stride, padding and dilation, and a stride that skips the input's last
positions. Tiny shapes: the checks take finite differences per element.

Each case is (input's shape, kernel's shape (O, C, *k), stride, padding, dilation).
"""
_CASES = [
    ((2, 2, 5), (3, 2, 2), (1,), (0,), (1,)),
    ((1, 2, 6), (2, 2, 3), (2,), (1,), (1,)),          # stride 2 skips the last position
    ((2, 1, 7), (2, 1, 2), (1,), (2,), (2,)),          # dilation and wide padding
    ((1, 2, 4, 3), (2, 2, 2, 2), (1, 1), (0, 0), (1, 1)),
    ((1, 1, 5, 4), (2, 1, 3, 2), (2, 1), (1, 0), (1, 2)),
]


def _out(size, kernel, stride, padding, dilation):
    return tuple((s + 2 * p - d * (k - 1) - 1) // st + 1
                 for s, k, st, p, d in zip(size, kernel, stride, padding, dilation))


SAMPLES = {
    "convolution": lambda d: [
        ((d.normal(*x), d.normal(*w), stride, padding, dilation), {})
        for x, w, stride, padding, dilation in _CASES],
    "convolution_transpose": lambda d: [
        ((d.normal(x[0], w[0], *_out(x[2:], w[2:], stride, padding, dilation)), d.normal(*w), x[2:],
          stride, padding, dilation), {})
        for x, w, stride, padding, dilation in _CASES],
}
