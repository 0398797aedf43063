"""Run every benchmark and print one markdown table.

    PYTHONPATH=src python3 -m benchmarks.run        (from the repository root)

:func:`run_all` returns the rows, for a ``chainrule bench`` command to print.
"""
import platform
import sys

import numpy as np

from . import bench_import, bench_jacobian, bench_mlp, bench_mnist1d_cnn, bench_overhead, bench_scalar_graph
from .common import load_torch, markdown_table

BENCHMARKS = (bench_overhead, bench_mlp, bench_scalar_graph, bench_jacobian, bench_mnist1d_cnn, bench_import)


def run_all(torch="auto"):
    """Run every benchmark; a list of :class:`benchmarks.common.Row`.

    ``torch`` is the PyTorch module to compare with, None to skip it, or
    "auto": PyTorch when the benchmarked version is installed.
    """
    torch = load_torch() if torch == "auto" else torch
    return [row for bench in BENCHMARKS for row in bench.run(torch=torch)]


def environment(torch="auto"):
    """One line naming the versions and machine the figures come from."""
    torch = load_torch() if torch == "auto" else torch
    import chainrule

    torch_text = f"PyTorch {torch.__version__}" if torch is not None else "PyTorch not installed"
    return (f"chainrule {chainrule.__version__}, NumPy {np.__version__}, {torch_text}, "
            f"Python {platform.python_version()}, {platform.machine()} {platform.processor() or ''}".rstrip())


def main():
    rows = run_all()
    print(environment())
    print()
    print(markdown_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
