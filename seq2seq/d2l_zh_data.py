"""The 0.17-style data API: ``load_data_nmt(batch_size, num_steps, num_examples=600)``.

It returns what the book's does: a shuffling iterator of ``(X, X_valid_len, Y, Y_valid_len)``
batches (minigrad integer Tensors: (B, T) ids and (B,) lengths), the source vocabulary and the
target vocabulary, built from the first ``num_examples`` (+ 1, the book's loop; see
``seq2seq.text.tokenize_nmt``) pairs of ``fra.txt`` with ``min_freq=2``.

It never downloads. ``fra.txt`` is looked up, in order, at the ``path`` given; in our download
cache (``~/.cache/minigrad/fra-eng/``, filled by ``python -m seq2seq train --data fra-eng``);
and where the book keeps it, ``../data/fra-eng/fra.txt`` or ``../data/fra-eng.zip`` relative
to the working directory. The zip is read in memory, never extracted.
"""
import io
import os
import zipfile
from pathlib import Path


from seq2seq.arrays import build_array_nmt
from seq2seq.book.loader import ArrayLoader
from seq2seq.download import DEFAULT_CACHE_DIR, FRA_ENG_MEMBER
from seq2seq.text import preprocess_nmt, tokenize_nmt
from seq2seq.vocab import Vocab

BOOK_DATA_DIR = os.path.join("..", "data")      # the book's notebooks keep data here
RESERVED_TOKENS = ["<pad>", "<bos>", "<eos>"]


class DataNotFound(FileNotFoundError):
    """fra.txt is in none of the places ``read_data_nmt`` looks; the message names them."""


def _candidates(path):
    """Where fra.txt may be, in order: (kind, Path) with kind "txt" or "zip"."""
    if path is not None:
        path = Path(path).expanduser()
        if path.suffix == ".zip":
            return [("zip", path)]
        if path.is_dir():
            return [("txt", path / "fra.txt"), ("txt", path / FRA_ENG_MEMBER),
                    ("zip", path / "fra-eng.zip")]
        return [("txt", path)]
    cache = Path(DEFAULT_CACHE_DIR).expanduser()
    book = Path(BOOK_DATA_DIR)
    return [("txt", cache / FRA_ENG_MEMBER), ("zip", cache / "fra-eng.zip"),
            ("txt", book / FRA_ENG_MEMBER), ("zip", book / "fra-eng.zip")]


def find_fra_eng(path=None):
    """(kind, Path) of the first place that holds the data, or DataNotFound naming all."""
    places = _candidates(path)
    for kind, place in places:
        if place.is_file():
            return kind, place
    looked = ", ".join(os.path.abspath(place) for _, place in places)   # ../data as a folder
    raise DataNotFound(
        f"load_data_nmt: fra-eng not found (looked at {looked}). Either download it once into "
        f"our cache with `python -c \"from seq2seq.download import download_fra_eng; "
        f"download_fra_eng()\"` (or `python -m seq2seq train --data fra-eng`), or pass the "
        f"file you have: load_data_nmt(..., path='path/to/fra.txt' or 'fra-eng.zip')")


def read_data_nmt(path=None):
    """The raw English-French text (one ``English<TAB>French`` pair a line)."""
    kind, place = find_fra_eng(path)
    if kind == "zip":
        with zipfile.ZipFile(place) as archive:
            return io.TextIOWrapper(archive.open(FRA_ENG_MEMBER), encoding="utf-8").read()
    return place.read_text(encoding="utf-8")


def load_array(data_arrays, batch_size, is_train=True):
    """An ``ArrayLoader`` over ``data_arrays``, shuffled when ``is_train``."""
    return ArrayLoader(data_arrays, batch_size, shuffle=is_train, name="load_array")


def load_data_nmt(batch_size, num_steps, num_examples=600, path=None):
    """(train_iter, src_vocab, tgt_vocab) of the first pairs of fra-eng, as in the book.

    Sentences get ``<eos>`` and are padded with ``<pad>`` (or cut) to ``num_steps`` ids.
    ``path``: fra.txt, fra-eng.zip or a folder holding either (see the module docstring).
    """
    text = read_data_nmt(path)
    if num_examples:
        # only lines 0..num_examples are read: preprocess those alone (it never looks across
        # a line break), not all 167,130 lines; the same tokens, a second sooner
        text = "\n".join(text.split("\n", num_examples + 1)[:num_examples + 1])
    source, target = tokenize_nmt(preprocess_nmt(text), num_examples)
    if not source:    # a file of other text (no tab) would give an empty data set, silently
        raise ValueError(f"load_data_nmt: {path or 'fra-eng'} holds no line of the form "
                           f"English<TAB>French in its first lines; is it d2l's fra.txt?")
    src_vocab = Vocab(source, min_freq=2, reserved_tokens=RESERVED_TOKENS)
    tgt_vocab = Vocab(target, min_freq=2, reserved_tokens=RESERVED_TOKENS)
    src_array, src_valid_len = build_array_nmt(source, src_vocab, num_steps)
    tgt_array, tgt_valid_len = build_array_nmt(target, tgt_vocab, num_steps)
    data_iter = load_array((src_array, src_valid_len, tgt_array, tgt_valid_len), batch_size)
    return data_iter, src_vocab, tgt_vocab
