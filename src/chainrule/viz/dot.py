"""Pictures of the graph: Graphviz DOT text, and SVG/PNG through the ``dot`` program.

As in the lecture notes, forward values are written in green and gradients
in red. Values exist only while the graph holds them (before backward, or
after ``backward(retain_graph=True)``); gradients once backward has run.
"""
import html
from pathlib import Path

import numpy as np

from ..tensor import Tensor
from .explain import BAR
from .graph import Graph, key
from .replay import replay
from .values import format_shape, format_value

VALUE_COLOR = "darkgreen"
GRAD_COLOR = "red3"
MAX_JUPYTER_NODES = 300  # larger graphs are not drawn automatically in notebooks


def to_dot(t, values=True, grads=True, names=None):
    """Graphviz DOT text for the graph behind ``t``: one box per op, one oval per leaf."""
    graph = Graph(t, names)
    node_grads = _node_grads(graph) if grads else {}
    lines = [
        "digraph chainrule {",
        '  rankdir=LR; node [fontname="Helvetica", fontsize=11]; edge [color=gray40];',
        f'  label=<{_legend(values, grads, graph)}>; labelloc=b; fontname="Helvetica"; fontsize=10;',
    ]
    ids = {}
    for i, leaf in enumerate(graph.leaves):
        ids[key(leaf)] = f"leaf{i}"
        grad = leaf.grad.data if grads and leaf.grad is not None else None
        style = "" if leaf.requires_grad else ', style=filled, fillcolor=gray92, color=gray60'
        label = _label(graph.name(leaf), "input", leaf.shape, leaf.data if values else None, grad)
        lines.append(f"  {ids[key(leaf)]} [shape=ellipse, margin=\"0.03,0.02\"{style}, label=<{label}>];")
    for node in reversed(graph.nodes):
        ids[node] = f"op{node.seq}"
        value = node.output.data if values else None
        heading = f"{graph.name(node)} = {graph.formula(node)}" if not graph.freed else graph.name(node)
        label = _label(heading, node.name, np.shape(node.output.data), value,
                       node_grads.get(node))
        width = ", penwidth=2" if node.output is t else ""
        lines.append(f'  {ids[node]} [shape=box, style=rounded{width}, label=<{label}>];')
    for node in graph.nodes:
        for _, parent in graph.parents(node):
            lines.append(f"  {ids[key(graph.item_of(parent))]} -> {ids[node]};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render(t, path, format=None, values=True, grads=True, names=None):
    """Write the picture of ``t``'s graph to ``path``; the format comes from
    the suffix (``.svg``, ``.png``, ``.pdf``; ``.dot`` writes the DOT text)."""
    path = Path(path)
    format = (format or path.suffix.lstrip(".") or "svg").lower()
    text = to_dot(t, values=values, grads=grads, names=names)
    path.write_bytes(text.encode() if format in ("dot", "gv") else pipe(text, format))
    return path


def pipe(text, format="svg"):
    """Run Graphviz on DOT ``text``; clear errors when it is not installed."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(
            "drawing pictures needs the Python package 'graphviz': pip install 'chainrule[viz]' "
            "(and the Graphviz program itself, e.g. apt-get install graphviz)") from None
    try:
        return graphviz.Source(text).pipe(format=format)
    except graphviz.ExecutableNotFound:
        raise RuntimeError(
            "the Graphviz program 'dot' was not found on PATH; install Graphviz "
            "(Debian/Ubuntu: apt-get install graphviz, macOS: brew install graphviz, "
            "conda: conda install graphviz), or write the DOT text with to_dot()") from None


def repr_mimebundle(t, include=None, exclude=None):
    """Jupyter's rich display of a tensor: its text, and the graph as SVG when Graphviz is there."""
    bundle = {"text/plain": repr(t)}
    if t.grad_fn is None or len(Graph(t).nodes) > MAX_JUPYTER_NODES:
        return bundle
    try:
        bundle["image/svg+xml"] = pipe(to_dot(t), "svg").decode()
    except (ImportError, RuntimeError):
        pass  # no Graphviz: the text alone is the right display
    return bundle


def _node_grads(graph):
    """Gradients of the op nodes, once backward has run and while the graph holds its values."""
    ran = any(leaf.grad is not None for leaf in graph.leaves if leaf.requires_grad)
    if ran and not graph.freed and graph.root.data.size == 1:
        root_grad = np.ones(graph.root.shape, graph.root.dtype)
        return {step.item: step.grad for step in replay(graph, root_grad) if not isinstance(step.item, Tensor)}
    retained = {}
    for node in graph.nodes:
        if node.output.grad is not None:
            retained[node] = node.output.grad.data
    return retained


def _label(heading, op, shape, value, grad):
    rows = [f"<b>{_escape(heading)}</b>",
            f'<font point-size="9" color="gray35">{_escape(op)} · {_escape(format_shape(shape))}</font>']
    if value is not None:
        rows.append(f'<font color="{VALUE_COLOR}">{_escape(format_value(value))}</font>')
    if grad is not None:
        name = heading.split(" = ")[0]
        rows.append(f'<font color="{GRAD_COLOR}">{_escape(name + BAR)} = {_escape(format_value(grad))}</font>')
    return "<br/>".join(rows)


def _legend(values, grads, graph):
    parts = []
    if values:
        parts.append(f'<font color="{VALUE_COLOR}">forward value</font>')
    if grads:
        parts.append(f'<font color="{GRAD_COLOR}">gradient x{BAR} = ∂{_escape(graph.root_name)}/∂x</font>')
    if graph.freed:
        parts.append("graph freed by backward(): use backward(retain_graph=True) to keep it")
    return " · ".join(parts) or " "


def _escape(text):
    return html.escape(text, quote=False)
