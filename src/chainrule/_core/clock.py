"""One clock for graph order and in-place writes.

Every recorded node and every in-place write takes the next tick. A node's
tick orders the backward pass (consumers tick after producers), and a value
was changed after a node saved it exactly when the value's last write ticked
later than the node.
"""
import itertools

ticks = itertools.count(1)
tick = ticks.__next__


class _LastWrite:
    __slots__ = ("at",)

    def __init__(self):
        self.at = 0


last_write = _LastWrite()


def record_write(tensor):
    """Bump the version of ``tensor`` and of every tensor it is a view of."""
    now = last_write.at = tick()
    t = tensor
    while t is not None:
        t._version += 1
        t._written_at = now
        t = t._base


def written_at(tensor):
    """The tick of the last write to ``tensor``'s storage, through it or a base it views."""
    latest = 0
    while tensor is not None:
        latest = max(latest, tensor._written_at)
        tensor = tensor._base
    return latest
