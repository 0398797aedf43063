"""The expression language of `chainrule explain`: right values, safe, clean errors."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr
from chainrule.viz.expression import ExpressionError, evaluate, parse

VALUES = {"x": -2.0, "y": 5.0, "z": -4.0}


def inputs():
    named = {k: cr.tensor(v, requires_grad=True, name=k) for k, v in VALUES.items()}
    named["w"] = cr.tensor([2.0, -3.0, -3.0], requires_grad=True, name="w")
    return named


@pytest.mark.parametrize("text, expected", [
    ("(x+y)*z", -12.0),
    ("x - y / z ** 2", -2 - 5 / 16),
    ("-x + +y", 7.0),
    ("2 ** -1 * x", -1.0),
    ("exp(x) + log(y) - sin(z) * cos(x)", math.exp(-2) + math.log(5) - math.sin(-4) * math.cos(-2)),
    ("tanh(x) + sigmoid(y) + relu(z) + relu(y)", math.tanh(-2) + 1 / (1 + math.exp(-5)) + 5),
    ("max(x, y) * min(x, z)", 5.0 * -4.0),
    ("w[0] * w0 + w[-1] + w2", 4.0 - 6.0),
    ("1.5e1 / 3", 5.0),
])
def test_values(text, expected):
    assert float(np.asarray(evaluate(text, inputs()))) == pytest.approx(expected)


def test_the_result_is_differentiable():
    named = inputs()
    out = evaluate("x * y + x", named)
    out.backward()
    assert named["x"].grad.item() == 6.0 and named["y"].grad.item() == -2.0


@pytest.mark.parametrize("text, column, message", [
    ("x +", 4, "syntax error"),
    ("x + foo", 5, "unknown name 'foo'"),
    ("(x + y) ^ 2", 9, "use ** for powers"),
    ("x.real", 1, "Attribute"),
    ("__import__('os').system('true')", 1, "Attribute"),
    ("__import__('os')", 1, "unknown function '__import__'"),
    ("(x)(1)", 2, "unknown function 'x'"),
    ("(x + y)(1)", 2, "only a function name can be called"),
    ("exp", 1, "exp is a function"),
    ("exp(x, y)", 1, "arguments for exp()"),
    ("exp(x=1)", 1, "plain arguments"),
    ("'text'", 1, "only numbers"),
    ("x < y", 1, "comparisons"),
    ("x[0]", 1, "cannot be indexed"),
    ("w[3]", 1, "out of range"),
    ("w[x]", 3, "whole number"),
    ("w[0:2]", 3, "whole number"),
    ("   y +* x", 7, "syntax error"),
    ("x\ny", 2, "one line"),
    ("", 1, "empty"),
    ("(" * 300 + "x" + ")" * 300, None, ""),
])
def test_errors_name_the_column(text, column, message):
    with pytest.raises(ExpressionError) as err:
        evaluate(text, inputs())
    assert message in err.value.message
    if column is not None:
        assert err.value.column == column and str(err.value).startswith(f"column {column}: ")


def test_columns_count_characters_not_bytes():
    with pytest.raises(ExpressionError) as err:
        evaluate("é + q", {"é": 1.0})
    assert err.value.column == 5


def test_parse_checks_grammar_without_inputs():
    assert parse("1/(1+exp(-(w0*x0+w1*x1+w2)))") is not None
    with pytest.raises(ExpressionError, match="Lambda"):
        parse("(lambda: 1)()")


ALPHABET = "xyzw0123456789+-*/()[]., ^eE@_abcgilmnopstx=<>'\"!%"
TOKENS = ["x", "y", "z", "w", "w0", "w[1]", "1", "2.5", "1e308", "0", "+", "-", "*", "/", "**", "@",
          "(", ")", "exp(", "log(", "max(", "sigmoid(", "relu(", "tanh(", "sum(", ",", " ", "[", "]",
          "__import__", ".", "lambda", ":", "if", "else", "'s'", "9" * 30]


def check(text):
    try:
        result = evaluate(text, inputs())
    except ExpressionError as err:
        assert str(err).startswith("column ") and "\n" not in str(err)
        return
    assert isinstance(result, (cr.Tensor, float, np.floating, np.ndarray))


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_fuzz_any_text_gives_a_value_or_the_clean_error(text):
    check(text)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=ALPHABET, max_size=40))
def test_fuzz_expression_like_text(text):
    check(text)


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_fuzz_token_soup(text):
    check(text)


def test_deep_nesting_is_a_clean_error():
    for text in ["-" * 100_000 + "x", "+".join(["x"] * 50_000), "exp(" * 1000 + "x" + ")" * 1000]:
        check(text)
