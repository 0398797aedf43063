"""Sample inputs for the shape primitives, called as the primitives take them
(concatenate's parts as separate arguments, pad_width as given to numpy.pad);
index arrays and shapes are constants."""
import numpy as np


def _getitem(d):
    x = d.normal(4, 5, 3)
    return [
        ((x, 1), {}),
        ((x, -1), {}),
        ((x, (slice(1, 3), 2)), {}),
        ((x, (Ellipsis, slice(None, None, -2))), {}),
        ((x, (None, 0, Ellipsis, None)), {}),
        ((x, np.array([0, 2, 2, 0])), {}),                  # repeated rows: cotangents add
        ((x, (slice(None), np.array([[1, 1], [4, 0]]))), {}),
        ((x, (np.array([0, 3]), slice(None), np.array([2, 2]))), {}),
        ((x, x[..., 0] > 0), {}),                           # bool mask over the first two axes
        ((x, (Ellipsis, np.array([True, False, True]))), {}),
        ((d.normal(6), [1, 1, 1, -1]), {}),                 # a list is an integer array
        ((d.normal(), ()), {}),                             # 0-d input, empty index
    ]


def _index_add(d):
    # (cotangent of x[index], index, x.shape) for index forms that do and do not repeat.
    return [
        ((d.normal(2, 3), (slice(1, 3),), (4, 3)), {}),
        ((d.normal(5, 3), np.array([0, 2, 2, 0, 2]), (4, 3)), {}),
        ((d.normal(3), np.array([[True, False, True], [False, True, False]]), (2, 3)), {}),
        ((d.normal(), (1, 2), (4, 3)), {}),
        ((d.normal(1, 3), np.array([3, 1]), (4, 3)), {}),   # broadcast into the selection
    ]


SAMPLES = {
    "reshape": lambda d: [
        ((d.normal(3, 4), (2, 6)), {}),
        ((d.normal(2, 3, 4), (4, -1)), {}),
        ((d.normal(1, 5), (5,)), {}),
        ((d.normal(), (1, 1)), {}),
        ((d.normal(1), ()), {}),                   # to 0-d
    ],
    "transpose": lambda d: [
        ((d.normal(3, 4),), {}),
        ((d.normal(2, 3, 4), (1, 2, 0)), {}),
        ((d.normal(2, 1, 4), (-1, 0, 1)), {}),
        ((d.normal(),), {}),
    ],
    "broadcast_to": lambda d: [
        ((d.normal(3, 1), (2, 3, 4)), {}),
        ((d.normal(4), (3, 4)), {}),
        ((d.normal(), (2, 2)), {}),
        ((d.normal(1, 1), (1, 1)), {}),
    ],
    "concatenate": lambda d: [
        ((d.normal(2, 3), d.normal(4, 3)), {}),
        ((d.normal(2, 3), d.normal(2, 1), d.normal(2, 2)), {"axis": 1}),
        ((d.normal(2, 1, 3), d.normal(2, 2, 3)), {"axis": -2}),
        ((d.normal(5),), {}),
        ((d.normal(2), d.normal(3), d.normal(1)), {}),
    ],
    "pad": lambda d: [
        ((d.normal(3, 4), 1), {}),
        ((d.normal(3, 4), ((1, 0), (2, 3))), {"constant_values": 0.5}),
        ((d.normal(2, 1, 3), (0, 2)), {}),
        ((d.normal(5), ((0, 0),)), {}),
    ],
    "getitem": _getitem,
    "index_add": _index_add,
    "astype": lambda d: [((d.normal(3, 4), np.float64), {}), ((d.normal(), np.float64), {})],
}
