"""``chainrule explain "EXPR" x=-2 y=5 [--dot FILE]``: forward and backward pass of an expression."""
import json
import sys

import numpy as np

from ..factories import tensor
from .dot import render
from .explain import explain
from .expression import FUNCTIONS, ExpressionError, evaluate
from .values import format_value

USAGE_ERROR = 2


def add_explain_command(commands):
    """Register the ``explain`` sub-command on an argparse sub-parser collection."""
    parser = commands.add_parser(
        "explain", help="print the forward and backward pass of an expression",
        description="Run an expression forward and backward and print, node by node, the values, "
                    "upstream gradients, local derivatives and gradients. Example: "
                    "chainrule explain \"(x+y)*z\" x=-2 y=5 z=-4. Vectors: w=[2,-3,-3], used as "
                    "w[0] or w0. An expression that starts with '-' goes after '--'.")
    parser.add_argument("expression", help="e.g. \"1/(1+exp(-(w0*x0+w1*x1+w2)))\"")
    parser.add_argument("inputs", nargs="*", metavar="NAME=VALUE", help="e.g. x=-2 or w=[2,-3,-3]")
    parser.add_argument("--dot", metavar="FILE", help="also draw the graph (.svg, .png, .pdf or .dot)")
    parser.set_defaults(run=run_explain)
    return parser


def run_explain(args, out=None):
    """Print the report; return the exit status (2 for a bad expression or input)."""
    out = out or sys.stdout
    try:
        inputs = parse_inputs(args.inputs)
        result = evaluate(args.expression, inputs)
        _check_result(result)
    except ExpressionError as err:
        print(f"chainrule explain: error: {err}", file=sys.stderr)
        return USAGE_ERROR
    report = explain(result, names=inputs)
    print(f"{report.output} = {args.expression.strip()}\n", file=out)
    print("Forward pass:", file=out)
    for row in reversed([r for r in report.rows if r["formula"] is not None]):
        print(f"  {row['node']} = {row['formula']} = {format_value(row['value'])}", file=out)
    print(f"\n{report}\n\nGradients:", file=out)
    for name, t in inputs.items():
        grad = t.grad.data if t.grad is not None else np.zeros_like(t.data)
        note = "" if t.grad is not None else "  (not used)"
        print(f"  {name}: {format_value(grad)}{note}", file=out)
    if args.dot:
        try:
            print(f"\nPicture written to {render(result, args.dot)}", file=out)
        except (ImportError, RuntimeError, OSError) as err:
            print(f"chainrule explain: cannot draw the picture: {err}", file=sys.stderr)
            return 1
    return 0


def parse_inputs(assignments):
    """``["x=-2", "w=[2,-3,-3]"]`` -> {name: Tensor requiring grad, named after its variable}."""
    inputs = {}
    for text in assignments:
        name, sep, value = text.partition("=")
        name = name.strip()
        where = f"input {text!r}"
        if not sep or not name.isidentifier():
            raise ExpressionError(f"{where}: expected NAME=VALUE, as in x=-2 or w=[2,-3,-3]")
        if name in FUNCTIONS or name in inputs:
            raise ExpressionError(f"{where}: {name!r} is a function name or given twice")
        inputs[name] = tensor(_number_or_vector(value, where), dtype=np.float64, requires_grad=True, name=name)
    return inputs


def _number_or_vector(value, where):
    try:
        return float(value)
    except ValueError:
        pass
    try:
        parsed = json.loads(value)
        array = np.array(parsed, dtype=np.float64)
    except (ValueError, TypeError, RecursionError):
        array = None
    if not isinstance(parsed if array is not None else None, list) or array.ndim != 1:
        raise ExpressionError(f"{where}: the value must be a number or a list of numbers")
    return array


def _check_result(result):
    if not hasattr(result, "grad_fn") or not result.requires_grad:
        raise ExpressionError("the expression does not depend on any input, so it has no gradient")
    if result.data.size != 1:
        raise ExpressionError(
            f"the expression gives an array of shape {result.shape}, not a single number; "
            "wrap it in sum(...) to differentiate it")
