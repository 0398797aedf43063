"""Sample inputs for the primitives of chainrule.nn (erf, behind GELU)."""

SAMPLES = {
    "erf": lambda d: [((d.normal(3, 4),), {}), ((d.uniform(-4.0, 4.0, 2, 1, 5),), {}), ((d.normal(),), {})],
}
