"""d2l 1.0's English-French data, ``MTFraEng``: the first ``num_train + num_val`` pairs of
``fra.txt``, cut or padded to ``num_steps`` tokens, with the book's vocabularies and splits.

How the book builds it (section "Machine Translation and the Dataset"), and so do we:

- text: ``preprocess_nmt`` (lowercase, punctuation split off) then each line's two fields split
  on spaces, empty tokens dropped, ``<eos>`` appended; lines 0..num_train + num_val are read
  (the book's loop stops after index num_train + num_val, so 641 pairs for 512 + 128);
- arrays: each sentence cut or padded with ``<pad>`` to ``num_steps`` tokens; a target also
  gets ``<bos>`` in front, so the decoder input is ``tgt[:, :-1]`` and the label ``tgt[:, 1:]``;
- vocabularies: tokens seen at least twice in the padded sentences, sorted alphabetically
  (d2l 1.0's ``Vocab``; ``<unk>`` is in it, but not at index 0);
- splits: the first ``num_train`` rows train, the rest (129 for the defaults) validate.

The file comes from ``path`` if given, else from ``root`` (the book's ``../data``, holding
``fra-eng/fra.txt`` or ``fra-eng.zip``), else from our download cache (``~/.cache/minigrad``,
filled by ``seq2seq.download.download_fra_eng()``). Nothing is downloaded here.
"""
import os
import zipfile
from pathlib import Path

import numbers

import numpy

import minigrad as mg
from seq2seq.book.framework import DataModule
from seq2seq.download import DEFAULT_CACHE_DIR, FRA_ENG_MEMBER
from seq2seq.text import preprocess_nmt
from seq2seq.vocab import Vocab


class DataNotFound(FileNotFoundError):
    """fra.txt is in none of the places MTFraEng looks; the message names them all."""


class SortedVocab(Vocab):
    """d2l 1.0's vocabulary: ``<unk>``, the reserved tokens and every token seen at least
    ``min_freq`` times, in alphabetical order. ``to_tokens`` also takes a Tensor of ids."""

    def __init__(self, tokens=None, min_freq=0, reserved_tokens=None):
        super().__init__(tokens, min_freq, reserved_tokens)
        self.idx_to_token = sorted(self.idx_to_token)
        self.token_to_idx = {token: idx for idx, token in enumerate(self.idx_to_token)}

    @property
    def unk(self):
        return self.token_to_idx["<unk>"]

    def to_tokens(self, indices):
        if isinstance(indices, mg.Tensor):      # a row of predictions: ids on any device
            indices = indices.numpy()
        if isinstance(indices, numpy.ndarray):
            indices = indices.tolist()
        return super().to_tokens(indices)


def read_fra_eng(path=None, root="../data", cache_dir=None):
    """The text of fra.txt from ``path`` (fra.txt or fra-eng.zip), else ``root``, else the
    download cache; a ``DataNotFound`` naming every place tried when none has it."""
    if path is not None:
        candidates = [Path(path)]
    else:
        cache = Path(DEFAULT_CACHE_DIR if cache_dir is None else cache_dir).expanduser()
        candidates = [Path(root) / FRA_ENG_MEMBER, Path(root) / "fra-eng.zip",
                      cache / FRA_ENG_MEMBER, cache / "fra-eng.zip"]
    for candidate in candidates:
        if candidate.is_file():
            if candidate.suffix == ".zip":
                with zipfile.ZipFile(candidate) as archive:
                    return archive.read(FRA_ENG_MEMBER).decode("utf-8")
            return candidate.read_text(encoding="utf-8")
    tried = ", ".join(os.path.abspath(c) for c in candidates)   # ../data named as a folder
    raise DataNotFound(
        f"MTFraEng: no fra-eng data (tried {tried}). Either put d2l's fra-eng.zip (or "
        f"fra-eng/fra.txt) in the book's data folder (root='../data', relative to where "
        f"Python runs, or pass MTFraEng(..., root=FOLDER) or path=FILE), or fill minigrad's "
        f"download cache once with: python -c \"from seq2seq.download import "
        f"download_fra_eng; download_fra_eng()\"")


def tokenize(text, max_examples=None):
    """Source and target token lists, ``<eos>`` appended, lines 0..max_examples."""
    src, tgt = [], []
    for i, line in enumerate(text.split("\n")):
        if max_examples and i > max_examples:
            break
        parts = line.split("\t")
        if len(parts) == 2:
            src.append([t for t in f"{parts[0]} <eos>".split(" ") if t])
            tgt.append([t for t in f"{parts[1]} <eos>".split(" ") if t])
    return src, tgt


def _check_count(where, name, value, least):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{where}: {name} must be an integer >= {least}, got {value!r}")


class MTFraEng(DataModule):
    """The English-French pairs of d2l 1.0. ``arrays`` = (src, decoder input, src valid
    lengths, label), Tensors of ``num_train + num_val + 1`` rows; ``src_vocab``,
    ``tgt_vocab``; ``get_dataloader(train)`` batches of ``batch_size`` in that order;
    ``build(src_sentences, tgt_sentences)`` the same arrays for new sentences."""

    def __init__(self, batch_size, num_steps=9, num_train=512, num_val=128, root="../data",
                 path=None):
        super().__init__(root=root)
        for name, value, least in (("batch_size", batch_size, 1), ("num_steps", num_steps, 1),
                                   ("num_train", num_train, 1), ("num_val", num_val, 0)):
            _check_count("MTFraEng", name, value, least)
        self.save_hyperparameters()
        self.arrays, self.src_vocab, self.tgt_vocab = self._build_arrays(self._download())

    # the book's steps, by its names (its machine-translation section calls them one by one)
    def _download(self):
        """The raw text of fra.txt (nothing is downloaded: see ``read_fra_eng``)."""
        return read_fra_eng(self.path, self.root)

    def _preprocess(self, text):
        return preprocess_nmt(text)

    def _tokenize(self, text, max_examples=None):
        return tokenize(text, max_examples)

    def _build_array(self, sentences, vocab, is_tgt=False):
        """(ids (N, num_steps [+1]), vocab, valid lengths (N,)), int64 Tensors."""
        t = self.num_steps
        sentences = [s[:t] if len(s) > t else s + ["<pad>"] * (t - len(s)) for s in sentences]
        if is_tgt:
            sentences = [["<bos>"] + s for s in sentences]
        if vocab is None:
            vocab = SortedVocab(sentences, min_freq=2)
        array = numpy.array([vocab[s] for s in sentences], dtype=numpy.int64)
        valid_len = (array != vocab["<pad>"]).sum(axis=1)
        return mg.Tensor(array), vocab, mg.Tensor(valid_len)

    def _build_arrays(self, raw_text, src_vocab=None, tgt_vocab=None):
        lines = self.num_train + self.num_val + 1     # _tokenize reads lines 0..num_train+num_val
        # preprocessing is line by line, so the lines read are all it needs (not the 190,000)
        raw_text = "\n".join(raw_text.split("\n", lines)[:lines])
        src, tgt = self._tokenize(self._preprocess(raw_text), self.num_train + self.num_val)
        src_array, src_vocab, src_valid_len = self._build_array(src, src_vocab)
        tgt_array, tgt_vocab, _ = self._build_array(tgt, tgt_vocab, True)
        return ((src_array, tgt_array[:, :-1], src_valid_len, tgt_array[:, 1:]),
                src_vocab, tgt_vocab)

    def get_dataloader(self, train):
        rows = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader(self.arrays, train, rows)

    def build(self, src_sentences, tgt_sentences):
        """The arrays of new sentence pairs (raw strings), with this data's vocabularies."""
        for name, given in (("src_sentences", src_sentences), ("tgt_sentences", tgt_sentences)):
            if isinstance(given, str) or not all(isinstance(s, str) for s in given):
                raise TypeError(f"MTFraEng.build: {name} must be a list of sentences (strings), "
                                f"got {given!r:.60}; pass [sentence] for one")
        if not src_sentences or len(src_sentences) != len(tgt_sentences):
            raise ValueError(f"MTFraEng.build: needs one target per source sentence, at least "
                             f"one pair; got {len(src_sentences)} and {len(tgt_sentences)}")
        raw_text = "\n".join(src + "\t" + tgt for src, tgt in zip(src_sentences, tgt_sentences))
        arrays, _, _ = self._build_arrays(raw_text, self.src_vocab, self.tgt_vocab)
        return arrays
