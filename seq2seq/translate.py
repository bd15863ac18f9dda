"""Translating raw sentences with a trained model, greedy or beam search."""
import numpy

from seq2seq.arrays import encode_source
from seq2seq.decoding import beam_search, greedy_decode


def translate(model, sentences, src_vocab, tgt_vocab, num_steps, beam_size=1):
    """[(output tokens, attention weights (steps, num_steps) or None)] for raw sentences.

    Sentences are preprocessed as the training text; unknown words become ``<unk>`` with a warning naming them; an empty
    sentence is a ValueError; one longer than num_steps is truncated with a warning.
    """
    encoded = [encode_source(sentence, src_vocab, num_steps) for sentence in sentences]
    bos, eos = tgt_vocab["<bos>"], tgt_vocab["<eos>"]
    if not encoded:                  # nothing to batch (concatenate needs an array)
        return []
    if beam_size == 1:
        src = numpy.concatenate([ids for ids, _ in encoded])
        valid = numpy.concatenate([lens for _, lens in encoded])
        decoded = greedy_decode(model, src, valid, bos, eos, num_steps)
    else:
        decoded = [beam_search(model, ids[0], int(lens[0]), bos, eos, num_steps, beam_size)
                   for ids, lens in encoded]
    return [(tgt_vocab.to_tokens(ids), weights) for ids, weights in decoded]
