"""A safe arithmetic expression language for ``chainrule explain``.

Python's parser reads the text; a whitelist then accepts only numbers, input
names, ``+ - * / ** @``, unary minus, parentheses, calls of chainrule's
functions (``exp``, ``sigmoid``, ``max`` ...) and indexing of a vector input
(``w[0]``, or ``w0`` when no input is called ``w0``). Nothing is ever passed to
``eval``. Every mistake is an :class:`ExpressionError` with a column.
"""
import ast
import re
import warnings

import numpy as np

from .. import ops
from ..tensor import Tensor

_BINARY = {ast.Add: ops.add, ast.Sub: ops.sub, ast.Mult: ops.mul, ast.Div: ops.div,
           ast.Pow: ops.power, ast.MatMult: ops.matmul}
_UNARY = {ast.USub: ops.neg, ast.UAdd: lambda x: x}
_TWO_ARGUMENT_FORMS = {"max": "maximum", "min": "minimum"}
_FUNCTION_NAMES = (
    "exp log log1p expm1 sqrt square abs sin cos tan tanh sigmoid relu softplus "
    "maximum minimum sum mean max min dot matmul").split()
FUNCTIONS = {name: getattr(ops, name) for name in _FUNCTION_NAMES if hasattr(ops, name)}
_INDEXED_NAME = re.compile(r"([A-Za-z_][A-Za-z_]*?)([0-9]+)")
_HINTS = {ast.BitXor: "use ** for powers", ast.Compare: "comparisons have no gradient"}


class ExpressionError(ValueError):
    """A malformed expression, an unknown name or a failing operation, at a column (1-based)."""

    def __init__(self, message, column=None):
        super().__init__(message if column is None else f"column {column}: {message}")
        self.message = message
        self.column = column


def evaluate(text, inputs):
    """The value of ``text`` with ``inputs`` (name -> Tensor or number), built from chainrule ops."""
    tree, body, shift = _parse(text)
    try:
        with np.errstate(all="ignore"):
            return _Evaluator(inputs, body, shift).visit(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply", 1) from None


def parse(text):
    """Check ``text`` against the grammar alone (names are not resolved)."""
    tree, body, shift = _parse(text)
    try:
        _Checker(body, shift).visit(tree.body)
    except RecursionError:
        raise ExpressionError("the expression is nested too deeply", 1) from None
    return tree


def _parse(text):
    if not isinstance(text, str):
        raise ExpressionError(f"expected the expression as text, got {type(text).__name__}", 1)
    for bad in "\r\n\0":
        if bad in text:
            raise ExpressionError("the expression must be one line of text", text.index(bad) + 1)
    body = text.lstrip()
    shift = len(text) - len(body)
    if not body.strip():
        raise ExpressionError("the expression is empty", 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Python's SyntaxWarnings ("invalid decimal literal")
            return ast.parse(body, mode="eval"), body, shift
    except SyntaxError as err:
        # Python reports no offset (0) when the text ends too early.
        column = shift + min(err.offset or len(body) + 1, len(body) + 1)
        raise ExpressionError(f"syntax error: {err.msg}", column) from None
    except (ValueError, MemoryError, RecursionError) as err:
        raise ExpressionError(f"cannot read the expression: {err or 'too deeply nested'}", shift + 1) from None


class _Checker(ast.NodeVisitor):
    """Walks the whitelisted node types; anything else is an error at its column."""

    def __init__(self, body, shift):
        self.encoded = body.encode()
        self.shift = shift

    def error(self, node, message, offset=None):
        offset = getattr(node, "col_offset", 0) if offset is None else offset
        # ast counts columns in UTF-8 bytes; people count characters.
        column = len(self.encoded[:offset].decode(errors="ignore"))
        return ExpressionError(message, self.shift + column + 1)

    def operator_error(self, node, message):
        """An error pointing at a binary operator rather than its left operand."""
        rest = self.encoded[node.left.end_col_offset:]
        skipped = len(rest) - len(rest.lstrip(b" )\t\f\v"))
        return self.error(node, message, node.left.end_col_offset + skipped)

    def generic_visit(self, node):
        hint = _HINTS.get(type(getattr(node, "op", node)))
        what = type(node).__name__ if not hasattr(node, "op") else type(node.op).__name__
        message = f"not allowed in an expression: {what}" + (f" ({hint})" if hint else "")
        raise (self.operator_error if isinstance(node, ast.BinOp) else self.error)(node, message)

    def visit_Constant(self, node):
        if type(node.value) not in (int, float):
            raise self.error(node, f"only numbers are allowed, not {node.value!r:.20}")
        try:
            return float(node.value)
        except OverflowError:
            raise self.error(node, "number too large") from None

    def visit_BinOp(self, node):
        if type(node.op) not in _BINARY:
            return self.generic_visit(node)
        return self.apply(node, _BINARY[type(node.op)], self.visit(node.left), self.visit(node.right))

    def visit_UnaryOp(self, node):
        if type(node.op) not in _UNARY:
            return self.generic_visit(node)
        return self.apply(node, _UNARY[type(node.op)], self.visit(node.operand))

    def visit_Call(self, node):
        if not isinstance(node.func, ast.Name):
            self.visit(node.func)  # the error for what it is (a lambda ...), if any
            raise self.error(node.func, "only a function name can be called, as in exp(x)")
        name = node.func.id
        if name not in FUNCTIONS:
            raise self.error(node.func, f"unknown function {name!r} (known: {', '.join(sorted(FUNCTIONS))})")
        if node.keywords or any(isinstance(a, ast.Starred) for a in node.args):
            raise self.error(node, f"{name}() takes plain arguments only")
        args = [self.visit(a) for a in node.args]
        if len(args) == 2 and name in _TWO_ARGUMENT_FORMS:
            name = _TWO_ARGUMENT_FORMS[name]
        return self.apply(node, FUNCTIONS.get(name), *args, name=name)

    def visit_Name(self, node):
        return self.lookup(node, node.id)

    def visit_Subscript(self, node):
        if not isinstance(node.value, ast.Name):
            raise self.error(node, "only an input can be indexed, as in w[0]")
        index = node.slice
        negative = isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub)
        literal = index.operand if negative else index
        if not (isinstance(literal, ast.Constant) and type(literal.value) is int):
            raise self.error(index, "an index must be a whole number, as in w[0]")
        return self.index(node, self.visit(node.value), -literal.value if negative else literal.value)

    # Checking alone computes nothing; _Evaluator fills these in.
    def apply(self, node, fn, *args, name=None):
        return None

    def lookup(self, node, name):
        return None

    def index(self, node, value, i):
        return None


class _Evaluator(_Checker):
    def __init__(self, inputs, body, shift):
        super().__init__(body, shift)
        self.inputs = dict(inputs)

    def apply(self, node, fn, *args, name=None):
        name = name or getattr(fn, "__name__", "this operation")
        if fn is None:
            raise self.error(node, f"{name}() is not available in this version of chainrule")
        try:
            return fn(*args)
        except TypeError:
            raise self.error(node, f"wrong number or kind of arguments for {name}()") from None
        except (ValueError, IndexError, ArithmeticError, RuntimeError) as err:
            error = self.operator_error if isinstance(node, ast.BinOp) else self.error
            raise error(node, str(err).split("\n")[0]) from None

    def lookup(self, node, name):
        if name in self.inputs:
            return self.inputs[name]
        if name in FUNCTIONS:
            raise self.error(node, f"{name} is a function: call it, as in {name}(x)")
        match = _INDEXED_NAME.fullmatch(name)
        if match and np.ndim(self.inputs.get(match[1])) == 1:
            return self.index(node, self.inputs[match[1]], int(match[2]))
        known = ", ".join(self.inputs) or "none given"
        raise self.error(node, f"unknown name {name!r} (inputs: {known})")

    def index(self, node, value, i):
        if np.ndim(value) == 0:
            raise self.error(node, "a single number cannot be indexed")
        if not -len(value) <= i < len(value):
            raise self.error(node, f"index {i} is out of range for a vector of length {len(value)}")
        if isinstance(value, Tensor) and not hasattr(ops, "getitem"):
            raise self.error(node, "indexing needs chainrule's getitem op, which this version lacks")
        return value[i]
