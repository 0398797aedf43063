"""Pytrees: nested dicts, lists and tuples whose leaves are arrays, numbers or Tensors."""


def flatten(tree):
    """The leaves of ``tree`` in a fixed order, and what it takes to rebuild it."""
    leaves = []
    return leaves, _flatten(tree, leaves)


def _flatten(tree, leaves):
    if isinstance(tree, dict):
        return (dict, tuple(tree), tuple(_flatten(v, leaves) for v in tree.values()))
    if isinstance(tree, (list, tuple)):
        return (type(tree), None, tuple(_flatten(v, leaves) for v in tree))
    leaves.append(tree)
    return None


def unflatten(structure, leaves):
    """``tree`` rebuilt from :func:`flatten`'s structure with new leaves."""
    return _unflatten(structure, iter(leaves))


def _unflatten(structure, leaves):
    if structure is None:
        return next(leaves)
    kind, keys, children = structure
    values = [_unflatten(child, leaves) for child in children]
    if kind is dict:
        return dict(zip(keys, values))
    if hasattr(kind, "_fields"):  # a namedtuple takes its fields as arguments
        return kind(*values)
    return kind(values)
