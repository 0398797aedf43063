"""`chainrule bench`: run the benchmark suite of a chainrule checkout and print its table."""
import os
import sys


def add_bench_command(commands):
    parser = commands.add_parser(
        "bench", help="run the benchmarks (from a chainrule checkout) and print the README's table",
        description="Runs benchmarks/ of the chainrule checkout in the current directory: each "
                    "figure against the same computation written by hand in NumPy, and PyTorch "
                    "2.13.0 when it is installed.")
    parser.add_argument("--no-torch", action="store_true", help="leave PyTorch out even if installed")
    parser.set_defaults(run=_run)


def _run(args):
    if not os.path.isfile(os.path.join("benchmarks", "run.py")):
        print("chainrule bench: no benchmarks/run.py here; run it from the root of a chainrule "
              f"checkout (looked in {os.path.abspath('benchmarks')})", file=sys.stderr)
        return 2
    sys.path.insert(0, os.getcwd())
    from benchmarks import run
    from benchmarks.common import markdown_table

    torch = None if args.no_torch else "auto"
    print(run.environment(torch))
    print()
    print(markdown_table(run.run_all(torch)))
    return 0
