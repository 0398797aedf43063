"""Where in the user's code an operation was created, for error messages."""
import os
import sys

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


def user_callsite():
    """(filename, line) of the innermost frame outside the chainrule package.

    Only the code object and line number are kept, never the frame, so locals
    of the user's function are not kept alive by the graph.
    """
    frame = sys._getframe(2)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno


def format_callsite(where):
    if where is None:
        return "an unknown place"
    return f"{where[0]}, line {where[1]}"
