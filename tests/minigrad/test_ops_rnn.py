"""gru_cell and lstm_cell: against torch.nn.GRUCell / LSTMCell with copied weights, against
their composed twins, and by gradcheck. The input projection gi = x W_ih^T + b_ih is computed
with ops.linear, as a layer does."""
import numpy as np
import pytest
import torch
from torch.func import functional_call

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_twins, compare_with_torch

SIZES = [(3, 4, 5), (1, 2, 1), (2, 3, 2)]   # (batch, input_size, hidden_size)


def arrays(gates, batch, inputs, hidden, bias=True, seed=0, cell_state=False):
    """x, h (, c), weight_ih, (bias_ih,) weight_hh (, bias_hh), like torch's init scale."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, inputs))
    h = rng.standard_normal((batch, hidden)) * 0.5
    c = [rng.standard_normal((batch, hidden))] if cell_state else []
    w_ih = rng.uniform(-1, 1, (gates * hidden, inputs))
    w_hh = rng.uniform(-1, 1, (gates * hidden, hidden))
    if not bias:
        return [x, h] + c + [w_ih, w_hh]
    b_ih, b_hh = rng.uniform(-1, 1, (2, gates * hidden))
    return [x, h] + c + [w_ih, b_ih, w_hh, b_hh]


def step(kind, bias):
    """One minigrad step: (x, h[, c], weight_ih[, bias_ih], weight_hh[, bias_hh]) -> the cell's
    output, with gi = x W_ih^T + b_ih from ops.linear."""
    cell, num_states = (ops.gru_cell, 1) if kind == "gru" else (ops.lstm_cell, 2)

    def run(x, *rest):
        states, weights = rest[:num_states], rest[num_states:]
        w_ih, b_ih, w_hh, b_hh = weights if bias else (weights[0], None, weights[1], None)
        return cell(ops.linear(x, w_ih, b_ih), *states, w_hh, b_hh)
    return run


def torch_cell(kind, inputs, hidden, bias):
    """The same step in PyTorch: a GRUCell / LSTMCell run with the given tensors as weights."""
    cell = (torch.nn.GRUCell if kind == "gru" else torch.nn.LSTMCell)(inputs, hidden, bias=bias)
    names = ["weight_ih", "bias_ih", "weight_hh", "bias_hh"] if bias else ["weight_ih",
                                                                           "weight_hh"]
    if kind == "gru":
        return lambda x, h, *weights: functional_call(cell, dict(zip(names, weights)), (x, h))
    return lambda x, h, c, *weights: torch.stack(
        functional_call(cell, dict(zip(names, weights)), (x, (h, c))))


# ----------------------------------------------------------------------------- GRU

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_gru_cell_matches_torch_gru_cell(sizes, bias, dtype):
    _, out = compare_with_torch(step("gru", bias), torch_cell("gru", *sizes[1:], bias),
                                arrays(3, *sizes, bias=bias), dtype)
    assert out.shape == (sizes[0], sizes[2])


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_gru_cell_gradcheck(sizes, bias):
    batch, _, hidden = sizes
    rng = np.random.default_rng(1)
    gi, h = rng.standard_normal((batch, 3 * hidden)), rng.standard_normal((batch, hidden))
    w, b = rng.uniform(-1, 1, (3 * hidden, hidden)), rng.uniform(-1, 1, 3 * hidden)
    for op in (ops.gru_cell, ops.gru_cell_composed):
        check_gradients(op, [gi, h, w, b] if bias else [gi, h, w])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_gru_cell_matches_its_composed_twin(sizes, bias, dtype):
    batch, _, hidden = sizes
    rng = np.random.default_rng(2)
    gi, h = rng.standard_normal((batch, 3 * hidden)), rng.standard_normal((batch, hidden))
    w, b = rng.uniform(-1, 1, (3 * hidden, hidden)), rng.uniform(-1, 1, 3 * hidden)
    compare_twins(ops.gru_cell, ops.gru_cell_composed, [gi, h, w, b] if bias else [gi, h, w],
                  dtype)


# ----------------------------------------------------------------------------- LSTM

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_lstm_cell_matches_torch_lstm_cell(sizes, bias, dtype):
    _, out = compare_with_torch(step("lstm", bias), torch_cell("lstm", *sizes[1:], bias),
                                arrays(4, *sizes, bias=bias, cell_state=True), dtype)
    assert out.shape == (2, sizes[0], sizes[2])   # stacked (h', c')


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_lstm_cell_gradcheck(sizes, bias):
    batch, _, hidden = sizes
    rng = np.random.default_rng(3)
    gi, h, c = (rng.standard_normal(s) for s in ((batch, 4 * hidden), (batch, hidden),
                                                  (batch, hidden)))
    w, b = rng.uniform(-1, 1, (4 * hidden, hidden)), rng.uniform(-1, 1, 4 * hidden)
    for op in (ops.lstm_cell, ops.lstm_cell_composed):
        check_gradients(op, [gi, h, c, w, b] if bias else [gi, h, c, w])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("sizes", SIZES, ids=str)
def test_lstm_cell_matches_its_composed_twin(sizes, bias, dtype):
    batch, _, hidden = sizes
    rng = np.random.default_rng(4)
    gi, h, c = (rng.standard_normal(s) for s in ((batch, 4 * hidden), (batch, hidden),
                                                  (batch, hidden)))
    w, b = rng.uniform(-1, 1, (4 * hidden, hidden)), rng.uniform(-1, 1, 4 * hidden)
    compare_twins(ops.lstm_cell, ops.lstm_cell_composed,
                  [gi, h, c, w, b] if bias else [gi, h, c, w], dtype)


# ----------------------------------------------------------------------------- unrolled

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kind", ["gru", "lstm"])
def test_unrolled_cells_match_torch(kind, dtype):
    """Five steps over a (T, B, F) input taken step by step: h and c are reused, x is sliced."""
    T, B, F, H = 5, 2, 3, 4
    gates = 3 if kind == "gru" else 4
    rng = np.random.default_rng(5)
    X = rng.standard_normal((T, B, F))
    h0, c0 = rng.standard_normal((2, B, H)) * 0.5
    w_ih, w_hh = rng.uniform(-0.5, 0.5, (gates * H, F)), rng.uniform(-0.5, 0.5, (gates * H, H))
    b_ih, b_hh = rng.uniform(-0.5, 0.5, (2, gates * H))
    cell = torch_cell(kind, F, H, True)

    def ours(X, h, c, w_ih, b_ih, w_hh, b_hh):
        outputs = []
        for t in range(T):
            if kind == "gru":
                h = ops.gru_cell(ops.linear(X[t], w_ih, b_ih), h, w_hh, b_hh)
            else:
                hc = ops.lstm_cell(ops.linear(X[t], w_ih, b_ih), h, c, w_hh, b_hh)
                h, c = hc[0], hc[1]
            outputs.append(h)
        return ops.stack(outputs) + c.sum()

    def theirs(X, h, c, w_ih, b_ih, w_hh, b_hh):
        outputs = []
        for t in range(T):
            if kind == "gru":
                h = cell(X[t], h, w_ih, b_ih, w_hh, b_hh)
            else:
                h, c = cell(X[t], h, c, w_ih, b_ih, w_hh, b_hh)
            outputs.append(h)
        return torch.stack(outputs) + c.sum()
    compare_with_torch(ours, theirs, [X, h0, c0, w_ih, b_ih, w_hh, b_hh], dtype)


# ----------------------------------------------------------------------------- errors

def test_gru_cell_shape_errors():
    h, w = mg.Tensor(np.ones((2, 4))), mg.Tensor(np.ones((12, 4)))
    with pytest.raises(ValueError, match=r"gru_cell: expected gi \(B, 3H\), h \(B, H\), "
                                         r"weight_hh \(3H, H\), bias_hh \(3H,\); got gi \(2, 8\), "
                                         r"h \(2, 4\), weight_hh \(12, 4\), bias_hh None"):
        ops.gru_cell(mg.Tensor(np.ones((2, 8))), h, w)
    with pytest.raises(ValueError, match=r"gru_cell: .* got .* weight_hh \(12, 3\)"):
        ops.gru_cell(mg.Tensor(np.ones((2, 12))), h, mg.Tensor(np.ones((12, 3))))
    with pytest.raises(ValueError, match=r"gru_cell: .* bias_hh \(4,\)"):
        ops.gru_cell(mg.Tensor(np.ones((2, 12))), h, w, mg.Tensor(np.ones(4)))


def test_lstm_cell_shape_errors():
    h, w = mg.Tensor(np.ones((2, 4))), mg.Tensor(np.ones((16, 4)))
    with pytest.raises(ValueError, match=r"lstm_cell: c has shape \(2, 3\), expected h's shape "
                                         r"\(2, 4\)"):
        ops.lstm_cell(mg.Tensor(np.ones((2, 16))), h, mg.Tensor(np.ones((2, 3))), w)
    with pytest.raises(ValueError, match=r"lstm_cell: expected gi \(B, 4H\)"):
        ops.lstm_cell(mg.Tensor(np.ones((2, 12))), h, h, w)



# ----------------------------------------------------------------------------- GRU sequence

SEQUENCES = [(4, 3, 5), (1, 2, 1), (3, 1, 2)]   # (T, batch, hidden)


def sequence_arrays(T, batch, hidden, inputs=3, seed=20):
    """x (T, B, F), h0 (B, H), weight_ih, bias_ih, weight_hh, bias_hh."""
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((T, batch, inputs)), rng.standard_normal((batch, hidden)) * 0.5,
            rng.uniform(-1, 1, (3 * hidden, inputs)), rng.uniform(-1, 1, 3 * hidden),
            rng.uniform(-1, 1, (3 * hidden, hidden)), rng.uniform(-1, 1, 3 * hidden)]


def sequence(op, reverse):
    return lambda x, h0, w_ih, b_ih, w_hh, b_hh: op(ops.linear(x, w_ih, b_ih), h0, w_hh, b_hh,
                                                   reverse=reverse)


def torch_sequence(inputs, hidden, reverse):
    """torch.nn.GRUCell run over the steps (backwards with ``reverse``), the states stacked."""
    cell = torch.nn.GRUCell(inputs, hidden)
    names = ["weight_ih", "bias_ih", "weight_hh", "bias_hh"]

    def run(x, h, *weights):
        outputs = [None] * x.shape[0]
        for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
            h = outputs[t] = functional_call(cell, dict(zip(names, weights)), (x[t], h))
        return torch.stack(outputs)
    return run


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("sizes", SEQUENCES, ids=str)
def test_gru_sequence_matches_torch(sizes, reverse, dtype):
    _, out = compare_with_torch(sequence(ops.gru_sequence, reverse),
                                torch_sequence(3, sizes[2], reverse),
                                sequence_arrays(*sizes), dtype)
    assert out.shape == sizes


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("sizes", SEQUENCES, ids=str)
def test_gru_sequence_gradcheck(sizes, reverse):
    T, batch, hidden = sizes
    rng = np.random.default_rng(21)
    gi, h0 = rng.standard_normal((T, batch, 3 * hidden)), rng.standard_normal((batch, hidden))
    w, b = rng.uniform(-1, 1, (3 * hidden, hidden)), rng.uniform(-1, 1, 3 * hidden)
    check_gradients(lambda *a: ops.gru_sequence(*a, reverse=reverse), [gi, h0, w, b])
    check_gradients(lambda *a: ops.gru_sequence(*a, reverse=reverse), [gi, h0, w])  # no bias


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("sizes", SEQUENCES, ids=str)
def test_gru_sequence_matches_its_composed_twin(sizes, reverse, dtype):
    compare_twins(sequence(ops.gru_sequence, reverse),
                  sequence(ops.gru_sequence_composed, reverse), sequence_arrays(*sizes, seed=22),
                  dtype)


def test_gru_sequence_without_an_h0_gradient(float64):
    """A constant h0 (an encoder's zeros) gets no gradient; the rest is unchanged."""
    x, h0, w_ih, b_ih, w_hh, b_hh = sequence_arrays(3, 2, 4, seed=23)
    results = []
    for op in (ops.gru_sequence, ops.gru_sequence_composed):
        leaves = [mg.Tensor(a, requires_grad=True) for a in (x, w_ih, b_ih, w_hh, b_hh)]
        X, W_ih, B_ih, W_hh, B_hh = leaves
        out = op(ops.linear(X, W_ih, B_ih), mg.Tensor(h0), W_hh, B_hh)
        out.backward(np.random.default_rng(24).standard_normal(out.shape))
        results.append([leaf.grad for leaf in leaves])
    for fast, twin in zip(*results):
        np.testing.assert_allclose(mg.backend.to_numpy(fast), mg.backend.to_numpy(twin),
                                   rtol=1e-10, atol=1e-12)


def test_gru_sequence_errors_name_the_shapes():
    gi, h0 = mg.Tensor(np.zeros((3, 2, 12))), mg.Tensor(np.zeros((2, 4)))
    w = mg.Tensor(np.zeros((12, 4)))
    with pytest.raises(ValueError, match=r"gru_sequence: expected gi \(T, B, 3H\) with T >= 1, h \(B, H\), "
                                         r"weight_hh \(3H, H\), bias_hh \(3H,\); got gi "
                                         r"\(2, 12\)"):
        ops.gru_sequence(mg.Tensor(np.zeros((2, 12))), h0, w)
    with pytest.raises(ValueError, match=r"gru_sequence: .* got gi \(0, 2, 12\)"):
        ops.gru_sequence(mg.Tensor(np.zeros((0, 2, 12))), h0, w)
    with pytest.raises(ValueError, match=r"gru_sequence: .* h \(3, 4\)"):
        ops.gru_sequence(gi, mg.Tensor(np.zeros((3, 4))), w)
    with pytest.raises(ValueError, match=r"gru_sequence: .* bias_hh \(4,\)"):
        ops.gru_sequence(gi, h0, w, mg.Tensor(np.zeros(4)))
