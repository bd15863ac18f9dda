"""Readable mode in greedy and beam decoding: the Bahdanau decoder steps through d2l's code
(context and embedding concatenated, the GRU run on the result, the keys projected at every
call), and gives the fast mode's tokens and step outputs."""
import numpy as np
import pytest

import minigrad as mg
from seq2seq.decoding import beam_search, greedy_decode
from seq2seq.models import Seq2SeqAttentionDecoder, build_model

BOS, EOS = 2, 3
KINDS = [dict(), dict(cell="lstm"), dict(bidirectional=True), dict(scorer="dot"),
         dict(scorer="general")]
SPLIT_WEIGHT_HELPERS = ("_step", "_project_embeddings", "_context_weight", "_project_keys")


@pytest.fixture
def readable():
    yield mg.set_readable
    mg.set_readable(False)


def _model(config):
    mg.manual_seed(0)
    return build_model(11, 9, 6, 8, 2, dropout=0.0, **config)


def _sources():
    rng = np.random.default_rng(3)
    return rng.integers(4, 11, (4, 7)), np.array([7, 1, 4, 2])


def _to_numpy(state):
    if isinstance(state, tuple):
        return tuple(_to_numpy(s) for s in state)
    return state.numpy()


def _steps(config, is_readable, set_readable, tokens_per_step):
    """Feed the given tokens through decode_step -> per step (logits, weights, hidden)."""
    set_readable(is_readable)
    model = _model(config)
    model.eval()
    src, valid = _sources()
    results = []
    with mg.no_grad():
        state = model.decoder.start_decoding(
            model.decoder.init_state(model.encoder(src, valid), valid))
        for tokens in tokens_per_step:
            logits, state, weights = model.decoder.decode_step(mg.Tensor(tokens), state)
            results.append((logits.numpy(), weights.numpy(), _to_numpy(state[1])))
    return results


def _assert_close(slow, fast, what):
    if isinstance(fast, tuple):
        for s, f in zip(slow, fast):
            _assert_close(s, f, what)
        return
    np.testing.assert_allclose(slow, fast, rtol=1e-10, atol=1e-14, err_msg=what)


@pytest.mark.parametrize("config", KINDS, ids=str)
def test_readable_decode_steps_match_the_fast_ones(config, float64, readable):
    tokens_per_step = [np.full(4, BOS), np.array([5, 4, 8, 3]), np.array([6, 6, 1, 7])]
    fast = _steps(config, False, readable, tokens_per_step)
    slow = _steps(config, True, readable, tokens_per_step)
    for step, (s, f) in enumerate(zip(slow, fast)):
        for what, s_part, f_part in zip(("logits", "weights", "hidden state"), s, f):
            _assert_close(s_part, f_part, f"step {step}: {what}")


def _decode(model, src, valid):
    greedy = greedy_decode(model, src, valid, BOS, EOS, num_steps=6)
    beams = [beam_search(model, src[i], valid[i], BOS, EOS, num_steps=6, beam_size=3)
             for i in range(len(src))]
    return greedy, beams


@pytest.mark.parametrize("config", [dict(), dict(cell="lstm", bidirectional=True)], ids=str)
def test_readable_greedy_and_beam_give_the_same_tokens_and_weights(config, float64,
                                                                   readable):
    src, valid = _sources()
    results = {}
    for is_readable in (False, True):
        readable(is_readable)
        results[is_readable] = _decode(_model(config), src, valid)
    for (slow_tokens, slow_weights), (fast_tokens, fast_weights) in zip(
            results[True][0] + results[True][1], results[False][0] + results[False][1]):
        assert slow_tokens == fast_tokens
        np.testing.assert_allclose(slow_weights, fast_weights, rtol=1e-10, atol=1e-14)


def _refuse_split_weights(monkeypatch):
    for name in SPLIT_WEIGHT_HELPERS:
        def refuse(*args, name=name, **kwargs):
            raise AssertionError(f"the split-weight helper {name} ran")
        monkeypatch.setattr(Seq2SeqAttentionDecoder, name, refuse)


def _count_key_projections(monkeypatch, model):
    """Record every call of the attention's key projection W_k: d2l projects the keys at every
    decoder call, the fast mode once per batch."""
    calls, W_k = [], model.decoder.attention.W_k
    original = W_k.forward

    def counted(keys):
        calls.append(keys.shape)
        return original(keys)
    monkeypatch.setattr(W_k, "forward", counted)
    return calls


def test_readable_decoding_takes_the_book_path(monkeypatch, readable):
    readable(True)
    model = _model(dict())
    src, valid = _sources()
    _refuse_split_weights(monkeypatch)
    calls = _count_key_projections(monkeypatch, model)
    greedy = greedy_decode(model, src, valid, BOS, EOS, num_steps=5)
    # every decoding step projects the keys again (greedy runs its 5 steps: it stops only
    # when all four sentences have stopped, and the step count is the longest)
    steps = max(len(weights) for _, weights in greedy)
    assert len(calls) == steps and calls[0] == (4, 7, 8)
    calls.clear()
    _, weights = beam_search(model, src[0], valid[0], BOS, EOS, num_steps=5, beam_size=2)
    assert len(calls) >= len(weights) > 0


def test_fast_decoding_takes_the_split_weight_path(monkeypatch, readable):
    """The probe above can fail: the fast mode runs what readable mode must not."""
    readable(False)
    model = _model(dict())
    src, valid = _sources()
    calls = _count_key_projections(monkeypatch, model)
    greedy_decode(model, src, valid, BOS, EOS, num_steps=5)
    assert len(calls) == 1                        # once per batch, in start_decoding
    _refuse_split_weights(monkeypatch)
    with pytest.raises(AssertionError, match="split-weight helper"):
        greedy_decode(model, src, valid, BOS, EOS, num_steps=5)
