"""Where in the user's code an operation was created, for error messages."""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_frame():
    """The innermost frame outside the chainrule package (None if there is none).

    Callers keep only its code object and line number, never the frame, so the
    locals of the user's function are not kept alive by the graph.
    """
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    return frame


def line_of(code, lasti):
    """The source line of the instruction at byte offset ``lasti`` of ``code``.

    Nodes keep the offset (cheap to read) and find the line only when an
    error message needs it.
    """
    for start, end, line in code.co_lines():
        if start <= lasti < end:
            return line
    return code.co_firstlineno


def format_callsite(where):
    if where is None:
        return "an unknown place"
    return f"{where[0]}, line {where[1]}"
