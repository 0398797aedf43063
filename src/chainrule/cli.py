"""The ``chainrule`` command line: a thin layer over the library."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="chainrule", description="chainrule: automatic differentiation on NumPy")
    commands = parser.add_subparsers(dest="command", required=True)
    from .bench_command import add_bench_command
    from .testing.check_command import add_check_command
    from .train_command import add_train_command
    from .viz.cli_explain import add_explain_command

    add_check_command(commands)
    add_explain_command(commands)
    add_bench_command(commands)
    add_train_command(commands)
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
