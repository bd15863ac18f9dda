"""greedy_decode and beam_search given a bad length, beam or source shape (2026-12-07 fault
battery): one line naming the function, not an empty result or a GRU shape error."""
import numpy as np
import pytest

from seq2seq import EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqEncoder
from seq2seq.decoding import beam_search, greedy_decode


@pytest.fixture
def model():
    return EncoderDecoder(Seq2SeqEncoder(10, 4, 8, 1), Seq2SeqAttentionDecoder(12, 4, 8, 1))


def test_greedy_decode_refuses_zero_steps_and_a_single_sentence(model):
    src = np.zeros((1, 3), dtype=np.int64)
    with pytest.raises(ValueError, match="greedy_decode: num_steps must be an integer >= 1, "
                                         "got 0"):
        greedy_decode(model, src, np.array([3]), 1, 2, 0)     # was [([], None)]
    with pytest.raises(ValueError, match=r"greedy_decode: src must be a batch of ids \(B, T\)"):
        greedy_decode(model, src[0], np.array([3]), 1, 2, 4)
    assert len(greedy_decode(model, src, np.array([3]), 1, 2, 4)[0][0]) <= 4


def test_beam_search_refuses_a_fractional_beam_and_a_batch(model):
    sentence = np.zeros(3, dtype=np.int64)
    with pytest.raises(ValueError, match="beam_search: beam_size must be an integer, got 2.5"):
        beam_search(model, sentence, 3, 1, 2, 5, beam_size=2.5)
    with pytest.raises(ValueError, match=r"beam_search: src must be one sentence's ids \(T,\), "
                                         r"got shape \(1, 3\)"):
        beam_search(model, sentence[None], 3, 1, 2, 5)        # was a GRU shape error
    with pytest.raises(ValueError, match="beam_search: num_steps must be an integer >= 1"):
        beam_search(model, sentence, 3, 1, 2, 0)
    assert len(beam_search(model, sentence, 3, 1, 2, 5, beam_size=2)[0]) <= 5
