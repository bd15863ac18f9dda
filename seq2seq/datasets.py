"""The three translation datasets, each loaded into one ``TranslationData``.

- ``load_builtin``: the grammar-generated English -> French corpus (no download, trains in
  minutes; see ``builtin_corpus.py``).
- ``load_fra_eng``: the project's fixed fra-eng benchmark (Tatoeba pairs, at most 9 tokens a
  side, held-out sets by source sentence, multi-reference BLEU).
- ``load_d2l_small``: d2l's ``load_data_nmt`` setting, the first 600 (601, see
  ``tokenize_nmt``) pairs of the same file, for following the book line by line.
"""
import dataclasses

import numpy as np

from seq2seq import builtin_corpus
from seq2seq.arrays import TranslationBatches
from seq2seq.download import DownloadError, download_fra_eng  # noqa: F401 (re-exported)
from seq2seq.text import preprocess_nmt, read_text, tokenize_nmt
from seq2seq.vocab import Vocab

# After '<unk>' (always 0), so that <unk>=0 <pad>=1 <bos>=2 <eos>=3, as in d2l and the benchmark.
RESERVED_TOKENS = ["<pad>", "<bos>", "<eos>"]

# d2l's four evaluation sentences and their references (section "Sequence to Sequence
# Learning"). Three are among the 601 training pairs; "he's calm ." is not in fra.txt at all.
D2L_EXAMPLES = [("go .", "va !"), ("i lost .", "j'ai perdu ."), ("he's calm .", "il est calme ."),
                ("i'm home .", "je suis chez moi .")]


class DataError(ValueError):
    """A data file the loaders cannot use (not UTF-8, no tab-separated pairs, too few
    sources to split); the message names the loader, the file and why."""


def _read_pairs(path, loader, num_examples=None):
    """``tokenize_nmt(preprocess_nmt(text of path))``, refusing a file that gives no pair."""
    try:
        text = read_text(download_fra_eng() if path is None else path)
    except UnicodeDecodeError as exc:
        raise DataError(f"{loader}: {path} is not UTF-8 text ({exc})") from None
    source, target = tokenize_nmt(preprocess_nmt(text), num_examples)
    if not source:
        raise DataError(f"{loader}: {path} holds no line of the form English<TAB>French")
    return source, target


@dataclasses.dataclass
class TranslationData:
    """A translation dataset, split and indexed.

    ``train``: list of ``(source tokens, target tokens)`` pairs; a source may repeat with
    different targets. ``valid`` and ``test``: lists of ``(source tokens, references)`` where
    ``references`` is the list of every target token list for that source (multi-reference
    BLEU). Vocabularies come from the training pairs only. ``num_steps`` is the padded length.
    """
    name: str
    train: list
    valid: list
    test: list
    src_vocab: Vocab
    tgt_vocab: Vocab
    num_steps: int

    def train_batches(self, batch_size, shuffle=True, seed=0, drop_last=False):
        """Shuffled teacher-forcing batches of ``train``; see ``TranslationBatches``."""
        return TranslationBatches(self.train, self.src_vocab, self.tgt_vocab, self.num_steps,
                                  batch_size, shuffle=shuffle, seed=seed, drop_last=drop_last)

    def __repr__(self):
        return (f"TranslationData({self.name!r}: {len(self.train)} train pairs, "
                f"{len(self.valid)} valid / {len(self.test)} test sources, vocab "
                f"{len(self.src_vocab)} -> {len(self.tgt_vocab)}, num_steps={self.num_steps})")


def group_by_source(pairs):
    """``[(source, [target, ...]), ...]``: the targets of each source, sources in order of first
    appearance, targets in file order."""
    groups = {}   # tuple(source) -> (source, targets); dicts keep insertion order
    for source, target in pairs:
        groups.setdefault(tuple(source), (source, []))[1].append(target)
    return list(groups.values())


def split_by_source(pairs, num_test, num_valid, seed=0):
    """Held-out split with no source sentence in two parts: ``(train, valid, test)``.

    Groups pairs by source (``group_by_source``), permutes the groups with
    ``numpy.random.default_rng(seed).permutation``, and takes the first ``num_test`` groups as
    test, the next ``num_valid`` as validation and the rest as training. ``train`` is flat
    ``(source, target)`` pairs (every pair is used); ``valid``/``test`` keep the groups.
    """
    groups = group_by_source(pairs)
    if num_test < 0 or num_valid < 0 or num_test + num_valid >= len(groups):
        raise ValueError(f"split_by_source: cannot hold out {num_test} test and {num_valid} "
                         f"validation sources from {len(groups)} distinct sources")
    order = np.random.default_rng(seed).permutation(len(groups))
    test = [groups[i] for i in order[:num_test]]
    valid = [groups[i] for i in order[num_test:num_test + num_valid]]
    train = [(groups[i][0], target) for i in order[num_test + num_valid:]
             for target in groups[i][1]]
    return train, valid, test


def build_vocabs(train, min_freq):
    """Source and target vocabularies of the training pairs (reserved tokens first)."""
    src_vocab = Vocab([s for s, _ in train], min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    tgt_vocab = Vocab([t for _, t in train], min_freq=min_freq, reserved_tokens=RESERVED_TOKENS)
    return src_vocab, tgt_vocab


def load_fra_eng(path=None, max_tokens=9, num_test=2000, num_valid=2000, seed=0, min_freq=2,
                 num_steps=10):
    """The fra-eng benchmark (BENCHMARKS.md, "The real fra-eng benchmark"); the defaults are
    the benchmark.

    ``path`` is ``fra.txt``; ``None`` downloads it once (``download_fra_eng``). Pairs with more
    than ``max_tokens`` tokens on either side are dropped, then ``split_by_source`` holds out
    test and validation sources, and the vocabularies count the training pairs only.
    """
    if num_steps < max_tokens + 1:
        raise ValueError(f"load_fra_eng: num_steps={num_steps} cannot hold max_tokens="
                         f"{max_tokens} tokens plus <eos>")
    source, target = _read_pairs(path, "load_fra_eng")
    pairs = [(s, t) for s, t in zip(source, target)
             if len(s) <= max_tokens and len(t) <= max_tokens]
    try:
        train, valid, test = split_by_source(pairs, num_test, num_valid, seed)
    except ValueError as exc:   # too few distinct sources for the held-out sets
        raise DataError(f"load_fra_eng: {path}: {exc}") from None
    src_vocab, tgt_vocab = build_vocabs(train, min_freq)
    return TranslationData("fra-eng", train, valid, test, src_vocab, tgt_vocab, num_steps)


def load_d2l_small(path=None, num_examples=600, num_steps=10):
    """d2l's ``load_data_nmt(batch_size, num_steps, num_examples=600)``, as data.

    Trains on the pairs ``tokenize_nmt(text, num_examples)`` returns (601 for 600: d2l's
    loop), with d2l's vocabularies (``min_freq=2``). There is no validation set; ``test`` holds
    the book's four evaluation sentences (``D2L_EXAMPLES``), each with its single reference.
    Long sentences are truncated to ``num_steps`` as in d2l (``build_array_nmt`` warns).
    """
    source, target = _read_pairs(path, "load_d2l_small", num_examples)
    train = list(zip(source, target))
    src_vocab, tgt_vocab = build_vocabs(train, min_freq=2)
    test = [(eng.split(" "), [fra.split(" ")]) for eng, fra in D2L_EXAMPLES]
    return TranslationData("d2l-small", train, [], test, src_vocab, tgt_vocab, num_steps)


def load_builtin(num_train=5000, num_valid=500, num_test=500, seed=0, num_steps=10):
    """The built-in grammar corpus: ``num_train + num_valid + num_test`` distinct sources.

    Every English sentence has one French translation, so each valid/test source has one
    reference. Vocabularies keep every training token (``min_freq=1``).
    """
    if num_steps < builtin_corpus.MAX_TOKENS + 1:
        raise ValueError(f"load_builtin: num_steps={num_steps} cannot hold the corpus's "
                         f"{builtin_corpus.MAX_TOKENS} tokens plus <eos>")
    pairs = builtin_corpus.generate_pairs(num_train + num_valid + num_test, seed)
    train, valid, test = split_by_source(pairs, num_test, num_valid, seed)
    src_vocab, tgt_vocab = build_vocabs(train, min_freq=1)
    return TranslationData("builtin", train, valid, test, src_vocab, tgt_vocab, num_steps)
