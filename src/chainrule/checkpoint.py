"""``cr.save`` / ``cr.load``: state dicts in the safetensors format.

A checkpoint holds nested dicts, lists and tuples whose leaves are arrays
(NumPy arrays or Tensors), Python numbers, strings, bools and None: a
module's ``state_dict()``, an optimizer's, or a dict of both.

The file is a plain safetensors file, so other tools (PyTorch, JAX, the
``safetensors`` package) open it. Its tensors are the arrays, named by
their path of keys joined with dots (``"encoder.weight"``,
``"optimizer.state.0.exp_avg"``); where two paths would join to the same
name (``{"a.b": x, "a": {"b": y}}``) the later one gets a ``#n`` suffix.
The tree itself is kept as JSON in the metadata under ``"chainrule"``, with
each array replaced by its tensor name, and it is what ``cr.load``
rebuilds. What comes back:

- arrays as NumPy arrays, same dtype, shape and values (Tensors come back
  as arrays; complex and object arrays cannot be saved);
- dicts (OrderedDicts too) as plain dicts in the same order, with int
  keys as ints and str keys as strs (other key types are refused);
- lists as lists, tuples as tuples;
- ints, floats (nan and inf too), strings, bools and None as they were;
  NumPy scalars as NumPy scalars of the same dtype.

A safetensors file written by another tool loads as a flat dict of
tensor name -> array. Nothing is unpickled, so loading a file from a
stranger runs no code of theirs.

Files are written atomically: to a temporary file in the same directory,
flushed to disk, then renamed over the target, so an error or a crash
mid-save leaves the previous file whole and no temporary file behind.
"""
import json
import os
import secrets

import numpy as np

from .tensor import Tensor

_METADATA_KEY = "chainrule"
_FORMAT_VERSION = 1


def save(obj, path):
    """Write the state dict ``obj`` (nested dicts/lists of arrays and plain
    values) to ``path`` in the safetensors format, atomically."""
    if hasattr(obj, "state_dict") and not isinstance(obj, dict):
        raise TypeError(f"cr.save: got a {type(obj).__name__}; save its state, "
                        f"cr.save(obj.state_dict(), path)")
    arrays = {}
    tree = _encode(obj, (), arrays)
    metadata = {_METADATA_KEY: json.dumps({"version": _FORMAT_VERSION, "tree": tree})}
    payload = _safetensors().save(arrays, metadata=metadata)
    write_atomically(os.fspath(path), payload)


def load(path):
    """The state dict saved at ``path`` by :func:`save` (arrays as NumPy arrays)."""
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"cr.load: no checkpoint file at {os.path.abspath(path)}")
    safetensors_numpy = _safetensors()
    from safetensors import SafetensorError

    with open(path, "rb") as f:
        payload = f.read()
    try:
        arrays = safetensors_numpy.load(payload)
    except SafetensorError as err:
        raise ValueError(f"cr.load: {path} is not a readable safetensors file ({err})") from err
    metadata = _header(payload).get("__metadata__") or {}
    if _METADATA_KEY not in metadata:
        return arrays
    header = json.loads(metadata[_METADATA_KEY])
    if header.get("version") != _FORMAT_VERSION:
        raise ValueError(f"cr.load: {path} was written in checkpoint format {header.get('version')}, "
                         f"this chainrule reads format {_FORMAT_VERSION}")
    return _decode(header["tree"], arrays)


def _header(payload):
    # A safetensors file starts with the length of its JSON header (u64, little-endian).
    length = int.from_bytes(payload[:8], "little")
    return json.loads(payload[8:8 + length])


def write_atomically(path, payload):
    """Write the bytes ``payload`` to ``path`` so that ``path`` holds either its
    old contents or all of the new ones, never a part."""
    directory, name = os.path.split(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot write {name}: there is no directory {directory}")
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(4)}.tmp")
    # os.open with 0o666 lets the umask set the permissions, as open() would.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# The tree in JSON: plain values stand for themselves; every container,
# array or NumPy scalar is a one-key object saying what it is, so the two
# never collide.
def _encode(value, keys, arrays):
    if isinstance(value, dict):
        return {"dict": [[_check_key(k, keys), _encode(v, keys + (k,), arrays)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        items = [_encode(v, keys + (i,), arrays) for i, v in enumerate(value)]
        return {"tuple" if isinstance(value, tuple) else "list": items}
    if isinstance(value, np.generic):
        return {"scalar": [value.dtype.str, value.item()]}
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (np.ndarray, Tensor)):
        return {"tensor": _add_array(np.asarray(getattr(value, "data", value)), keys, arrays)}
    raise TypeError(f"cr.save: the value at {_where(keys)} is a {type(value).__name__}; a checkpoint "
                    f"holds arrays, Tensors, numbers, strings, bools, None and dicts/lists/tuples of them")


def _add_array(array, keys, arrays):
    if array.dtype.kind in "cmMOSUV":
        raise TypeError(f"cr.save: the array at {_where(keys)} has dtype {array.dtype}, which "
                        f"safetensors cannot store (use bool, integer or float arrays)")
    name = ".".join(str(k) for k in keys) or "tensor"
    unique, n = name, 1
    while unique in arrays:
        unique, n = f"{name}#{n}", n + 1
    arrays[unique] = np.require(array, requirements="C")  # (ascontiguousarray would make 0-d 1-d)
    return unique


def _check_key(key, keys):
    # bool is an int subclass but would come back as 0/1: refuse it with the rest.
    if isinstance(key, str):
        return key
    if isinstance(key, (int, np.integer)) and not isinstance(key, (bool, np.bool_)):
        return int(key)
    raise TypeError(f"cr.save: the dict at {_where(keys)} has a key {key!r} of type {type(key).__name__}; "
                    f"checkpoint keys are strings or ints")


def _where(keys):
    return "the top level" if not keys else "key " + ".".join(str(k) for k in keys)


def _decode(node, arrays):
    if not isinstance(node, dict):
        return node
    (kind, body), = node.items()
    if kind == "dict":
        return {key: _decode(value, arrays) for key, value in body}
    if kind in ("list", "tuple"):
        items = [_decode(value, arrays) for value in body]
        return items if kind == "list" else tuple(items)
    if kind == "scalar":
        dtype, value = body
        return np.dtype(dtype).type(value)
    if kind == "tensor" and body in arrays:
        return arrays[body]
    raise ValueError(f"cr.load: the checkpoint's metadata names {kind} {body!r}, which the file does not hold")


def _safetensors():
    try:
        import safetensors.numpy
    except ImportError as err:
        raise ImportError("cr.save and cr.load need the safetensors package: "
                          "pip install 'chainrule[train]' (or pip install safetensors)") from err
    return safetensors.numpy
