"""`chainrule check`: a table of every primitive's derivative check, exit status 1 on failure."""
import os
import subprocess
import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule._core import primitive as primitive_module
from chainrule.cli import main
from chainrule.testing import samples


@pytest.fixture(autouse=True)
def private_registry(monkeypatch):
    # The custom primitives made here must not join the built-ins that other tests iterate.
    monkeypatch.setattr(primitive_module, "_registry", dict(primitive_module._registry))


@pytest.fixture
def wrong_cube(monkeypatch):
    """A primitive whose VJP is off by a factor 2/3, with samples, registered as ``wrong_cube``."""

    @cr.primitive(name="wrong_cube")
    def cube(x):
        return x ** 3

    cr.defvjp(cube, lambda g, ans, x: g * 2 * x * x)
    cr.defjvp(cube, lambda t, ans, x: t * 3 * x * x)
    monkeypatch.setitem(samples.SAMPLES, "wrong_cube", lambda d: [((d.positive(3),), {}), ((d.positive(2, 2),), {})])
    return cube


def rows_of(output):
    lines = output.splitlines()
    return lines[0], {line.split()[0]: line for line in lines[2:] if line.endswith(("PASS", "FAIL"))}


def test_check_prints_an_aligned_row_per_primitive_and_exits_0(capsys):
    assert main(["check", "add", "mul", "exp", "where"]) == 0
    header, rows = rows_of(capsys.readouterr().out)
    assert set(rows) == {"add", "mul", "exp", "where"}
    for column in ("shapes tried", "max abs err", "max rel err", "result"):
        assert column in header
    # Every row ends in its verdict, right under the header's last column.
    assert {row.index("PASS") for row in rows.values()} == {header.index("result")}
    assert "(3,1)(1,4)" in rows["add"]  # broadcasting shapes are among those tried


def test_summary_line_counts_passes(capsys):
    main(["check", "add", "exp"])
    assert "2 of 2 primitives passed" in capsys.readouterr().out


def test_a_wrong_rule_is_a_fail_row_with_the_reason_and_exit_1(capsys, wrong_cube):
    assert main(["check", "wrong_cube", "exp"]) == 1
    output = capsys.readouterr().out
    _, rows = rows_of(output)
    assert rows["wrong_cube"].endswith("FAIL") and rows["exp"].endswith("PASS")
    assert "(3) (2,2)" in rows["wrong_cube"]
    assert "1 of 2 primitives passed; FAILED: wrong_cube" in output
    assert "The first op whose own VJP rule disagrees with finite differences is 'wrong_cube'" in output


def test_a_primitive_without_samples_is_a_fail_row_not_a_crash(capsys):
    @cr.primitive(name="sampleless")
    def sampleless(x):
        return x

    cr.defvjp(sampleless, lambda g, ans, x: g)
    assert main(["check", "sampleless", "neg"]) == 1
    output = capsys.readouterr().out
    assert rows_of(output)[1]["sampleless"].endswith("FAIL")
    assert "no sample inputs for primitive 'sampleless'" in output


def test_a_sample_that_crashes_is_a_fail_row(capsys, monkeypatch, wrong_cube):
    monkeypatch.setitem(samples.SAMPLES, "wrong_cube", lambda d: [((d.positive(3), np.ones(2)), {})])
    assert main(["check", "wrong_cube"]) == 1
    assert "TypeError" in capsys.readouterr().out


def test_second_order_option(capsys):
    assert main(["check", "--second-order", "tanh", "mul"]) == 0


def test_unknown_primitive_name_exits_2(capsys):
    assert main(["check", "no_such_op"]) == 2
    assert "no primitive named no_such_op" in capsys.readouterr().err


def test_python_dash_m_chainrule_check_runs_end_to_end():
    src = os.path.dirname(os.path.dirname(cr.__file__))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "chainrule", "check", "sin", "cos"],
                          capture_output=True, text=True, timeout=60, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 of 2 primitives passed" in done.stdout


def test_vjp_and_jvp_errors_have_their_own_columns(capsys, wrong_cube):
    # wrong_cube's VJP is wrong and its JVP right: only the VJP column shows a large error.
    assert main(["check", "wrong_cube"]) == 1
    header, rows = rows_of(capsys.readouterr().out)
    assert "VJP max abs err" in header and "JVP max abs err" in header
    vjp_err, jvp_err = (float(cell) for cell in rows["wrong_cube"].split()[-4:-2])
    assert vjp_err > 0.1 and jvp_err < 1e-6
