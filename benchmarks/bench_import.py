"""``import chainrule`` time, in a fresh interpreter each time (best of several).

Only the import statement is timed, not the interpreter's start. NumPy's own
import, which chainrule's includes, is the baseline; ``import torch`` is shown
beside it. Compiled bytecode is cached (in a temporary folder, outside the
checkout) as an installed package's would be, even where the environment sets
PYTHONDONTWRITEBYTECODE; an untimed first import fills the cache.
"""
import os
import subprocess
import sys
import tempfile

from .common import Row, load_torch

TARGET_SECONDS = 0.2
TRIES = 7
_SNIPPET = "import time; t = time.perf_counter(); import {0}; print(time.perf_counter() - t)"


def import_seconds(module, pycache):
    """Seconds a fresh interpreter takes to import ``module``, caching bytecode in ``pycache``."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=pycache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    # Find this checkout's chainrule even when it is not installed.
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    out = subprocess.run([sys.executable, "-c", _SNIPPET.format(module)], env=env,
                         capture_output=True, text=True, check=True).stdout
    return float(out)


def run(torch="auto"):
    torch = load_torch() if torch == "auto" else torch
    names = ("chainrule", "numpy", "torch") if torch is not None else ("chainrule", "numpy")
    with tempfile.TemporaryDirectory() as pycache:
        for name in names:
            import_seconds(name, pycache)
        best = {name: min(import_seconds(name, pycache) for _ in range(TRIES)) for name in names}
    seconds = best["chainrule"]
    return [Row(
        benchmark="import chainrule (fresh process); NumPy: import numpy",
        chainrule=seconds, numpy=best["numpy"], torch=best.get("torch"),
        target=f"< {TARGET_SECONDS:g} s", met=seconds < TARGET_SECONDS, unit="ms")]
