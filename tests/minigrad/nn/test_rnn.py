"""GRU, LSTM and their cells against torch.nn: outputs and every gradient, both directions of
weight transfer, gradchecks, dropout between layers, parameter layout, repr and errors."""
import math

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

F, H = 3, 4


def _pair(kind, dtype, *args, **kwargs):
    """A minigrad module and its torch twin holding the same weights."""
    ours = getattr(mg.nn, kind)(*args, **kwargs)
    theirs = getattr(torch.nn, kind)(*args, **kwargs).to(getattr(torch, dtype))
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


def _leaf(array):
    """The same data as a minigrad leaf and a torch leaf, both requiring grad."""
    return mg.Tensor(array, requires_grad=True), torch.tensor(array, requires_grad=True)


def _check_grads(ours, theirs, assert_close):
    ours_params = dict(ours.named_parameters())
    assert list(ours_params) == [name for name, _ in theirs.named_parameters()]
    for name, param in theirs.named_parameters():
        grad = ours_params[name].grad
        assert grad is not None, f"{name}: no gradient"
        assert_close(grad, param.grad, name)


def _states(kind, h0):
    """The initial state from h0 (L, B, H) for minigrad and for torch: h0, or an LSTM's
    (h0, h0 / 2)."""
    if kind == "LSTM":
        return ((mg.Tensor(h0), mg.Tensor(h0 * 0.5)),
                (torch.from_numpy(h0), torch.from_numpy(h0 * 0.5)))
    return mg.Tensor(h0), torch.from_numpy(h0)


def _check_run(kind, run, t_run, inputs, modules, rng, assert_close, loss_state):
    """(outputs, final state) of a minigrad run against torch's, then the gradients of
    sum(outputs * random weights) + sum(final state number ``loss_state``, of h or (h, c)):
    the input's and every parameter's."""
    (out, final), (t_out, t_final), (X, tX) = run, t_run, inputs
    assert_close(out, t_out, "outputs")
    finals = final if kind == "LSTM" else (final,)
    t_finals = t_final if kind == "LSTM" else (t_final,)
    for ours_f, theirs_f in zip(finals, t_finals):
        assert_close(ours_f, theirs_f, "final state")
    weights = rng.standard_normal(tuple(t_out.shape)).astype(out.dtype)
    ((out * mg.Tensor(weights)).sum() + finals[loss_state].sum()).backward()
    ((t_out * torch.from_numpy(weights)).sum() + t_finals[loss_state].sum()).backward()
    assert_close(X.grad, tX.grad, "dX")
    _check_grads(*modules, assert_close)


SEQUENCE_CASES = [  # (num_layers, bidirectional, with initial state, T, B)
    (1, False, False, 5, 3),
    (1, False, True, 5, 3),
    (2, True, True, 4, 2),
    (3, False, True, 3, 2),
    (3, True, False, 3, 2),
    (1, True, True, 1, 1),      # length 1, batch 1
    (2, False, False, 1, 1),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
@pytest.mark.parametrize("layers, bidirectional, with_state, T, B", SEQUENCE_CASES)
def test_sequence_matches_torch(kind, dtype, layers, bidirectional, with_state, T, B, rng,
                                assert_close):
    mg.set_default_dtype(dtype)
    ours, theirs = _pair(kind, dtype, F, H, layers, bidirectional=bidirectional)
    dirs = 2 if bidirectional else 1
    X, tX = _leaf(rng.standard_normal((T, B, F)).astype(dtype))
    state_shape = (layers * dirs, B, H)
    states = [_leaf(rng.standard_normal(state_shape).astype(dtype))
              for _ in range(2 if kind == "LSTM" else 1)] if with_state else []
    ours_state = theirs_state = None
    if states:
        ours_state = tuple(s for s, _ in states) if kind == "LSTM" else states[0][0]
        theirs_state = tuple(s for _, s in states) if kind == "LSTM" else states[0][1]

    out, final = ours(X, ours_state)
    t_out, t_final = theirs(tX, theirs_state)
    finals = final if kind == "LSTM" else (final,)
    t_finals = t_final if kind == "LSTM" else (t_final,)
    assert out.shape == (T, B, dirs * H)
    assert_close(out, t_out, "outputs")
    for ours_f, theirs_f in zip(finals, t_finals):
        assert ours_f.shape == state_shape
        assert_close(ours_f, theirs_f, "final state")

    weights = [rng.standard_normal(t.shape).astype(dtype) for t in (t_out,) + tuple(t_finals)]
    loss = sum(((o * mg.Tensor(w)).sum() for o, w in zip((out,) + tuple(finals), weights)),
               mg.Tensor(0.0))
    t_loss = sum((o * torch.from_numpy(w)).sum() for o, w in zip((t_out,) + tuple(t_finals),
                                                                  weights))
    loss.backward()
    t_loss.backward()
    assert_close(X.grad, tX.grad, "dX")
    for (s, ts), name in zip(states, ["dh0", "dc0"]):
        assert_close(s.grad, ts.grad, name)
    _check_grads(ours, theirs, assert_close)


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_without_bias_matches_torch(kind, rng, assert_close):
    ours, theirs = _pair(kind, "float32", F, H, 2, bias=False)
    assert [n for n, _ in ours.named_parameters()] == list(theirs.state_dict())
    x = rng.standard_normal((4, 2, F)).astype(np.float32)
    out, t_out = ours(mg.Tensor(x))[0], theirs(torch.from_numpy(x))[0]
    assert_close(out, t_out, "outputs")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("batch", [3, 1])
@pytest.mark.parametrize("with_state", [False, True])
@pytest.mark.parametrize("kind", ["GRUCell", "LSTMCell"])
def test_cell_matches_torch(kind, dtype, with_state, batch, rng, assert_close):
    mg.set_default_dtype(dtype)
    ours, theirs = _pair(kind, dtype, F, H)
    x, tx = _leaf(rng.standard_normal((batch, F)).astype(dtype))
    states = [_leaf(rng.standard_normal((batch, H)).astype(dtype))
              for _ in range(2 if kind == "LSTMCell" else 1)] if with_state else []
    if kind == "LSTMCell":
        args = (tuple(s for s, _ in states),) if states else ()
        t_args = (tuple(s for _, s in states),) if states else ()
        outs, t_outs = ours(x, *args), theirs(tx, *t_args)
    else:
        args = (states[0][0],) if states else ()
        t_args = (states[0][1],) if states else ()
        outs, t_outs = (ours(x, *args),), (theirs(tx, *t_args),)
    weights = [rng.standard_normal((batch, H)).astype(dtype) for _ in outs]
    loss = sum(((o * mg.Tensor(w)).sum() for o, w in zip(outs, weights)), mg.Tensor(0.0))
    t_loss = sum((o * torch.from_numpy(w)).sum() for o, w in zip(t_outs, weights))
    loss.backward()
    t_loss.backward()
    for o, t in zip(outs, t_outs):
        assert_close(o, t, "output")
    assert_close(x.grad, tx.grad, "dx")
    for s, ts in states:
        assert_close(s.grad, ts.grad, "dstate")
    _check_grads(ours, theirs, assert_close)


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_gradcheck_short_sequence(kind, float64, rng):
    rnn = getattr(mg.nn, kind)(2, 2, num_layers=2, bidirectional=True)
    X = mg.Tensor(rng.standard_normal((3, 2, 2)), requires_grad=True)
    states = [mg.Tensor(rng.standard_normal((4, 2, 2)), requires_grad=True)
              for _ in range(2 if kind == "LSTM" else 1)]

    def fn(X, *states_and_params):
        state = states_and_params[:len(states)]
        out, final = rnn(X, tuple(state) if kind == "LSTM" else state[0])
        finals = list(final) if kind == "LSTM" else [final]
        return mg.ops.concat([t.reshape(-1) for t in [out] + finals])
    assert mg.gradcheck(fn, [X] + states + rnn.parameters())


def test_state_dict_round_trip_to_torch(rng, assert_close):
    """minigrad -> torch through state_dict: the torch model then computes the same thing."""
    for kind in ["GRU", "LSTM"]:
        ours = getattr(mg.nn, kind)(F, H, 2, bidirectional=True)
        theirs = getattr(torch.nn, kind)(F, H, 2, bidirectional=True)
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
        x = rng.standard_normal((4, 2, F)).astype(np.float32)
        assert_close(ours(mg.Tensor(x))[0], theirs(torch.from_numpy(x))[0], kind)


@pytest.mark.numpy_only
@pytest.mark.parametrize("kind", ["GRU", "LSTM", "GRUCell", "LSTMCell"])
def test_parameter_layout_and_init_match_torch(kind):
    args = (5, 64) if kind.endswith("Cell") else (5, 64, 2)
    kwargs = {} if kind.endswith("Cell") else {"bidirectional": True}
    ours = getattr(mg.nn, kind)(*args, **kwargs)
    theirs = getattr(torch.nn, kind)(*args, **kwargs)
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    # PyTorch's init: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)); std of U(-b, b) is b/sqrt(3)
    bound = 1 / math.sqrt(64)
    values = np.concatenate([v.reshape(-1) for v in ours.state_dict().values()])
    assert np.abs(values).max() <= bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert abs(values.mean()) < 0.02 * bound


@pytest.mark.numpy_only
def test_repr_matches_torch():
    for kind, args, kwargs in [("GRU", (3, 4), {}),
                               ("GRU", (3, 4, 2), {"dropout": 0.1, "bidirectional": True}),
                               ("LSTM", (3, 4, 3), {"bias": False}),
                               ("GRUCell", (3, 4), {}), ("LSTMCell", (3, 4), {"bias": False})]:
        assert repr(getattr(mg.nn, kind)(*args, **kwargs)) == \
            repr(getattr(torch.nn, kind)(*args, **kwargs))


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_dropout_between_layers(kind, rng, assert_close):
    ours, theirs = _pair(kind, "float32", F, H, 3, dropout=0.5)
    x = mg.Tensor(rng.standard_normal((4, 2, F)))
    ours.eval()
    theirs.eval()
    eval_out = ours(x)[0].numpy()
    assert_close(eval_out, theirs(torch.from_numpy(x.numpy()))[0], "eval outputs")
    np.testing.assert_array_equal(ours(x)[0].numpy(), eval_out)   # eval is deterministic

    ours.train()
    mg.manual_seed(7)
    train_out = ours(x)[0].numpy()
    assert np.abs(train_out - eval_out).max() > 1e-3               # dropout acted
    mg.manual_seed(7)
    np.testing.assert_array_equal(ours(x)[0].numpy(), train_out)   # and is reproducible

    # no dropout after the last layer: with one layer, training equals eval
    single = getattr(mg.nn, kind)(F, H, 1, dropout=0.5)
    np.testing.assert_array_equal(single(x)[0].numpy(), single.eval()(x)[0].numpy())


def test_bad_inputs_are_named():
    gru = mg.nn.GRU(F, H, 2)
    with pytest.raises(ValueError, match=r"GRU: expected input of shape \(T, B, F\).*\(2, 3\)"):
        gru(mg.Tensor(np.zeros((2, 3))))
    with pytest.raises(ValueError, match=r"GRU: expected input .* input_size = 3, got \(2, 1, 5"):
        gru(mg.Tensor(np.zeros((2, 1, 5))))
    with pytest.raises(ValueError, match=r"GRU: h0 has shape \(1, 1, 4\), expected \(2, 1, 4\)"):
        gru(mg.Tensor(np.zeros((2, 1, F))), mg.Tensor(np.zeros((1, 1, H))))
    with pytest.raises(ValueError, match=r"LSTM: c0 has shape"):
        mg.nn.LSTM(F, H)(mg.Tensor(np.zeros((2, 1, F))),
                         (mg.Tensor(np.zeros((1, 1, H))), mg.Tensor(np.zeros((1, 2, H)))))
    with pytest.raises(ValueError, match=r"GRU: dropout must lie in \[0, 1\), got 1"):
        mg.nn.GRU(F, H, 2, dropout=1)


def test_an_lstm_state_must_be_a_pair():
    x = mg.Tensor(np.zeros((2, 1, F)))
    h = mg.Tensor(np.zeros((1, 1, H)))
    with pytest.raises(TypeError, match=r"LSTM: expected the state as a pair \(h0, c0\), each "
                                        r"of shape \(num_layers \* num_directions, B, H\), "
                                        r"got Tensor of shape \(1, 1, 4\)"):
        mg.nn.LSTM(F, H)(x, h)
    with pytest.raises(TypeError, match=r"LSTM: expected the state as a pair .*, got a tuple "
                                        r"of 3 items"):
        mg.nn.LSTM(F, H)(x, (h, h, h))
    with pytest.raises(TypeError, match=r"LSTMCell: expected the state as a pair \(h, c\), "
                                        r"each of shape \(1, 4\), got Tensor of shape \(1, 4\)"):
        mg.nn.LSTMCell(F, H)(mg.Tensor(np.zeros((1, F))), mg.Tensor(np.zeros((1, H))))
    with pytest.raises(ValueError, match=r"LSTMCell: c has shape \(2, 4\), expected \(1, 4\)"):
        mg.nn.LSTMCell(F, H)(mg.Tensor(np.zeros((1, F))),
                             (mg.Tensor(np.zeros((1, H))), mg.Tensor(np.zeros((2, H)))))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_projected_input_computed_in_parts_matches_torch(kind, dtype, rng, assert_close):
    """forward(None, state, projected_input=P) with P = X W_ih_l0^T + b_ih_l0 built from the
    column blocks [a; b] of X, as Bahdanau's decoder does: outputs and every gradient."""
    mg.set_default_dtype(dtype)
    T, B, split = 3, 2, 1                          # X = [a; b] with a = X[..., :1]
    ours, theirs = _pair(kind, dtype, F, H, 2)
    X, tX = _leaf(rng.standard_normal((T, B, F)).astype(dtype))
    state, t_state = _states(kind, rng.standard_normal((2, B, H)).astype(dtype))
    W = ours.weight_ih_l0
    P = (mg.ops.linear(X[:, :, :split], W[:, :split])
         + mg.ops.linear(X[:, :, split:], W[:, split:], ours.bias_ih_l0))   # (T, B, G*H)
    out, final = ours(None, state, projected_input=P)
    _check_run(kind, (out, final), theirs(tX, t_state), (X, tX), (ours, theirs), rng,
               assert_close, loss_state=0)


def test_bad_projected_input_is_named():
    gru = mg.nn.GRU(F, H, 2)
    with pytest.raises(ValueError, match=r"GRU: expected projected_input of shape \(T, B, 12\) "
                                         r"\(gates \* hidden_size\), got \(2, 1, 4\)"):
        gru(None, projected_input=mg.Tensor(np.zeros((2, 1, H))))
    with pytest.raises(ValueError, match=r"LSTM: expected projected_input of shape "
                                         r"\(T, B, 16\)"):
        mg.nn.LSTM(F, H)(None, projected_input=mg.Tensor(np.zeros((1, 12))))
    with pytest.raises(ValueError, match=r"GRU: projected_input is for unidirectional layers"):
        mg.nn.GRU(F, H, bidirectional=True)(None, projected_input=mg.Tensor(np.zeros((2, 1, 12))))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_step_by_step_matches_torch(kind, dtype, rng, assert_close):
    """layer_states, then step at every time step, then stacked_state: the outputs, the final
    state and every gradient of torch's layer run over the whole sequence; top_state is the
    step's output, the top layer's h."""
    mg.set_default_dtype(dtype)
    T, B, layers = 3, 2, 2
    ours, theirs = _pair(kind, dtype, F, H, layers)
    X, tX = _leaf(rng.standard_normal((T, B, F)).astype(dtype))
    state, t_state = _states(kind, rng.standard_normal((layers, B, H)).astype(dtype))
    P = mg.ops.linear(X, ours.weight_ih_l0, ours.bias_ih_l0)                  # (T, B, G*H)
    states, outputs = ours.layer_states(state, B), []
    for t in range(T):
        output, states = ours.step(P[t], states)
        assert ours.top_state(states) is output          # the top layer's h, the output
        outputs.append(output)
    out, final = mg.ops.stack(outputs), ours.stacked_state(states)
    _check_run(kind, (out, final), theirs(tX, t_state), (X, tX), (ours, theirs), rng,
               assert_close, loss_state=-1)


@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_layer_states_of_none_are_zeros_of_the_parameters_dtype(kind):
    rnn = getattr(mg.nn, kind)(F, H, 2)
    states = rnn.layer_states(None, 3)
    assert len(states) == 2
    for state in states:
        for s in (state if kind == "LSTM" else (state,)):
            assert s.shape == (3, H) and s.dtype == rnn.weight_hh_l0.dtype
            assert not s.numpy().any()
    integer = mg.Tensor(np.ones((2, 3, H), int))
    states = rnn.layer_states((integer, integer) if kind == "LSTM" else integer, 3)
    first = states[0][0] if kind == "LSTM" else states[0]
    assert first.dtype == rnn.weight_hh_l0.dtype      # cast once, as forward casts h0


def test_bad_step_states_are_named():
    gru = mg.nn.GRU(F, H, 2)
    with pytest.raises(ValueError, match=r"GRU: the state has shape \(1, 3, 4\), expected "
                                         r"\(2, 3, 4\)"):
        gru.layer_states(mg.Tensor(np.zeros((1, 3, H))), 3)
    with pytest.raises(ValueError, match=r"GRU: the state has shape \(2, 2, 4\), expected "
                                         r"\(2, 3, 4\)"):
        gru.layer_states(mg.Tensor(np.zeros((2, 2, H))), 3)
    with pytest.raises(ValueError, match=r"GRU.step: expected 2 layer states, got 1"):
        gru.step(mg.Tensor(np.zeros((3, 3 * H))), gru.layer_states(None, 3)[:1])
    with pytest.raises(TypeError, match=r"LSTM: expected the state as a pair \(h, c\)"):
        mg.nn.LSTM(F, H).layer_states(mg.Tensor(np.zeros((1, 3, H))), 3)
    with pytest.raises(ValueError, match=r"LSTM: c has shape \(1, 2, 4\), expected \(1, 3, 4\)"):
        mg.nn.LSTM(F, H).layer_states((mg.Tensor(np.zeros((1, 3, H))),
                                       mg.Tensor(np.zeros((1, 2, H)))), 3)
    with pytest.raises(ValueError, match=r"GRU.step: a bidirectional layer reads the whole "
                                         r"sequence"):
        mg.nn.GRU(F, H, bidirectional=True).layer_states(None, 3)
