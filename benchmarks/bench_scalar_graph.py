"""A scalar graph, micrograd style: many tiny nodes, where only overhead counts.

A 2-16-16-1 MLP (tanh hidden units, linear output) on 100 samples of two
Python floats; every weight, bias and input is its own 0-d tensor, each neuron
is ``b + w0*x0 + w1*x1 + ...``, and the loss is the squared error summed over
the samples: about 64,000 nodes, built and backpropagated once per call, with
the garbage collector on. NumPy "by hand" runs the same scalar computation,
node by node, on NumPy float64 scalars, with the backward pass written out.
"""
import random

import numpy as np

import chainrule as cr

from .common import Row, compare, load_torch

SIZES = (2, 16, 16, 1)
SAMPLES = 100
TARGET_NODES_PER_SECOND = 300_000


def _problem():
    rng = random.Random(0)
    data = [([rng.uniform(-2, 2) for _ in range(SIZES[0])], rng.uniform(-1, 1)) for _ in range(SAMPLES)]
    layers = [([[rng.uniform(-1, 1) for _ in range(fan_in)] for _ in range(fan_out)], [0.0] * fan_out)
              for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:])]
    return data, layers


def _loss(layers, data):
    """The forward pass on scalar objects of any kind that have ``.tanh()``."""
    loss = 0
    last = len(layers) - 1
    for xs, target in data:
        h = xs
        for i, (weights, biases) in enumerate(layers):
            out = []
            for ws, b in zip(weights, biases):
                act = b
                for w, v in zip(ws, h):
                    act = act + w * v
                out.append(act.tanh() if i < last else act)
            h = out
        d = h[0] - target
        loss = loss + d * d
    return loss


def _boxed(make_input, make_param, data, layers):
    data = [([make_input(v) for v in xs], target) for xs, target in data]
    layers = [([[make_param(w) for w in ws] for ws in weights], [make_param(b) for b in biases])
              for weights, biases in layers]
    leaves = [p for weights, biases in layers for p in [w for ws in weights for w in ws] + biases]
    return data, layers, leaves


def _graph_step(data, layers, leaves):
    def step():
        for p in leaves:
            p.grad = None
        _loss(layers, data).backward()
    return step


def _chainrule_step(data, layers):
    return _graph_step(*_boxed(cr.tensor, lambda v: cr.tensor(v, requires_grad=True), data, layers))


def _torch_step(torch, data, layers):
    def make(v, requires_grad=False):
        return torch.tensor(v, dtype=torch.float64, requires_grad=requires_grad)
    return _graph_step(*_boxed(make, lambda v: make(v, True), data, layers))


def _count_and_check(data, layers):
    """Nodes chainrule records for one loss (found by walking its graph), after
    checking that its gradients are the ones NumPy by hand computes."""
    boxed_data, boxed_layers, leaves = _boxed(
        cr.tensor, lambda v: cr.tensor(v, requires_grad=True), data, layers)
    loss = _loss(boxed_layers, boxed_data)
    seen, stack = set(), [loss.grad_fn]
    while stack:
        node = stack.pop()
        if node is not None and node not in seen:
            seen.add(node)
            stack.extend(node.next_functions)
    loss.backward()
    expected_loss, grads = _numpy_step(data, layers)()
    expected = [g for g_weights, g_biases in grads for g in [g for gws in g_weights for g in gws] + g_biases]
    np.testing.assert_allclose(loss.item(), expected_loss, rtol=1e-10)
    np.testing.assert_allclose([p.grad.item() for p in leaves], expected, rtol=1e-8, atol=1e-12)
    return len(seen)


def _numpy_step(data, layers):
    data = [([np.float64(v) for v in xs], np.float64(target)) for xs, target in data]
    layers = [([[np.float64(w) for w in ws] for ws in weights], [np.float64(b) for b in biases])
              for weights, biases in layers]
    last = len(layers) - 1

    def step():
        grads = [([[0.0] * len(ws) for ws in weights], [0.0] * len(biases)) for weights, biases in layers]
        loss = 0.0
        for xs, target in data:
            acts = [xs]
            for i, (weights, biases) in enumerate(layers):
                out = []
                for ws, b in zip(weights, biases):
                    act = b
                    for w, v in zip(ws, acts[-1]):
                        act = act + w * v
                    out.append(np.tanh(act) if i < last else act)
                acts.append(out)
            d = acts[-1][0] - target
            loss = loss + d * d
            g_out = [2 * d]   # d (d^2) / d output
            for i in reversed(range(len(layers))):
                weights = layers[i][0]
                g_weights, g_biases = grads[i]
                if i < last:   # d tanh(a)/da = 1 - tanh(a)^2
                    g_out = [g * (1 - o * o) for g, o in zip(g_out, acts[i + 1])]
                g_in = [0.0] * len(acts[i])
                for j, (ws, g) in enumerate(zip(weights, g_out)):
                    g_biases[j] += g
                    gws = g_weights[j]
                    for k, (w, v) in enumerate(zip(ws, acts[i])):
                        gws[k] += g * v
                        g_in[k] += g * w
                g_out = g_in
        return loss, grads
    return step


def run(torch="auto"):
    """One row: time per graph (forward + backward) and chainrule's nodes per second."""
    torch = load_torch() if torch == "auto" else torch
    data, layers = _problem()
    impls = {"chainrule": _chainrule_step(data, layers), "numpy": _numpy_step(data, layers)}
    if torch is not None:
        impls["torch"] = _torch_step(torch, data, layers)
    nodes = _count_and_check(data, layers)
    t = compare(impls, repeat=5, warmup=1, min_batch_seconds=0, min_seconds=15)   # one graph per batch
    rate = nodes / t["chainrule"].best
    return [Row(
        benchmark=f"scalar graph, {'-'.join(map(str, SIZES))} MLP on {SAMPLES} samples, fwd+bwd, gc on",
        chainrule=t["chainrule"].best, numpy=t["numpy"].best,
        torch=t["torch"].best if "torch" in t else None,
        target=f"> {TARGET_NODES_PER_SECOND:,} nodes/s", met=rate > TARGET_NODES_PER_SECOND,
        unit="ms", detail=f"{rate:,.0f} nodes/s, {nodes:,} nodes")]
