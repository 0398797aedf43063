"""cr.viz: DOT text and rendered pictures of the graph with values and gradients."""
import html
import shutil

import numpy as np
import pytest

import chainrule as cr
from chainrule.viz.dot import GRAD_COLOR, VALUE_COLOR

# .ci/run installs Graphviz; skip only where the `dot` program is missing.
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` is not installed")


def bar(name):
    return name + "\u0304"  # combining macron, as the pictures write x-bar


def add_mul():
    x, y, z = (cr.tensor(v, requires_grad=True, name=n) for v, n in [(-2.0, "x"), (5.0, "y"), (-4.0, "z")])
    return (x + y) * z, (x, y, z)


def test_dot_shows_ops_names_shapes_and_values_before_backward():
    f, _ = add_mul()
    dot = cr.viz.to_dot(f)
    assert dot.startswith("digraph chainrule {") and dot.rstrip().endswith("}")
    for text in ["<b>x</b>", "<b>q = x + y</b>", "<b>f = q * z</b>", "add · scalar", "mul · scalar",
                 f'<font color="{VALUE_COLOR}">3</font>', f'<font color="{VALUE_COLOR}">-12</font>']:
        assert text in dot
    assert f'<font color="{GRAD_COLOR}">{bar("x")} =' not in dot  # no gradients before backward
    assert dot.count("->") == 4


def test_dot_shows_gradients_after_backward_with_retain_graph():
    f, (x, _, _) = add_mul()
    f.backward(retain_graph=True)
    dot = cr.viz.to_dot(f)
    for name, grad in [("x", -4), ("y", -4), ("z", 3), ("q", -4), ("f", 1)]:
        assert f'<font color="{GRAD_COLOR}">{bar(name)} = {grad}</font>' in dot
    assert f'<font color="{VALUE_COLOR}">-12</font>' in dot


def test_values_and_grads_can_be_left_out():
    f, _ = add_mul()
    f.backward(retain_graph=True)
    dot = cr.viz.to_dot(f, values=False, grads=False)
    assert VALUE_COLOR not in dot and GRAD_COLOR not in dot and "q = x + y" in dot


def test_after_a_plain_backward_the_picture_says_the_graph_was_freed():
    f, _ = add_mul()
    f.backward()
    dot = cr.viz.to_dot(f)
    assert "retain_graph=True" in dot and "-12" in dot


def test_large_arrays_are_summarised_small_ones_shown_in_full():
    W = cr.tensor(np.arange(100.0).reshape(10, 10), requires_grad=True, name="W")
    b = cr.tensor([1.0, 2.0], requires_grad=True, name="b")
    dot = cr.viz.to_dot(cr.sum(W) + cr.sum(b))
    assert "shape (10, 10): min 0, mean 49.5, max 99" in dot and "10×10" in dot
    assert "[1, 2]" in dot


def test_names_argument_and_constants_in_formulas():
    data = cr.tensor([1.0, 2.0])  # no grad: drawn grey
    w = cr.tensor([0.5, -1.0], requires_grad=True)
    score = cr.sum(w * data) + 1
    dot = cr.viz.to_dot(score, names={"w": w, "data": data, "score": score})
    assert "<b>w</b>" in dot and "<b>data</b>" in dot and "fillcolor=gray92" in dot
    assert "score = " in dot and " + 1</b>" in dot


def test_an_intermediate_tensor_is_drawn_under_its_own_name():
    x = cr.tensor(2.0, requires_grad=True, name="x")
    hidden = x * 3.0
    hidden.name = "hidden"   # no retain_grad needed: the tensor is its own node
    dot = cr.viz.to_dot(cr.exp(hidden))
    assert "<b>hidden = x * 3</b>" in dot


def test_html_special_characters_in_names_are_escaped():
    x = cr.tensor(1.0, requires_grad=True, name="<x&y>")
    assert "&lt;x&amp;y&gt;" in cr.viz.to_dot(x * 2)


def test_render_writes_dot_text_without_graphviz(tmp_path):
    f, _ = add_mul()
    path = cr.viz.render(f, tmp_path / "graph.dot")
    assert path.read_text() == cr.viz.to_dot(f)


@needs_dot
def test_render_svg_contains_labels_values_and_gradients(tmp_path):
    pytest.importorskip("graphviz")
    f, _ = add_mul()
    cr.explain(f)
    svg = html.unescape(cr.viz.render(f, tmp_path / "graph.svg").read_text(encoding="utf-8"))
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    for text in ["q = x + y", "f = q * z", ">3<", ">-12<", f"{bar('x')} = -4", f"{bar('z')} = 3", f"{bar('f')} = 1"]:
        assert text in svg
    assert 'fill="darkgreen"' in svg or 'fill="#006400"' in svg


@needs_dot
def test_render_png(tmp_path):
    pytest.importorskip("graphviz")
    f, _ = add_mul()
    assert cr.viz.render(f, tmp_path / "graph.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_dot_program_is_a_clear_error(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))
    f, _ = add_mul()
    with pytest.raises(RuntimeError, match="Graphviz program 'dot' was not found"):
        cr.viz.render(f, tmp_path / "graph.svg")


def test_jupyter_display_has_text_and_svg_when_graphviz_is_there(monkeypatch, tmp_path):
    f, _ = add_mul()
    bundle = f._repr_mimebundle_()
    assert bundle["text/plain"] == repr(f)
    if shutil.which("dot") and pytest.importorskip("graphviz"):
        assert "<svg" in bundle["image/svg+xml"]
    monkeypatch.setenv("PATH", str(tmp_path))
    assert set(f._repr_mimebundle_()) == {"text/plain"}
    assert set(cr.tensor(1.0)._repr_mimebundle_()) == {"text/plain"}
