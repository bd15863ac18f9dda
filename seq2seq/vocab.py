"""A vocabulary: the two-way map between tokens and the integer ids a model sees."""
import collections
import numbers

import numpy as np


class Vocab:
    """Token <-> index map, with d2l's ordering.

    Index 0 is ``'<unk>'``, then ``reserved_tokens`` in the order given, then every other token
    with frequency ``>= min_freq`` by descending frequency; tokens with equal frequency keep the
    order in which they first appear in ``tokens`` (a stable sort of a first-appearance count).
    With ``reserved_tokens=['<pad>', '<bos>', '<eos>']`` that gives ``<unk>=0, <pad>=1,
    <bos>=2, <eos>=3``, the order the fra-eng benchmark fixes.

    ``tokens`` is a list of tokens or a list of token lists (sentences).
    Unknown tokens map to ``unk`` (0); see ``__getitem__``.
    """

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        tokens = [] if tokens is None else tokens
        reserved_tokens = [] if reserved_tokens is None else list(reserved_tokens)
        if len(set(reserved_tokens)) != len(reserved_tokens) or "<unk>" in reserved_tokens:
            raise ValueError(f"Vocab: reserved_tokens must be distinct and must not contain "
                             f"'<unk>' (it is always index 0), got {reserved_tokens}")
        if len(tokens) > 0 and isinstance(tokens[0], (list, tuple)):
            tokens = [token for line in tokens for token in line]
        # Counter keeps first-appearance order and sorted() is stable, so ties stay in that order.
        counter = collections.Counter(tokens)
        self._token_freqs = sorted(counter.items(), key=lambda item: item[1], reverse=True)
        self.idx_to_token = ["<unk>"] + reserved_tokens
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}
        for token, freq in self._token_freqs:
            if freq < min_freq:
                break                                   # the rest are rarer still
            if token not in self.token_to_idx:
                self.token_to_idx[token] = len(self.idx_to_token)
                self.idx_to_token.append(token)

    @classmethod
    def from_idx_to_token(cls, idx_to_token):
        """Rebuild a vocabulary from its saved ``idx_to_token`` list (for checkpoints).

        The list must start with ``'<unk>'``; token frequencies are not restored.
        """
        idx_to_token = list(idx_to_token)
        if not idx_to_token or idx_to_token[0] != "<unk>":
            raise ValueError("Vocab.from_idx_to_token: the list must start with '<unk>', got "
                             f"{idx_to_token[:3]}")
        if len(set(idx_to_token)) != len(idx_to_token):
            raise ValueError("Vocab.from_idx_to_token: tokens must be distinct")
        vocab = cls()
        vocab.idx_to_token = idx_to_token
        vocab.token_to_idx = {token: idx for idx, token in enumerate(idx_to_token)}
        return vocab

    def __len__(self):
        return len(self.idx_to_token)

    def __getitem__(self, tokens):
        """Index of a token, or a list of indices for a list/tuple of tokens; unknown -> ``unk``."""
        if not isinstance(tokens, (list, tuple)):
            return self.token_to_idx.get(tokens, self.unk)
        return [self.__getitem__(token) for token in tokens]

    def to_tokens(self, indices):
        """Token of an index, or a list of tokens for a list, tuple or 1-D integer array."""
        if isinstance(indices, np.ndarray) and indices.ndim == 1:
            indices = indices.tolist()
        if not isinstance(indices, (list, tuple)):
            return self._token_of(indices)
        return [self._token_of(index) for index in indices]

    def _token_of(self, index):
        if isinstance(index, (bool, np.bool_)) or not isinstance(index, numbers.Integral):
            raise TypeError(f"Vocab.to_tokens: expected integer indices, got {index!r} "
                            f"({type(index).__name__})")
        if not 0 <= index < len(self.idx_to_token):
            raise IndexError(f"Vocab.to_tokens: index {index} is out of range for a vocabulary "
                             f"of {len(self.idx_to_token)} tokens")
        return self.idx_to_token[index]

    @property
    def unk(self):
        """Index of the unknown token ``'<unk>'``: always 0."""
        return 0

    @property
    def token_freqs(self):
        """``(token, count)`` pairs of the corpus, by descending count (ties: first appearance)."""
        return self._token_freqs

    def __repr__(self):
        head = ", ".join(self.idx_to_token[:8])
        return f"Vocab({len(self)} tokens: {head}{', ...' if len(self) > 8 else ''})"
