"""What a gradient check found: per compared Jacobian, the largest errors and where."""
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Comparison:
    """One analytic Jacobian against its numerical counterpart.

    The relative error of an entry is ``|a - n| / max(|a|, |n|, atol)``: entries
    that are both (nearly) zero do not make a meaningless huge ratio.
    """

    mode: str             # what was checked: "reverse mode", "JVP rule of 'mul' ...
    name: str             # which input: "input 0", "argument 1"
    shape: tuple = ()
    max_abs: float = 0.0
    abs_at: str = ""
    max_rel: float = 0.0
    rel_at: str = ""
    ok: bool = True
    error: str = ""       # why no numbers could be compared (a rule raised, none exists)

    @classmethod
    def failed(cls, mode, name, error):
        return cls(mode, name, max_abs=np.inf, max_rel=np.inf, ok=False, error=error)

    def describe(self):
        head = f"{self.mode}, {self.name}"
        if self.error:
            return f"{head}: {self.error}"
        return (f"{head} (shape {self.shape}): max abs error {self.max_abs:.2e} at {self.abs_at}; "
                f"max rel error {self.max_rel:.2e} at {self.rel_at}")


def compare(analytic, numeric, shape, atol, rtol, mode, name):
    """Compare two Jacobians of shape ``out.shape + shape`` entry by entry."""
    shape = tuple(shape)
    in_ndim = len(shape)
    # A NaN on either side is a failure, and the worst one.
    err = np.nan_to_num(np.abs(np.asarray(analytic - numeric)), nan=np.inf)
    rel = err / np.maximum(np.maximum(np.abs(analytic), np.abs(numeric)), atol)
    ok = bool(np.all(err <= atol + rtol * np.abs(numeric)))
    if err.size == 0:
        return Comparison(mode, name, shape, ok=ok)
    worst_abs, worst_rel = np.unravel_index(np.argmax(err), err.shape), np.unravel_index(np.argmax(rel), err.shape)
    return Comparison(mode, name, shape, float(err[worst_abs]), _entry(worst_abs, in_ndim, name),
                      float(rel[worst_rel]), _entry(worst_rel, in_ndim, name), ok)


def _entry(index, in_ndim, name):
    # An entry of the Jacobian reads as the derivative it is: d out[i, j] / d input 0[k].
    out_index, in_index = index[:len(index) - in_ndim], index[len(index) - in_ndim:]
    return f"d out{_subscript(out_index)} / d {name}{_subscript(in_index)}"


def _subscript(index):
    return f"[{', '.join(str(int(i)) for i in index)}]" if index else ""


@dataclass
class GradcheckReport:
    """All comparisons of one gradient check, and the op that broke reverse mode, if found."""

    comparisons: list = field(default_factory=list)
    culprit: str = None

    @property
    def ok(self):
        return all(c.ok for c in self.comparisons)

    @property
    def max_abs(self):
        return max((c.max_abs for c in self.comparisons), default=0.0)

    @property
    def max_rel(self):
        return max((c.max_rel for c in self.comparisons), default=0.0)

    def __str__(self):
        # The whole-function comparisons always; op-by-op rule checks only where they failed.
        shown = [c for c in self.comparisons if c.mode.endswith(" mode") or not c.ok]
        lines = [f"gradcheck {'passed' if self.ok else 'failed'}: analytic against numerical derivatives"]
        lines += [f"  {c.describe()}{'' if c.ok else '  <- FAILED'}" for c in shown]
        if self.culprit:
            lines.append(self.culprit)
        return "\n".join(lines)
