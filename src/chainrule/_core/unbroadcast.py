"""Undo broadcasting: the one place where a cotangent is summed back to a shape."""


def unbroadcast(g, shape):
    """Sum ``g`` over the axes that broadcasting added or stretched to reach ``shape``.

    If x of shape (3, 1) was broadcast to (2, 3, 4), every element of x fed
    eight outputs, so its cotangent is the sum of theirs: over the new leading
    axis and over the stretched last axis. Works on raw arrays and on Tensors
    (through their methods), so it can itself be differentiated.
    """
    extra = g.ndim - len(shape)
    if extra < 0:
        raise ValueError(f"cannot unbroadcast a cotangent of shape {g.shape} to the larger shape {shape}")
    leading = tuple(range(extra))
    if 1 in shape:   # only an axis of size 1 can have been stretched
        stretched = tuple(i + extra for i, n in enumerate(shape) if n == 1 and g.shape[i + extra] != 1)
        if stretched:
            return g.sum(axis=leading + stretched, keepdims=True).reshape(shape)
    # The reshape also rejects a rule's cotangent of the wrong size.
    return (g.sum(axis=leading) if leading else g).reshape(shape)
