"""``cr.explain(t)``: the backward pass written out as the lecture notes do it.

One row per node in the order backprop visits it: what it computes, its
forward value, the upstream gradient from each child, its local derivative
with respect to each parent and its gradient, in bar notation (x-bar = dJ/dx):
the sum of the upstream gradients.
"""
import unicodedata

import numpy as np

from ..tensor import Tensor
from .graph import Graph
from .replay import replay
from .values import format_number, format_value, plain

BAR = "\u0304"  # combining macron: "x" + BAR prints as x-bar
COLUMNS = ("step", "node", "op", "value", "upstream gradient (from each child)",
           "local derivative (∂node/∂parent)", "gradient (bar)")


def explain(t, names=None, gradient=None):
    """Explain the backward pass of ``t`` node by node.

    ``names`` maps names to tensors (``names=locals()`` works) for nodes the
    table should call by name; leaves also take the ``name`` they were created
    with. If no leaf of the graph has a gradient yet, this runs
    ``t.backward(gradient, retain_graph=True)`` itself, so the leaves' ``.grad``
    and the graph's values stay available for :func:`chainrule.viz.to_dot`.
    """
    graph = Graph(t, names)
    if not t.requires_grad:
        raise RuntimeError(
            "explain: this tensor does not require grad, so there is no backward pass to show; "
            "create the inputs with requires_grad=True")
    if gradient is None:
        if t.data.size != 1:
            raise RuntimeError(
                f"explain: the output has shape {t.shape}; pass gradient= with that shape "
                "(backward starts from dJ/dJ = 1 only for a single number)")
        gradient = np.ones(t.shape, t.dtype)
    steps = replay(graph, np.asarray(gradient.data if isinstance(gradient, Tensor) else gradient))
    if all(leaf.grad is None for leaf in graph.leaves if leaf.requires_grad):
        t.backward(gradient, retain_graph=True)
    return Explanation(graph, steps)


class Explanation:
    """The report: prints as an aligned table; ``.rows`` and ``.to_markdown()``."""

    def __init__(self, graph, steps):
        self.output = graph.root_name
        self.rows = [_row(graph, i, step) for i, step in enumerate(steps, 1)]
        self._cells = [_cells(graph, row, step) for row, step in zip(self.rows, steps)]

    @property
    def header(self):
        f = self.output
        return (f"Backward pass of {f}, node by node in the order backprop visits them.\n"
                f"Bar notation: x{BAR} = ∂{f}/∂x. A node's gradient is the sum of the upstream gradients\n"
                "from its children; it sends gradient × local derivative on to each parent.")

    def __str__(self):
        table = [COLUMNS] + self._cells
        widths = [max(_width(row[i]) for row in table) for i in range(len(COLUMNS))]
        lines = ["  ".join(_pad(cell, w) for cell, w in zip(row, widths)).rstrip() for row in table]
        return "\n".join([self.header, ""] + lines)

    __repr__ = __str__

    def to_markdown(self):
        def line(cells):
            return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"

        body = [line(COLUMNS), line(["---"] * len(COLUMNS))] + [line(c) for c in self._cells]
        return "\n".join([self.header, ""] + body)

    def _repr_markdown_(self):
        return self.to_markdown()


def _row(graph, step_number, step):
    node = step.item
    is_op = not isinstance(node, Tensor)
    return {
        "step": step_number,
        "node": graph.name(node),
        "op": node.name if is_op else "input",
        "formula": graph.formula(node) if is_op else None,
        "value": plain(node.ans if is_op else node.data),
        "upstream": {graph.name(child): plain(g) for child, g in step.upstream.items()},
        "local": {graph.names[k]: plain(v) for k, v in step.local.items()},
        "grad": plain(step.grad),
    }


def _cells(graph, row, step):
    name = row["node"]
    node_cell = f"{name} = {row['formula']}" if row["formula"] else name
    if row["upstream"]:
        upstream = ", ".join(f"from {child}: {format_value(g)}" for child, g in row["upstream"].items())
    else:
        upstream = f"∂{name}/∂{name} = {format_value(row['grad'])} (start)"
    local = ", ".join(
        f"∂{name}/∂{parent} = " + ("VJP only (not elementwise)" if d is None else format_value(d))
        for parent, d in row["local"].items())
    return (str(row["step"]), node_cell, row["op"], format_value(row["value"]), upstream, local,
            f"{_bar(name)} = {_sum_text(row)}")


def _sum_text(row):
    parts = list(row["upstream"].values())
    total = format_value(row["grad"])
    if len(parts) < 2 or not all(np.size(p) == 1 for p in parts):
        return total
    terms = [format_number(p) for p in parts]
    return " + ".join(t if not t.startswith("-") else f"({t})" for t in terms) + f" = {total}"


def _bar(name):
    # The macron goes on the last character: w0 -> w0̄ reads as "w0 bar".
    return name + BAR


def _width(text):
    return sum(not unicodedata.combining(c) for c in text)


def _pad(text, width):
    return text + " " * (width - _width(text))
