"""Translating raw sentences with a trained model, greedy or beam search."""
import numbers

import numpy

from seq2seq.arrays import encode_source
from seq2seq.decoding import beam_search, greedy_decode


def check_beam_size(beam_size, tgt_vocab_size, name="translate: beam_size"):
    """A beam is an integer from 1 to the target vocabulary's size, else one ValueError.

    The bound: the first step extends the one start hypothesis by each of the V target
    tokens, so a beam of V already keeps every one of them, and a larger beam cannot even be
    filled there; after that, each extra hypothesis costs another row of V scores per step
    (time and memory grow with the beam) for candidates ever less likely. Useful beams are far
    smaller (4 to 10 is usual); the bound only refuses sizes that can only be typing slips,
    such as a million, before the search spends minutes or the memory on them."""
    if isinstance(beam_size, bool) or not isinstance(beam_size, numbers.Integral) \
            or beam_size < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {beam_size!r}")
    if beam_size > tgt_vocab_size:
        raise ValueError(f"{name} {beam_size} is larger than the target vocabulary "
                         f"({tgt_vocab_size} tokens); a beam holds at most one hypothesis "
                         f"per token at the first step, so it must lie in 1..{tgt_vocab_size}")


def translate(model, sentences, src_vocab, tgt_vocab, num_steps, beam_size=1):
    """[(output tokens, attention weights (steps, num_steps) or None)] for raw sentences.

    Sentences are preprocessed as the training text; unknown words become ``<unk>`` with a warning naming them; an empty
    sentence is a ValueError; one longer than num_steps is truncated with a warning.
    """
    if isinstance(sentences, str):   # its characters would be translated one by one
        raise TypeError(f"translate: sentences must be a list of strings, got one string "
                        f"{sentences[:40]!r}; pass [sentence]")
    check_beam_size(beam_size, len(tgt_vocab))
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
