"""Reader for the IDX files MNIST is distributed in (plain or gzipped).

An IDX file is two zero bytes, a byte naming the element type, a byte
giving the number of dimensions, each dimension as a big-endian uint32,
then the elements, big-endian, in C order.
"""
import gzip
import os

import numpy as np

_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


def read_idx(path):
    """The array stored in the IDX file ``path`` (``.gz`` or not: gzip is
    recognised by its first bytes), in native byte order."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cr.data.read_idx: no IDX file at {os.path.abspath(path)}")
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == _GZIP_MAGIC:
        raw = gzip.decompress(raw)
    if len(raw) < 4 or raw[:2] != b"\0\0" or raw[2] not in _TYPES:
        raise ValueError(f"cr.data.read_idx: {path} is not an IDX file (it should start with two zero "
                         f"bytes and a type code among {sorted(_TYPES)}, got {raw[:4]!r})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"cr.data.read_idx: {path} is cut short: its header names {ndim} dimensions "
                         f"but the file has {len(raw)} bytes")
    shape = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(_TYPES[raw[2]])
    expected = header + int(np.prod(shape)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"cr.data.read_idx: {path} declares shape {shape} of {dtype.name}, "
                         f"which needs {expected} bytes; the file has {len(raw)}")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))
