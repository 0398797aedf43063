"""Timing helpers shared by the benchmarks, and the row every benchmark reports.

Implementations of one benchmark are timed *interleaved*: each round times a
batch of calls of every implementation in turn (rotating which goes first), so
a noisy moment or a CPU frequency change hits all of them alike, and the
rounds go on for several seconds, so that each one's best batch comes from the
machine's fast phases, not from a slow one that happened to last. Each one is
warmed up first, and its batch size is chosen (as ``timeit`` does) so that a
batch lasts long enough for the clock. Unlike ``timeit``, the garbage collector
stays on: its cost is part of what a user pays.
"""
import gc
import statistics
import time
from dataclasses import dataclass

TORCH_VERSION = "2.13.0"
# How long the rounds of one comparison go on at least. On a shared machine
# the speed changes in phases of a few seconds (other tenants' load), so the
# best batch of a second-long comparison may come from a slow phase: rounds
# spread over several phases find the machine's own speed for every side.
SPAN_SECONDS = 8.0


@dataclass
class Timing:
    """Seconds per call: the best batch and the median batch."""

    best: float
    median: float


def compare(impls, repeat=15, warmup=3, min_batch_seconds=0.02, min_seconds=SPAN_SECONDS):
    """Time each callable of ``impls`` (name -> fn), interleaved; name -> Timing.

    At least ``repeat`` rounds, and more until ``min_seconds`` have passed.
    """
    names = list(impls)
    number = {}
    for name in names:
        for _ in range(warmup):
            impls[name]()
        number[name] = _batch_size(impls[name], min_batch_seconds)
    per_call = {name: [] for name in names}
    start = time.perf_counter()
    r = 0
    while r < repeat or time.perf_counter() - start < min_seconds:
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            per_call[name].append(_time_batch(impls[name], number[name]) / number[name])
        r += 1
    return {name: Timing(min(t), statistics.median(t)) for name, t in per_call.items()}


def _time_batch(fn, number):
    # Each batch starts from the same collector state: no garbage left by the
    # implementation timed before it, generation counts at zero.
    gc.collect()
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return time.perf_counter() - start


def _batch_size(fn, min_batch_seconds):
    number = 1
    while True:
        if _time_batch(fn, number) >= min_batch_seconds:
            return number
        number *= 2


def load_torch():
    """PyTorch when the benchmarked version is installed, else None."""
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.__version__.split("+")[0] == TORCH_VERSION else None


@dataclass
class Row:
    """One line of the results table. Times are seconds per unit of work
    (one op, one step, one graph, one import); ``ratio`` is chainrule / NumPy."""

    benchmark: str
    chainrule: float
    numpy: float | None
    torch: float | None
    target: str
    met: bool
    unit: str = "us"        # how to show the times: "us", "ms" or "s"
    detail: str = ""        # a figure the target is about, e.g. the overhead or nodes/s

    @property
    def ratio(self):
        return None if self.numpy is None else self.chainrule / self.numpy

    def cells(self):
        """The row as table cells: benchmark, chainrule, NumPy, ratio, PyTorch, target, met?"""
        verdict = "yes" if self.met else "**no**"
        return [
            self.benchmark,
            self._show(self.chainrule),
            self._show(self.numpy),
            "-" if self.ratio is None else f"{self.ratio:.2f}x",
            self._show(self.torch),
            self.target,
            f"{verdict} ({self.detail})" if self.detail else verdict,
        ]

    def _show(self, seconds):
        if seconds is None:
            return "-"
        value = seconds * {"us": 1e6, "ms": 1e3, "s": 1.0}[self.unit]
        return f"{value:.0f} {self.unit}" if value >= 100 else f"{value:.3g} {self.unit}"


HEADER = ["benchmark", "chainrule", "NumPy by hand", "ratio", "PyTorch", "target", "met?"]


def markdown_table(rows):
    lines = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    lines += ["| " + " | ".join(row.cells()) + " |" for row in rows]
    return "\n".join(lines)
