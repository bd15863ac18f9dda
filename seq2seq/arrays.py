"""From token lists to fixed-length id arrays and shuffled mini-batches (host NumPy).

Token ids and valid lengths stay host NumPy int64 arrays: the engine moves them to the device
at its edge (embedding lookup, masked softmax), so this file never touches the backend.

Shapes: ``N`` sentences, ``T = num_steps`` positions, ``B`` sentences in a batch.
"""
import warnings

import numpy as np

from seq2seq.text import preprocess_nmt


def truncate_pad(line, num_steps, padding_token):
    """``line`` cut to ``num_steps`` items, or right-padded with ``padding_token`` up to it."""
    _check_num_steps("truncate_pad", num_steps)     # -1 cut the last item off, silently
    if len(line) > num_steps:
        return line[:num_steps]
    return line + [padding_token] * (num_steps - len(line))


def build_array_nmt(lines, vocab, num_steps):
    """Encode token lists as ``(array (N, T) int64, valid_len (N,) int64)``.

    Each line becomes its ids plus ``<eos>``, then is truncated or padded with ``<pad>`` to
    ``T = num_steps``. ``valid_len`` counts the non-pad positions (``<eos>`` included).
    Unknown tokens become ``<unk>``. A line with more than ``num_steps - 1`` tokens loses its
    tail (and its ``<eos>``); that happens with a warning, never silently.
    """
    _check_num_steps("build_array_nmt", num_steps)
    pad, eos = _special_ids("build_array_nmt", vocab, "<pad>", "<eos>")
    index_of, unk = vocab.token_to_idx.get, vocab.unk     # vocab[line], without a call per token
    ids = [[index_of(token, unk) for token in line] + [eos] for line in lines]
    too_long = [i for i, line in enumerate(ids) if len(line) > num_steps]
    if too_long:
        first = " ".join(lines[too_long[0]])
        warnings.warn(f"build_array_nmt: {len(too_long)} of {len(ids)} sentences have more "
                      f"than num_steps - 1 = {num_steps - 1} tokens and were truncated to "
                      f"num_steps = {num_steps} (losing their <eos>); first: {first!r}",
                      stacklevel=2)
    array = np.array([truncate_pad(line, num_steps, pad) for line in ids],
                     dtype=np.int64).reshape(len(ids), num_steps)
    valid_len = (array != pad).sum(axis=1).astype(np.int64)
    return array, valid_len


def encode_source(sentence, vocab, num_steps):
    """One source sentence for translation: ``(src (1, T) int64, valid_len (1,) int64)``.

    ``sentence`` is a raw string (preprocessed like the training text, so ``"Go."`` and
    ``"go ."`` give the same ids; runs of whitespace count as one space) or a list of tokens
    used as they are. Unknown words become ``<unk>``, with a warning that names them; a
    sentence too long for ``num_steps`` is truncated with a warning.
    """
    if isinstance(sentence, str):
        tokens = preprocess_nmt(sentence).split()
    elif isinstance(sentence, (list, tuple)) and all(isinstance(t, str) for t in sentence):
        tokens = list(sentence)
    else:
        raise TypeError(f"encode_source: expected a str or a list of str tokens, got "
                        f"{type(sentence).__name__}")
    if not tokens:
        raise ValueError(f"encode_source: the sentence {sentence!r} is empty; there is "
                         f"nothing to translate")
    _check_num_steps("encode_source", num_steps)
    pad, eos = _special_ids("encode_source", vocab, "<pad>", "<eos>")
    if len(tokens) + 1 > num_steps:
        warnings.warn(f"encode_source: the sentence has {len(tokens)} tokens, more than "
                      f"num_steps - 1 = {num_steps - 1}; it is truncated to its first "
                      f"{num_steps} positions (without <eos>)", stacklevel=2)
    unknown = [token for token in dict.fromkeys(tokens) if token not in vocab.token_to_idx]
    if unknown:
        warnings.warn(f"encode_source: {len(unknown)} word(s) not in the source vocabulary "
                      f"became <unk>: {', '.join(map(repr, unknown))} (the model never saw "
                      f"them in training)", stacklevel=2)
    ids = truncate_pad(vocab[tokens] + [eos], num_steps, pad)
    valid_len = min(len(tokens) + 1, num_steps)
    return np.array([ids], dtype=np.int64), np.array([valid_len], dtype=np.int64)


class TranslationBatches:
    """Mini-batches for teacher-forced training, reshuffled on every pass.

    Each item is ``(src, src_valid_len, dec_input, label, label_valid_len)``:

    - ``src`` (B, T): source ids + ``<eos>``, padded; ``src_valid_len`` (B,).
    - ``label`` (B, T): target ids + ``<eos>``, padded; ``label_valid_len`` (B,) counts them.
    - ``dec_input`` (B, T): ``<bos>`` followed by ``label[:, :-1]``, the label shifted one step
      right, as d2l builds it. At step t the decoder reads the true token t-1 and must predict
      token t. (Past the label's end it reads ``<eos>``/``<pad>``; those steps are masked out
      of the loss, and a recurrent decoder cannot pass them back to earlier steps.)

    ``seed`` fixes the whole sequence of epoch orders: iterating twice gives two different
    orders, and a new object with the same seed gives the same two again (``reseed`` restarts
    it). The last batch may be smaller unless ``drop_last``.
    """

    def __init__(self, pairs, src_vocab, tgt_vocab, num_steps, batch_size, shuffle=True,
                 seed=0, drop_last=False):
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"TranslationBatches: batch_size must be an int >= 1, "
                             f"got {batch_size!r}")
        if len(pairs) == 0:
            raise ValueError("TranslationBatches: no sentence pairs to batch")
        self.src, self.src_valid_len = build_array_nmt([s for s, _ in pairs], src_vocab,
                                                       num_steps)
        self.label, self.label_valid_len = build_array_nmt([t for _, t in pairs], tgt_vocab,
                                                           num_steps)
        (bos_id,) = _special_ids("TranslationBatches", tgt_vocab, "<bos>")
        bos = np.full((len(pairs), 1), bos_id, dtype=np.int64)
        self.dec_input = np.concatenate([bos, self.label[:, :-1]], axis=1)  # (N, T)
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self._rng = np.random.default_rng(seed)

    def reseed(self, seed):
        """Restart the sequence of epoch orders from ``seed`` (an int or a NumPy Generator).

        A trainer that reseeds with ``(seed, epoch)`` before each epoch gets the same order for
        that epoch whether or not it resumed from a checkpoint.
        """
        self._rng = np.random.default_rng(seed)

    @property
    def num_examples(self):
        return len(self.src)

    def __len__(self):
        """Number of batches in one pass."""
        return num_batches(self.num_examples, self.batch_size, self.drop_last)

    def __iter__(self):
        return iter(self.pass_over(self.draw_order()))

    def draw_order(self):
        """The order of the next pass: a permutation of the examples (or 0, 1, ... unshuffled)."""
        n = self.num_examples
        return self._rng.permutation(n) if self.shuffle else np.arange(n)

    def pass_over(self, order, start=0):
        """The pass in ``order`` from its batch ``start`` on (a resumed epoch): iterable, and
        its ``len`` is the whole pass's."""
        return _Pass(self, np.asarray(order), start)


class _Pass:
    """One pass of a TranslationBatches in a given order, from batch ``start``."""

    def __init__(self, batches, order, start):
        if order.shape != (batches.num_examples,):
            raise ValueError(f"TranslationBatches: an order of {batches.num_examples} examples "
                             f"is needed, got shape {order.shape}")
        self.batches, self.order, self.start = batches, order, start

    def __len__(self):
        return len(self.batches)

    def __iter__(self):
        data, size = self.batches, self.batches.batch_size
        for b in range(self.start, len(data)):
            idx = self.order[b * size:(b + 1) * size]
            yield (data.src[idx], data.src_valid_len[idx], data.dec_input[idx],
                   data.label[idx], data.label_valid_len[idx])


def _special_ids(name, vocab, *tokens):
    """Ids of reserved tokens, or a clear error if the vocabulary lacks them."""
    ids = vocab[list(tokens)]
    if vocab.unk in ids:
        raise ValueError(f"{name}: the vocabulary has no {tokens[ids.index(vocab.unk)]!r} token "
                         f"(build it with reserved_tokens=['<pad>', '<bos>', '<eos>'])")
    return ids


def _check_num_steps(name, num_steps):
    if isinstance(num_steps, bool) or not isinstance(num_steps, int) or num_steps < 1:
        raise ValueError(f"{name}: num_steps must be an int >= 1, got {num_steps!r}")


def num_batches(num_examples, batch_size, drop_last=False):
    """Batches in one pass over ``num_examples`` (the last one short unless ``drop_last``)."""
    full, rest = divmod(num_examples, batch_size)
    return full if drop_last or rest == 0 else full + 1
