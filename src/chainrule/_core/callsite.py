"""Where in the user's code an operation was created, for error messages."""
import os

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


class _PackageFiles(dict):
    """Source file name -> whether it lies in the package, learnt once per file:
    a dict lookup is a fraction of ``str.startswith``'s cost, paid per op."""

    def __missing__(self, filename):
        inside = self[filename] = filename.startswith(_PACKAGE_DIR)
        return inside


in_package = _PackageFiles()


class _RecentCaller:
    """The code object of the last caller of the fast call found outside the
    package. Ops come in runs from one user function: the fast call compares
    its caller's code with this one and calls ``record_callsite`` only for
    another, sparing most ops the look-up of the code's file name."""

    __slots__ = ("code",)

    def __init__(self):
        self.code = None


recent_caller = _RecentCaller()


def record_callsite(out, frame):
    """Note in the new tensor ``out`` where the user's code called the op that
    made it: the innermost frame outside the chainrule package, looking from
    ``frame`` outwards.

    Only its code object and instruction offset are kept, cheap to read and
    never the frame, so the locals of the user's function are not kept alive
    by the graph; the line is found only when an error message needs it.
    """
    while frame is not None and in_package[frame.f_code.co_filename]:
        frame = frame.f_back
    out._code = None if frame is None else frame.f_code
    out._lasti = None if frame is None else frame.f_lasti


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
