"""Recurrent layers: RNN, GRU and LSTM, with PyTorch's parameters, shapes and results.

Each is a loop over time of a cell written in chainrule's ops, so its
gradient (backpropagation through time) comes from the autodiff engine.
"""
import math

import numpy as np

import chainrule as cr

from . import functional as F
from . import init
from .module import Module, Parameter


def _rnn_tanh_cell(x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    # h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
    return (cr.tanh(F.linear(x, weight_ih, bias_ih) + F.linear(state[0], weight_hh, bias_hh)),)


def _rnn_relu_cell(x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    return (cr.relu(F.linear(x, weight_ih, bias_ih) + F.linear(state[0], weight_hh, bias_hh)),)


def _gru_cell(x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    # r, z = sigmoid(W_i{r,z} x + b_i{r,z} + W_h{r,z} h + b_h{r,z})
    # n = tanh(W_in x + b_in + r * (W_hn h + b_hn)),  h' = (1 - z) * n + z * h = n + z * (h - n)
    # Each weight and bias comes as its (r, z) rows and its n rows (see _gru_blocks).
    (h,) = state
    rz = cr.sigmoid(F.linear(x, weight_ih[0], bias_ih[0]) + F.linear(h, weight_hh[0], bias_hh[0]))
    r, z = cr.split(rz, 2, axis=-1)
    n = cr.tanh(F.linear(x, weight_ih[1], bias_ih[1]) + r * F.linear(h, weight_hh[1], bias_hh[1]))
    return (n + z * (h - n),)


def _gru_blocks(param, hidden_size):
    """A GRU weight or bias as its (r, z) rows and its n rows, split once per call, not per step."""
    return (None, None) if param is None else tuple(cr.split(param, [2 * hidden_size]))


def _lstm_cell(x, state, weight_ih, weight_hh, bias_ih, bias_hh):
    # i, f, o = sigmoid(...), g = tanh(...) of W_i* x + b_i* + W_h* h + b_h*, in that order i, f, g, o;
    # c' = f * c + i * g,  h' = o * tanh(c')
    h, c = state
    gates = F.linear(x, weight_ih, bias_ih) + F.linear(h, weight_hh, bias_hh)
    hidden = np.shape(h)[-1]
    if_gates, g, o = cr.split(gates, [2 * hidden, 3 * hidden], axis=-1)
    i, f = cr.split(cr.sigmoid(if_gates), 2, axis=-1)
    c = f * c + i * cr.tanh(g)
    return cr.sigmoid(o) * cr.tanh(c), c


class _RecurrentBase(Module):
    """Layers of cells over a sequence, in one or both directions.

    Input (T, N, input_size), or (N, T, input_size) with ``batch_first``, or
    (T, input_size) unbatched. Output (T, N, D * hidden_size) with D = 2 when
    bidirectional: the last layer's hidden state at every step, the backward
    direction's after the forward's. Final states (num_layers * D, N, hidden_size),
    ordered layer by layer, forward direction first.
    """

    gates = 1          # blocks of hidden_size rows in each weight
    states = 1         # tensors in the recurrent state: h, or h and c

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
                 bidirectional=False, dtype=None, rng=None):
        super().__init__()
        name = type(self).__name__
        if num_layers < 1 or hidden_size < 1:
            raise ValueError(f"{name}: num_layers and hidden_size must be positive, got {num_layers} and "
                             f"{hidden_size}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"{name}: dropout must be in [0, 1], got {dropout}")
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = dropout
        self.bidirectional = bidirectional
        directions = 2 if bidirectional else 1
        rows = self.gates * hidden_size
        self._layer_names = []
        for layer in range(num_layers):
            columns = input_size if layer == 0 else directions * hidden_size
            names = []
            for suffix in ("", "_reverse")[:directions]:
                tag = f"_l{layer}{suffix}"
                setattr(self, "weight_ih" + tag, Parameter(cr.zeros(rows, columns, dtype=dtype)))
                setattr(self, "weight_hh" + tag, Parameter(cr.zeros(rows, hidden_size, dtype=dtype)))
                if bias:
                    setattr(self, "bias_ih" + tag, Parameter(cr.zeros(rows, dtype=dtype)))
                    setattr(self, "bias_hh" + tag, Parameter(cr.zeros(rows, dtype=dtype)))
                names.append(tag)
            self._layer_names.append(names)
        self.reset_parameters(rng)

    def reset_parameters(self, rng=None):
        """Every weight and bias from U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), as PyTorch."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for param in self.parameters():
            init.uniform_(param, -bound, bound, rng=rng)

    def _weights(self, tag):
        get = self._parameters.get
        return (get("weight_ih" + tag), get("weight_hh" + tag), get("bias_ih" + tag), get("bias_hh" + tag))

    def _cell(self):
        raise NotImplementedError

    def forward(self, input, hx=None):
        name = type(self).__name__
        shape = np.shape(input)
        if len(shape) not in (2, 3) or shape[-1] != self.input_size:
            raise ValueError(f"{name}: expected input of shape (T, N, {self.input_size}) (or (N, T, "
                             f"{self.input_size}) with batch_first, or (T, {self.input_size})), got {shape}")
        unbatched = len(shape) == 2
        x = cr.expand_dims(input, 1) if unbatched else (cr.swapaxes(input, 0, 1) if self.batch_first else input)
        initial = self._initial_states(hx, np.shape(x)[1], unbatched, _dtype(input))
        cell = self._cell()
        finals = []
        for layer, tags in enumerate(self._layer_names):
            if layer > 0 and self.dropout > 0 and self.training:
                x = F.dropout(x, self.dropout, training=True)
            outputs = []
            for direction, tag in enumerate(tags):
                index = layer * len(tags) + direction
                state = tuple(s[index] for s in initial)
                sequence, state = _run(cell, x, state, self._weights(tag), reverse=direction == 1)
                outputs.append(sequence)
                finals.append(state)
            x = outputs[0] if len(outputs) == 1 else cr.concatenate(outputs, axis=-1)
        output = cr.squeeze(x, 1) if unbatched else (cr.swapaxes(x, 0, 1) if self.batch_first else x)
        final = tuple(cr.stack([state[k] for state in finals]) for k in range(self.states))
        if unbatched:
            final = tuple(cr.squeeze(f, 1) for f in final)
        return output, (final if self.states > 1 else final[0])

    def _initial_states(self, hx, batch, unbatched, dtype):
        """The initial states, each (num_layers * D, N, hidden_size): zeros when ``hx`` is None."""
        expected = (self.num_layers * (2 if self.bidirectional else 1),) + ((batch,) if not unbatched else ()) \
            + (self.hidden_size,)
        if hx is None:
            return (np.zeros(expected[:1] + (batch, self.hidden_size), dtype),) * self.states
        given = (hx,) if self.states == 1 else tuple(hx)
        for h in given:
            if tuple(np.shape(h)) != expected:
                raise ValueError(f"{type(self).__name__}: expected initial state of shape {expected}, "
                                 f"got {np.shape(h)}")
        return tuple(cr.expand_dims(h, 1) if unbatched else h for h in given)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        defaults = {"num_layers": 1, "bias": True, "batch_first": False, "dropout": 0.0, "bidirectional": False}
        return text + "".join(f", {key}={getattr(self, key)}" for key, default in defaults.items()
                              if getattr(self, key) != default)


def _dtype(x):
    return x.dtype if hasattr(x, "dtype") else np.asarray(x).dtype


def _run(cell, x, state, weights, reverse):
    """One direction of one layer over the sequence x (T, N, features):
    its outputs (T, N, hidden_size) and its final state."""
    steps = range(np.shape(x)[0])
    outputs = []
    for t in (reversed(steps) if reverse else steps):
        # x[t] records nothing for an input that needs no gradient (the first layer's, usually).
        state = cell(x[t], state, *weights)
        outputs.append(state[0])
    if reverse:
        outputs.reverse()
    return cr.stack(outputs), state


class RNN(_RecurrentBase):
    """Elman RNN: h_t = nonlinearity(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), nonlinearity 'tanh' or 'relu'.
    Returns (output, h_n)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, dtype=None, rng=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: nonlinearity must be 'tanh' or 'relu', got {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional, dtype, rng)
        self.nonlinearity = nonlinearity

    def _cell(self):
        return _rnn_tanh_cell if self.nonlinearity == "tanh" else _rnn_relu_cell

    def extra_repr(self):
        text = super().extra_repr()
        return text if self.nonlinearity == "tanh" else text + f", nonlinearity={self.nonlinearity!r}"


class GRU(_RecurrentBase):
    """Gated recurrent unit with PyTorch's gate order (r, z, n) and formula
    n = tanh(W_in x + b_in + r * (W_hn h + b_hn)). Returns (output, h_n)."""

    gates = 3

    def _cell(self):
        return _gru_cell

    def _weights(self, tag):
        return tuple(_gru_blocks(p, self.hidden_size) for p in super()._weights(tag))


class LSTM(_RecurrentBase):
    """Long short-term memory with PyTorch's gate order (i, f, g, o).
    Returns (output, (h_n, c_n)); ``hx`` is None or a pair (h_0, c_0)."""

    gates = 4
    states = 2

    def _cell(self):
        return _lstm_cell
