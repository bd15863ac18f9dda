"""Readable mode gives the fast mode's losses and gradients for every model kind."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.fast_grads import BiasGrad, SliceGrad, WeightGrad
from seq2seq import build_model, masked_cross_entropy

KINDS = [dict(), dict(cell="lstm"), dict(bidirectional=True), dict(scorer="dot"),
         dict(scorer="general"), dict(decoder="plain"), dict(cell="lstm", bidirectional=True),
         dict(model="transformer", num_hiddens=4, ffn_num_hiddens=6, num_heads=2,
              num_blks=2)]


@pytest.fixture
def readable():
    yield mg.set_readable
    mg.set_readable(False)


def _batch():
    rng = np.random.default_rng(0)
    return (rng.integers(0, 5, (2, 3)), rng.integers(0, 6, (2, 3)), rng.integers(0, 6, (2, 3)),
            np.array([3, 1]), np.array([2, 3]))


def _model(config):
    mg.manual_seed(0)
    if config.get("model") == "transformer":
        return build_model(5, 6, dropout=0.0, **config)
    return build_model(5, 6, 3, 4, 2, dropout=0.0, **config)


def _loss_and_grads(config, is_readable, set_readable):
    set_readable(is_readable)
    model = _model(config)
    src, dec_input, labels, src_valid, tgt_valid = _batch()
    loss = masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
    loss.backward()
    return loss.item(), {name: mg.backend.to_numpy(p.grad)
                        for name, p in model.named_parameters()}, loss


@pytest.mark.parametrize("config", KINDS, ids=lambda c: str(c)[:40])
def test_readable_gives_the_same_loss_and_gradients(config, float64, readable):
    fast_loss, fast_grads, _ = _loss_and_grads(config, False, readable)
    slow_loss, slow_grads, _ = _loss_and_grads(config, True, readable)
    np.testing.assert_allclose(slow_loss, fast_loss, rtol=1e-10)
    assert slow_grads.keys() == fast_grads.keys()
    for name in fast_grads:
        np.testing.assert_allclose(slow_grads[name], fast_grads[name], rtol=1e-10,
                                   atol=1e-14, err_msg=name)


@pytest.mark.parametrize("config", [dict(), dict(cell="lstm", bidirectional=True)],
                         ids=str)
def test_readable_gives_the_same_losses_over_a_short_training_run(config, float64, readable):
    losses = {}
    for is_readable in (False, True):
        readable(is_readable)
        model = _model(config)
        optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
        src, dec_input, labels, src_valid, tgt_valid = _batch()
        losses[is_readable] = []
        for _ in range(3):
            optimizer.zero_grad()
            loss = masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
            loss.backward()
            optimizer.step()
            losses[is_readable].append(loss.item())
    np.testing.assert_allclose(losses[True], losses[False], rtol=1e-10)


def _op_names(tensor):
    return {node._op for node in mg.autograd.topological_order(tensor)}


def test_readable_mode_is_really_on(float64, readable):
    readable(True)
    model = _model(dict())
    src, dec_input, labels, src_valid, tgt_valid = _batch()
    loss = masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
    ops = _op_names(loss)
    fused = {"gru_cell", "lstm_cell", "additive_scores", "masked_softmax", "cross_entropy",
             "embedding", "layer_norm"}
    assert not ops & fused, ops & fused
    assert "concat" in ops      # the decoder's cat((context, x), dim=-1), as in d2l
    handed_out = _record_gradient_types(loss)
    loss.backward()
    assert handed_out and not handed_out & {WeightGrad, BiasGrad, SliceGrad}, handed_out
    for _, p in model.named_parameters():
        assert type(p.grad) not in (WeightGrad, BiasGrad, SliceGrad)
        assert p.grad is not None


def _record_gradient_types(loss):
    """Wrap every node's backward so that the types of the gradients it hands out are kept:
    the test's own probe, the library is not changed."""
    types = set()
    for node in mg.autograd.topological_order(loss):
        if node._backward is None:
            continue
        def wrapped(g, inner=node._backward):
            grads = inner(g)
            if types is not None:
                types.update(type(x) for x in grads if x is not None)
            return grads
        node._backward = wrapped
    return types


def test_fast_mode_uses_the_fused_ops_and_lazy_gradients(float64, readable):
    """The probes above can fail: the fast mode shows what readable mode must not."""
    readable(False)
    model = _model(dict())
    src, dec_input, labels, src_valid, tgt_valid = _batch()
    loss = masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
    assert {"gru_cell", "cross_entropy"} <= _op_names(loss)
    handed_out = _record_gradient_types(loss)
    loss.backward()
    assert {WeightGrad, BiasGrad, SliceGrad} <= handed_out, handed_out


def test_a_state_dict_from_one_mode_loads_in_the_other(float64, readable):
    readable(False)
    fast = _model(dict())
    fast_state = fast.state_dict()
    src, dec_input, labels, src_valid, tgt_valid = _batch()
    fast_loss = masked_cross_entropy(fast(src, dec_input, src_valid), labels, tgt_valid).item()
    readable(True)
    mg.manual_seed(1)
    slow = build_model(5, 6, 3, 4, 2, dropout=0.0)
    assert slow.state_dict().keys() == fast_state.keys()
    slow.load_state_dict(fast_state)
    slow_loss = masked_cross_entropy(slow(src, dec_input, src_valid), labels, tgt_valid).item()
    np.testing.assert_allclose(slow_loss, fast_loss, rtol=1e-10)
