"""Sample inputs for the reductions: every kind of ``axis`` (None, an int, a
negative int, a tuple), ``keepdims``, size-1 axes and 0-d inputs."""


def _axes(make):
    return [
        ((make(3, 4),), {}),
        ((make(3, 4),), {"axis": 0}),
        ((make(2, 3, 4),), {"axis": -1, "keepdims": True}),
        ((make(2, 3, 4),), {"axis": (0, 2)}),
        ((make(1, 5),), {"axis": 0}),          # a size-1 axis
        ((make(),), {}),                       # 0-d
    ]


SAMPLES = {
    "sum": lambda d: _axes(d.normal),
    # Distinct values: away from ties, where max and min are not differentiable.
    "max": lambda d: _axes(d.distinct),
    "min": lambda d: _axes(d.distinct),
    # No zeros here: a zero's second derivative is not exact (tests cover zeros to first order).
    "prod": lambda d: _axes(d.nonzero),
    "logsumexp": lambda d: _axes(d.normal),
}
