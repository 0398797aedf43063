"""cr.explain and `chainrule explain`: the notes' worked examples, node by node."""
import argparse
import io
import os
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.viz.cli_explain import add_explain_command

GOLDEN = Path(__file__).parent / "golden"
SIGMOID_NEURON = "1/(1+exp(-(w0*x0+w1*x1+w2)))"
NEURON_INPUTS = ["w0=2", "x0=-1", "w1=-3", "x1=-2", "w2=-3"]


def leaf(value, name):
    return cr.tensor(float(value), requires_grad=True, name=name)


def run_cli(*argv):
    """Run `chainrule explain ...` through its own parser; (status, stdout)."""
    parser = argparse.ArgumentParser(prog="chainrule")
    add_explain_command(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(["explain", *argv])
    out = io.StringIO()
    return args.run(args, out=out), out.getvalue()


def check_golden(name, text):
    path = GOLDEN / name
    if os.environ.get("CHAINRULE_UPDATE_GOLDEN"):
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"differs from {path}; rerun with CHAINRULE_UPDATE_GOLDEN=1 if intended"


def by_node(report):
    return {row["node"]: row for row in report.rows}


def test_add_mul_example_from_the_notes():
    x, y, z = leaf(-2, "x"), leaf(5, "y"), leaf(-4, "z")
    rows = by_node(cr.explain((x + y) * z))
    assert rows["q"]["formula"] == "x + y" and rows["q"]["value"] == 3
    assert rows["f"]["value"] == -12 and rows["f"]["grad"] == 1
    assert rows["f"]["local"] == {"q": -4, "z": 3}
    assert rows["q"]["upstream"] == {"f": -4} and rows["q"]["local"] == {"x": 1, "y": 1}
    assert [rows[n]["grad"] for n in "xyz"] == [-4, -4, 3]
    assert [x.grad.item(), y.grad.item(), z.grad.item()] == [-4, -4, 3]


def test_rows_follow_the_order_backprop_visits_nodes():
    x, y, z = leaf(-2, "x"), leaf(5, "y"), leaf(-4, "z")
    report = cr.explain((x + y) * z)
    assert [r["node"] for r in report.rows] == ["f", "q", "x", "y", "z"]
    assert [r["step"] for r in report.rows] == [1, 2, 3, 4, 5]


def test_sigmoid_neuron_gradients_match_the_notes():
    w = [leaf(v, f"w{i}") for i, v in enumerate([2, -3, -3])]
    x = [leaf(v, f"x{i}") for i, v in enumerate([-1, -2])]
    f = 1 / (1 + cr.exp(-(w[0] * x[0] + w[1] * x[1] + w[2])))
    rows = by_node(cr.explain(f))
    expected = {"x0": 0.39322, "w0": -0.19661, "x1": -0.58983, "w1": -0.39322, "w2": 0.19661}
    for name, value in expected.items():
        assert rows[name]["grad"] == pytest.approx(value, abs=1e-5)
    assert f.item() == pytest.approx(0.73106, abs=1e-5)


def test_a_node_with_two_children_lists_both_upstream_gradients_and_their_sum():
    x, y = leaf(3, "x"), leaf(4, "y")
    f = x * y + x
    report = cr.explain(f)
    row = by_node(report)["x"]
    assert row["upstream"] == {"f": 1, "q": 4}
    assert row["grad"] == 5 == x.grad.item()
    assert "x̄ = 1 + 4 = 5" in str(report)


def test_an_argument_used_twice_by_one_node_gets_both_edges():
    x = leaf(3, "x")
    rows = by_node(cr.explain(x * x))
    assert rows["x"]["upstream"] == {"f": 6} and rows["f"]["local"] == {"x": 6}


def test_names_argument_names_intermediate_nodes():
    x, y = leaf(3, "x"), leaf(4, "y")
    prod = x * y
    loss = prod + x
    assert [r["node"] for r in cr.explain(loss, names=locals()).rows] == ["loss", "prod", "x", "y"]


def test_explain_runs_backward_once_and_keeps_the_graph():
    x, y = leaf(3, "x"), leaf(4, "y")
    f = x * y
    cr.explain(f)
    cr.explain(f)  # already backpropagated: no second accumulation
    assert x.grad.item() == 4
    assert f.grad_fn.value is not None  # values kept for pictures
    assert "12" in cr.viz.to_dot(f)


def test_explain_after_a_plain_backward_says_how_to_keep_the_graph():
    x = leaf(3, "x")
    f = x * x
    f.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        cr.explain(f)


def test_non_scalar_output_needs_a_gradient_and_matmul_shows_vjp_only():
    W = cr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True, name="W")
    v = cr.tensor([1.0, -1.0, 2.0], requires_grad=True, name="v")
    h = W @ v
    with pytest.raises(RuntimeError, match="gradient="):
        cr.explain(h)
    report = cr.explain(h, gradient=np.ones(2))
    rows = by_node(report)
    assert rows["f"]["local"] == {"W": None, "v": None}
    np.testing.assert_allclose(rows["W"]["grad"], W.grad.data)
    assert "VJP only" in str(report)


def test_elementwise_local_derivative_of_vectors():
    v = cr.tensor([0.0, 1.0], requires_grad=True, name="v")
    rows = by_node(cr.explain(cr.sum(cr.tanh(v))))
    np.testing.assert_allclose(rows["q"]["local"]["v"], 1 - np.tanh([0.0, 1.0]) ** 2)
    np.testing.assert_allclose(rows["f"]["local"]["q"], [1.0, 1.0])


def test_leaf_grads_agree_with_the_engine_under_broadcasting():
    a = cr.tensor(np.array([[1.0], [2.0]]), requires_grad=True, name="a")
    b = cr.tensor(np.array([1.0, 2.0, 3.0]), requires_grad=True, name="b")
    rows = by_node(cr.explain(cr.sum(cr.exp(a * b) / 10)))
    np.testing.assert_allclose(rows["a"]["grad"], a.grad.data)
    np.testing.assert_allclose(rows["b"]["grad"], b.grad.data)


def test_markdown_and_table_forms():
    x, y, z = leaf(-2, "x"), leaf(5, "y"), leaf(-4, "z")
    report = cr.explain((x + y) * z)
    md = report.to_markdown()
    assert "| 2 | q = x + y | add | 3 | from f: -4 | ∂q/∂x = 1, ∂q/∂y = 1 | q̄ = -4 |" in md
    lines = str(report).splitlines()
    assert "x̄ = ∂f/∂x" in lines[1]
    header, first = lines[lines.index("") + 1:][:2]
    assert header.index("value") == first.index("-12")  # aligned columns
    assert header.index("gradient (bar)") == first.index("f̄")


def test_cli_add_mul_golden():
    status, out = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4")
    assert status == 0
    assert "q = x + y = 3" in out and "f = q * z = -12" in out
    assert "  x: -4\n  y: -4\n  z: 3\n" in out
    check_golden("explain_add_mul.txt", out)


def test_cli_sigmoid_neuron_golden():
    status, out = run_cli(SIGMOID_NEURON, *NEURON_INPUTS)
    assert status == 0
    for line in ["x0: 0.3932", "w0: -0.1966", "x1: -0.5898", "w1: -0.3932", "w2: 0.1966"]:
        assert f"  {line}\n" in out
    check_golden("explain_sigmoid_neuron.txt", out)


def test_cli_vector_inputs_with_indexing():
    for expression in [SIGMOID_NEURON, "1/(1+exp(-(w[0]*x[0]+w[1]*x[1]+w[2])))"]:
        status, out = run_cli(expression, "w=[2,-3,-3]", "x=[-1,-2]")
        assert status == 0
        assert "  w: [-0.1966, -0.3932, 0.1966]\n  x: [0.3932, -0.5898]\n" in out


@pytest.mark.parametrize("argv, message", [
    (["(x+y", "x=1", "y=2"], "column 1: syntax error: '(' was never closed"),
    (["x + foo", "x=1"], "column 5: unknown name 'foo'"),
    (["x ^ 2", "x=1"], "column 3: not allowed in an expression: BitXor (use ** for powers)"),
    (["x*y", "x=1", "y=oops"], "input 'y=oops': the value must be a number"),
    (["2*3"], "does not depend on any input"),
    (["w*2", "w=[1,2]"], "not a single number"),
])
def test_cli_errors_are_one_line_with_status_2(argv, message, capsys):
    status, out = run_cli(*argv)
    err = capsys.readouterr().err
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("chainrule explain: error: ") and message in err


def test_cli_writes_the_picture(tmp_path):
    status, out = run_cli("(x+y)*z", "x=-2", "y=5", "z=-4", "--dot", str(tmp_path / "g.dot"))
    assert status == 0
    assert "q = x + y" in (tmp_path / "g.dot").read_text()


def test_registered_on_the_chainrule_command(capsys):
    main = pytest.importorskip("chainrule.cli").main
    pytest.importorskip("chainrule.testing.check_command")
    assert main(["explain", "x*y+x", "x=3", "y=4"]) == 0
    assert "  x: 5\n  y: 3\n" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exit_:
        main(["explain"])
    assert exit_.value.code == 2
