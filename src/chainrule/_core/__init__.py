"""The engine: primitives and their rules, the graph, the backward walk, grad mode."""
