"""chainrule benchmarks: each a ratio to hand-written NumPy (see README.md); run with ``python -m benchmarks.run``."""
