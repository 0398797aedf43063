"""``chainrule check``: gradcheck every built-in primitive on its sample inputs.

Prints one row per primitive (the shapes tried, the largest absolute and
relative errors over all its samples, PASS or FAIL), then why each failure
failed, and exits with status 1 if any did.
"""
import sys
from dataclasses import dataclass, field

from .._core.primitive import registered_primitives
from .primitive_checks import check_sample, shapes_of
from .samples import samples_for


def add_check_command(subparsers):
    parser = subparsers.add_parser(
        "check", help="verify every built-in primitive's derivatives against finite differences",
        description="Gradcheck every registered primitive, reverse and forward mode, on sample inputs "
                    "of several shapes (broadcasting included).")
    parser.add_argument("names", nargs="*", help="check only these primitives")
    parser.add_argument("--second-order", action="store_true",
                        help="also check second derivatives (backward with create_graph=True)")
    parser.set_defaults(run=run)


def run(args):
    primitives = registered_primitives()
    unknown = [n for n in args.names if n not in primitives]
    if unknown:
        print(f"chainrule check: no primitive named {', '.join(unknown)}; known: {', '.join(sorted(primitives))}",
              file=sys.stderr)
        return 2
    chosen = {n: primitives[n] for n in (args.names or sorted(primitives))}
    rows = check_primitives(chosen, args.second_order)
    print(format_table(rows))
    return 0 if all(row.ok for row in rows) else 1


@dataclass
class Row:
    name: str
    shapes: list = field(default_factory=list)
    vjp_abs: float = 0.0      # largest absolute error of reverse mode (the VJP rules)
    jvp_abs: float = 0.0      # and of forward mode (the JVP rules)
    max_rel: float = 0.0
    problems: list = field(default_factory=list)

    @property
    def ok(self):
        return not self.problems


def check_primitives(primitives, second_order=False):
    """One :class:`Row` per primitive in the dict ``primitives`` (name -> primitive)."""
    return [check_primitive(name, prim, second_order) for name, prim in primitives.items()]


def check_primitive(name, prim, second_order=False):
    row = Row(name)
    try:
        samples = samples_for(name)
    except KeyError as err:
        row.problems.append(err.args[0])
        return row
    for args, kwargs in samples:
        shapes = shapes_of(args)
        row.shapes.append(shapes)
        try:
            reports = check_sample(prim, args, kwargs, second_order)
        except Exception as err:  # one broken primitive must not hide the others' results
            row.problems.append(f"{shapes}: {type(err).__name__}: {err}")
            continue
        for order, report in zip(("first order", "second order"), reports):
            for c in report.comparisons:
                if c.mode.startswith("forward"):
                    row.jvp_abs = max(row.jvp_abs, c.max_abs)
                else:
                    row.vjp_abs = max(row.vjp_abs, c.max_abs)
            row.max_rel = max(row.max_rel, report.max_rel)
            if not report.ok:
                row.problems.append(f"{shapes} {order}:\n{report}")
    return row


def format_table(rows):
    header = ("primitive", "shapes tried", "VJP max abs err", "JVP max abs err", "max rel err", "result")
    cells = [header] + [(r.name, " ".join(r.shapes) or "-", f"{r.vjp_abs:.1e}", f"{r.jvp_abs:.1e}",
                         f"{r.max_rel:.1e}", "PASS" if r.ok else "FAIL") for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    failed = [r for r in rows if not r.ok]
    lines.append(f"\n{len(rows) - len(failed)} of {len(rows)} primitives passed"
                 + (f"; FAILED: {', '.join(r.name for r in failed)}" if failed else ""))
    for r in failed:
        lines.append(f"\n{r.name} FAILED:")
        lines += [f"  {line}" for problem in r.problems for line in problem.splitlines()]
    return "\n".join(lines)
