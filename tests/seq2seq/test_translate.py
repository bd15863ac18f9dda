"""translate(): raw sentences in, tokens and attention weights out."""
import warnings

import numpy as np
import pytest

from seq2seq.decoding import greedy_decode
from seq2seq.models import build_model
from seq2seq.translate import translate
from seq2seq.vocab import Vocab

VOCAB = Vocab.from_idx_to_token(["<unk>", "<pad>", "<bos>", "<eos>", "go", ".", "va", "!"])


def test_no_sentences_give_no_translations_greedy_or_beam():
    model = build_model(len(VOCAB), len(VOCAB), 4, 6, num_layers=1, dropout=0.0)
    for beam_size in (1, 3):
        assert translate(model, [], VOCAB, VOCAB, 5, beam_size) == []


def test_a_sentence_is_encoded_decoded_and_spelled_out():
    model = build_model(len(VOCAB), len(VOCAB), 4, 6, num_layers=1, dropout=0.0)
    (tokens, weights), = translate(model, ["Go."], VOCAB, VOCAB, 5)
    (ids, expected), = greedy_decode(model, np.array([[4, 5, 3, 1, 1]]), np.array([3]), 2, 3, 5)
    assert tokens == VOCAB.to_tokens(ids)
    np.testing.assert_allclose(weights, expected, rtol=1e-6)


def test_unknown_words_are_named_in_a_warning():
    model = build_model(len(VOCAB), len(VOCAB), 4, 6, num_layers=1, dropout=0.0)
    with pytest.warns(UserWarning, match=r"translate.py|became <unk>: 'stop', 'now'") as caught:
        (tokens, _), = translate(model, ["stop now stop ."], VOCAB, VOCAB, 6)
    message, = [str(w.message) for w in caught]
    assert message == ("encode_source: 2 word(s) not in the source vocabulary became <unk>: "
                       "'stop', 'now' (the model never saw them in training)")
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # known words: no warning at all
        translate(model, ["go ."], VOCAB, VOCAB, 6)


def test_a_beam_larger_than_the_target_vocabulary_is_refused():
    model = build_model(len(VOCAB), len(VOCAB), 4, 6, num_layers=1, dropout=0.0)
    with pytest.raises(ValueError, match=r"^translate: beam_size 9 is larger than the target "
                                         r"vocabulary \(8 tokens\); .* must lie in 1\.\.8$"):
        translate(model, ["go ."], VOCAB, VOCAB, 5, beam_size=9)
    (tokens, _), = translate(model, ["go ."], VOCAB, VOCAB, 5, beam_size=8)   # the bound: fine
    assert all(token in VOCAB.idx_to_token for token in tokens)
