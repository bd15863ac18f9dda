"""Recurrent layers: GRUCell, LSTMCell (one step) and GRU, LSTM (whole sequences, stacked).

Everything follows ``torch.nn``: the equations (see ``minigrad.ops.rnn``), the time-major
layout (T, B, F), the parameter names and shapes, their registration order (so ``state_dict``
keys line up with PyTorch's) and the default initialisation U(-1/sqrt(H), 1/sqrt(H)).

A layer over a sequence splits the work in two:
    gi = X W_ih^T + b_ih       for all T steps at once: ONE matmul, (T, B, F) -> (T, B, G*H)
    h_t = cell(gi[t], h_{t-1}) the recurrence, one fused op per step (G = 3 for GRU, 4 for LSTM)
Only the second part is sequential; slicing gi[t] is free (a view, and its gradient is
written into one buffer, see ``SliceGrad``).
"""
import math

from minigrad import backend, ops
from minigrad.nn.module import Module, check_sizes, uniform
from minigrad.ops.common import as_float, as_tensor
from minigrad.ops.rnn import _time_steps
from minigrad.tensor import Tensor


def _zeros(shape, like):
    """A constant zero state with the dtype and backend of the tensor ``like``."""
    return as_tensor(backend.xp.zeros(shape, dtype=like.dtype), "rnn")


def _float_like_parameters(module, x):
    """An integer or boolean input or state cast to the float dtype of the module's
    parameters, so a float32 layer given an integer h0 stays float32 (NumPy alone would
    promote int64 with float32 to float64). torch refuses such inputs outright ("expected
    scalar type Float"); a cast is the kinder choice and gives the same numbers as the
    caller's own ``.float()``. Float inputs are left as they are."""
    x = as_tensor(x, type(module).__name__)
    if x.dtype.kind == "f":
        return x
    return as_float(x, next(iter(module._parameters.values())).dtype)


def _check_input(module, x, ndim, size):
    """``x`` as a tensor of ``ndim`` dims whose last axis is ``size``, else a clear error."""
    if not isinstance(x, Tensor) or x.data.dtype.kind != "f":
        x = _float_like_parameters(module, x)
    layout = "(T, B, F), time-major" if ndim == 3 else "(B, F)"
    if x.ndim != ndim or x.shape[-1] != size or x.shape[0] == 0:
        raise ValueError(f"{type(module).__name__}: expected input of shape {layout} with "
                         f"F = input_size = {size}, got {x.shape}")
    return x


def _check_pair(module, state, what):
    """An LSTM state must be a pair (h, c); a single tensor is a common slip."""
    if not isinstance(state, (tuple, list)) or len(state) != 2:
        got = (f"a {type(state).__name__} of {len(state)} items"
               if isinstance(state, (tuple, list)) else
               f"{type(state).__name__} of shape {getattr(state, 'shape', '?')}")
        raise TypeError(f"{type(module).__name__}: expected the state as a pair {what}, "
                        f"got {got}")
    return state


def _check_state(module, state, shape, what):
    if not isinstance(state, Tensor) or state.data.dtype.kind != "f":
        state = _float_like_parameters(module, state)
    if state.shape != shape:
        raise ValueError(f"{type(module).__name__}: {what} has shape {state.shape}, "
                         f"expected {shape}")
    return state


# ----------------------------------------------------------------------------- cells

class _CellBase(Module):
    gates = 0   # 3 for GRU (r, z, n), 4 for LSTM (i, f, g, o)

    def __init__(self, input_size, hidden_size, bias=True):
        super().__init__()
        check_sizes(type(self).__name__, input_size=input_size)
        check_sizes(type(self).__name__, 1, hidden_size=hidden_size)
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        bound = 1 / math.sqrt(hidden_size)
        G = self.gates
        self.weight_ih = uniform((G * hidden_size, input_size), bound)
        self.weight_hh = uniform((G * hidden_size, hidden_size), bound)
        self.bias_ih = uniform((G * hidden_size,), bound) if bias else None
        self.bias_hh = uniform((G * hidden_size,), bound) if bias else None

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class GRUCell(_CellBase):
    """One GRU step: forward(x (B, F), h (B, H) or None for zeros) -> h' (B, H)."""
    gates = 3

    def forward(self, x, h=None):
        x = _check_input(self, x, 2, self.input_size)
        shape = (x.shape[0], self.hidden_size)
        h = _zeros(shape, self.weight_hh) if h is None else _check_state(self, h, shape, "h")
        gi = ops.linear(x, self.weight_ih, self.bias_ih)                 # (B, 3H)
        return ops.gru_cell(gi, h, self.weight_hh, self.bias_hh)


class LSTMCell(_CellBase):
    """One LSTM step: forward(x (B, F), (h, c) or None for zeros) -> (h' (B, H), c' (B, H))."""
    gates = 4

    def forward(self, x, state=None):
        x = _check_input(self, x, 2, self.input_size)
        shape = (x.shape[0], self.hidden_size)
        if state is None:
            h = c = _zeros(shape, self.weight_hh)
        else:
            h, c = _check_pair(self, state, f"(h, c), each of shape {shape}")
            h, c = _check_state(self, h, shape, "h"), _check_state(self, c, shape, "c")
        gi = ops.linear(x, self.weight_ih, self.bias_ih)                 # (B, 4H)
        hc = ops.lstm_cell(gi, h, c, self.weight_hh, self.bias_hh)       # (2, B, H)
        return hc[0], hc[1]


# ----------------------------------------------------------------------------- sequences

class _RNNBase(Module):
    """What GRU and LSTM share: the parameters of every layer and direction, and the loop
    over layers. Subclasses say how one direction of one layer runs (``_run_direction``)."""
    gates = 0

    def __init__(self, input_size, hidden_size, num_layers=1, dropout=0.0,
                 bidirectional=False, *, bias=True):
        super().__init__()
        name = type(self).__name__
        check_sizes(name, input_size=input_size)
        check_sizes(name, 1, hidden_size=hidden_size, num_layers=num_layers)
        if not 0 <= dropout < 1:
            raise ValueError(f"{name}: dropout must lie in [0, 1), got {dropout}")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.dropout, self.bidirectional, self.bias = dropout, bidirectional, bias
        self.num_directions = 2 if bidirectional else 1
        G, H = self.gates, hidden_size
        bound = 1 / math.sqrt(H)
        # torch's order: layer by layer, forward direction before reverse, and within each
        # weight_ih, weight_hh, bias_ih, bias_hh
        for k in range(num_layers):
            layer_input = input_size if k == 0 else H * self.num_directions
            for suffix in self._suffixes(k):
                setattr(self, "weight_ih" + suffix, uniform((G * H, layer_input), bound))
                setattr(self, "weight_hh" + suffix, uniform((G * H, H), bound))
                if bias:
                    setattr(self, "bias_ih" + suffix, uniform((G * H,), bound))
                    setattr(self, "bias_hh" + suffix, uniform((G * H,), bound))

    def _suffixes(self, layer):
        return [f"_l{layer}", f"_l{layer}_reverse"][:self.num_directions]

    def _weights(self, suffix):
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer and direction."""
        p = self._parameters
        return (p["weight_ih" + suffix], p["weight_hh" + suffix], p.get("bias_ih" + suffix),
                p.get("bias_hh" + suffix))

    def _check_projected(self, projected_input):
        """Layer 0's projection (T, B, G*H), given in place of X, checked."""
        name, width = type(self).__name__, self.gates * self.hidden_size
        projected_input = _float_like_parameters(self, projected_input)
        if self.bidirectional:
            raise ValueError(f"{name}: projected_input is for unidirectional layers only")
        if projected_input.ndim != 3 or projected_input.shape[-1] != width:
            raise ValueError(f"{name}: expected projected_input of shape (T, B, {width}) "
                             f"(gates * hidden_size), got {projected_input.shape}")
        return projected_input

    def _run_layers(self, X, states, projected_input=None):
        """Run every layer over X (T, B, F). ``states[i]`` is the initial state of layer and
        direction i (its index in h_0); returns the last layer's outputs and the final states.
        ``projected_input``, when given, stands for layer 0's X W_ih^T + b_ih."""
        finals, params = [], self._parameters
        for k in range(self.num_layers):
            outputs = []
            for d in range(self.num_directions):      # d = 1: the reverse direction
                suffix = f"_l{k}_reverse" if d else f"_l{k}"
                w_ih, w_hh = params["weight_ih" + suffix], params["weight_hh" + suffix]
                b_ih, b_hh = params.get("bias_ih" + suffix), params.get("bias_hh" + suffix)
                if k == 0 and projected_input is not None:
                    gi = projected_input                          # computed by the caller
                else:
                    gi = ops.linear(X, w_ih, b_ih)                # (T, B, in) -> (T, B, G*H)
                out, final = self._run_direction(gi, states[k * self.num_directions + d],
                                                 w_hh, b_hh, reverse=d == 1)
                outputs.append(out)
                finals.append(final)
            X = outputs[0] if len(outputs) == 1 else ops.concat(outputs, axis=2)  # (T, B, dirs*H)
            if k < self.num_layers - 1:
                X = ops.dropout(X, self.dropout, self.training)
        return X, finals

    def step(self, projected_input, states):
        """One time step through every layer, for a caller that runs the time loop itself (a
        decoder whose next input depends on this step's output): layer 0's input projection
        (B, G*H) and the list of each layer's state that ``layer_states`` gives -> (the top
        layer's output (B, H), the list of new states).

        The same math as ``forward(None, stacked states, projected_input=P[None])``, dropout
        between layers included, without stacking the states into (L, B, H) and taking them
        apart again at every step (unidirectional layers only)."""
        if len(states) != self.num_layers:
            raise ValueError(f"{type(self).__name__}.step: expected {self.num_layers} layer "
                             f"states, got {len(states)}")
        gi, new_states = projected_input, []
        for k in range(self.num_layers):
            w_ih, w_hh, b_ih, b_hh = self._weights(f"_l{k}")
            if k > 0:
                x = ops.dropout(output, self.dropout, self.training)
                gi = ops.linear(x, w_ih, b_ih)                            # (B, G*H)
            output, state = self._cell_step(gi, states[k], w_hh, b_hh)
            new_states.append(state)
        return output, new_states

    def _check_steppable(self):
        if self.bidirectional:
            raise ValueError(f"{type(self).__name__}.step: a bidirectional layer reads the "
                             f"whole sequence; step is for unidirectional layers only")

    def _initial_states(self, batch, state, what):
        """The (L*dirs, B, H) initial state as a list of (B, H) tensors, zeros when None:
        checked against its expected shape and cast to the parameters' dtype."""
        count = self.num_layers * self.num_directions
        shape = (count, batch, self.hidden_size)
        if state is None:
            zeros = _zeros(shape[1:], self.weight_hh_l0)
            return [zeros] * count
        if not isinstance(state, Tensor) or state.data.dtype.kind != "f":
            state = _float_like_parameters(self, state)
        if state.shape != shape:
            raise ValueError(f"{type(self).__name__}: {what} has shape {state.shape}, "
                             f"expected {shape}")
        return list(map(state.__getitem__, range(count)))   # [state[0], state[1], ...]

    @property
    def _flat_weights_names(self):
        """The parameter names in torch's order (weight_ih_l0, weight_hh_l0, bias_ih_l0, ...),
        as torch's RNN modules list them; d2l's init_seq2seq walks them."""
        return list(self._parameters)

    def extra_repr(self):
        text = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            text += f", num_layers={self.num_layers}"
        if not self.bias:
            text += ", bias=False"
        if self.dropout:
            text += f", dropout={self.dropout}"
        if self.bidirectional:
            text += ", bidirectional=True"
        return text


class GRU(_RNNBase):
    """A multi-layer GRU over a time-major sequence, as ``torch.nn.GRU``.

    forward(X (T, B, F), h0 (L*dirs, B, H) or None for zeros)
        -> (outputs (T, B, dirs*H): the last layer's h_t for every t (both directions
            concatenated on the feature axis), h_n (L*dirs, B, H): every layer's final state)
    Dropout acts on the outputs of every layer but the last, in training mode only.

    ``forward(None, h0, projected_input=P)`` takes layer 0's input projection
    P = X W_ih_l0^T + b_ih_l0 (T, B, 3H) in place of X, for a caller that computes it in parts
    (unidirectional only): when X = [a; b], P = a W_a^T + (b W_b^T + b_ih_l0) for the column
    blocks W_ih_l0 = [W_a | W_b], and the b part may be known for many steps at once.
    """
    gates = 3

    def forward(self, X, h0=None, projected_input=None):
        X = (_check_input(self, X, 3, self.input_size) if projected_input is None
             else self._check_projected(projected_input))               # (T, B, F)
        states = self._initial_states(X.shape[1], h0, "h0")              # L*dirs of (B, H)
        outputs, finals = self._run_layers(X, states, projected_input)   # ops.gru_sequence
        return outputs, ops.stack(finals)                                # (L*dirs, B, H)

    def layer_states(self, h, batch):
        """h (L, B, H), or None for zeros -> the list of each layer's (B, H) state that
        ``step`` takes, checked and cast once for the whole loop."""
        self._check_steppable()
        return self._initial_states(batch, h, "the state")

    @staticmethod
    def stacked_state(states):
        """The inverse of ``layer_states``: the list of layer states -> h (L, B, H)."""
        return ops.stack(states)

    @staticmethod
    def top_state(states):
        """The top layer's hidden state (B, H) from the list of layer states."""
        return states[-1]

    @staticmethod
    def _cell_step(gi, h, weight_hh, bias_hh):
        h = ops.gru_cell(gi, h, weight_hh, bias_hh)                       # (B, H)
        return h, h

    @staticmethod
    def _run_direction(gi, h, weight_hh, bias_hh, reverse):
        # the T steps of gru_cell as one op (its twin gru_sequence_composed is the step loop)
        outputs = ops.gru_sequence(gi, h, weight_hh, bias_hh, reverse)    # (T, B, H)
        return outputs, outputs[0 if reverse else -1]                     # and the last h


class LSTM(_RNNBase):
    """A multi-layer LSTM over a time-major sequence, as ``torch.nn.LSTM``.

    forward(X (T, B, F), (h0, c0) each (L*dirs, B, H), or None for zeros)
        -> (outputs (T, B, dirs*H), (h_n, c_n) each (L*dirs, B, H))
    ``projected_input`` (T, B, 4H) works as in ``GRU``.
    """
    gates = 4

    def forward(self, X, state=None, projected_input=None):
        X = (_check_input(self, X, 3, self.input_size) if projected_input is None
             else self._check_projected(projected_input))
        h0, c0 = (None, None) if state is None else _check_pair(
            self, state, "(h0, c0), each of shape (num_layers * num_directions, B, H)")
        B = X.shape[1]
        hs, cs = self._initial_states(B, h0, "h0"), self._initial_states(B, c0, "c0")
        outputs, finals = self._run_layers(X, list(zip(hs, cs)), projected_input)
        return outputs, self.stacked_state(finals)

    def layer_states(self, state, batch):
        """(h, c) each (L, B, H), or None for zeros -> the list of each layer's (h, c) pair
        of (B, H) states that ``step`` takes, checked and cast once for the whole loop."""
        self._check_steppable()
        h, c = (None, None) if state is None else _check_pair(
            self, state, "(h, c), each of shape (num_layers, B, H)")
        return list(zip(self._initial_states(batch, h, "h"),
                        self._initial_states(batch, c, "c")))

    @staticmethod
    def stacked_state(states):
        """The inverse of ``layer_states``: the list of (h, c) pairs -> (h, c) each
        (L, B, H)."""
        return ops.stack([h for h, _ in states]), ops.stack([c for _, c in states])

    @staticmethod
    def top_state(states):
        """The top layer's hidden state h (B, H) from the list of (h, c) layer states."""
        return states[-1][0]

    @staticmethod
    def _cell_step(gi, state, weight_hh, bias_hh):
        hc = ops.lstm_cell(gi, *state, weight_hh, bias_hh)                # (2, B, H)
        h = hc[0]                                    # one node: the output and the state's h
        return h, (h, hc[1])

    @staticmethod
    def _run_direction(gi, state, weight_hh, bias_hh, reverse):
        h, c = state
        outputs = [None] * gi.shape[0]
        for t in _time_steps(gi.shape[0], reverse):
            hc = ops.lstm_cell(gi[t], h, c, weight_hh, bias_hh)          # (2, B, H)
            h, c = hc[0], hc[1]
            outputs[t] = h
        return ops.stack(outputs), (h, c)                                # (T, B, H)
