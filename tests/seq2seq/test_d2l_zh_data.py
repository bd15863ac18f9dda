"""seq2seq.d2l_zh's data: load_data_nmt with the book's arguments on the real fra-eng file
(compared with a plain re-computation), the places it looks, the zip, and the error when the
data is nowhere."""
import collections
import io
import os
import zipfile
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from seq2seq import d2l_zh
from seq2seq.d2l_zh_data import ArrayLoader, DataNotFound, find_fra_eng

pytestmark = pytest.mark.numpy_only

# the real data, never copied into the repository: ../shared/data/fra-eng/fra.txt from the
# repository root, or the file MINIGRAD_FRA_TXT names (a worktree elsewhere)
FRA_TXT = Path(os.environ.get("MINIGRAD_FRA_TXT") or Path(__file__).resolve().parents[2].parent
               / "shared" / "data" / "fra-eng" / "fra.txt")
TOY = "Go.\tVa !\nHi.\tSalut !\nRun!\tCours\u202f!\nGo.\tEn route !\nHi.\tSalut.\n"


def needs_fra():
    if not FRA_TXT.is_file():
        pytest.skip(f"the fra-eng data {FRA_TXT} is not present (tests read it from "
                    f"../shared/data/fra-eng/fra.txt relative to the repository root, or from "
                    f"MINIGRAD_FRA_TXT)")


def expected_vocab(sentences):
    """The book's vocabulary rule written out: <unk>, the reserved tokens, then tokens seen at
    least twice by descending count, ties in order of first appearance."""
    counts = collections.Counter(t for s in sentences for t in s)
    order = {}
    for s in sentences:
        for t in s:
            order.setdefault(t, len(order))
    kept = sorted((t for t in counts if counts[t] >= 2), key=lambda t: (-counts[t], order[t]))
    return ["<unk>", "<pad>", "<bos>", "<eos>"] + kept


def plain_pairs(text, num_examples):
    """Lines 0..num_examples of the text, lowercased, spaces normalised, punctuation split."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = []
    for i, ch in enumerate(text):
        out.append(" " + ch if i > 0 and ch in ",.!?" and text[i - 1] != " " else ch)
    pairs = []
    for i, line in enumerate("".join(out).split("\n")):
        if i > num_examples:
            break
        parts = line.split("\t")
        if len(parts) == 2:
            pairs.append((parts[0].split(" "), parts[1].split(" ")))
    return pairs


def test_load_data_nmt_book_arguments_on_the_real_file():
    needs_fra()
    train_iter, src_vocab, tgt_vocab = d2l_zh.load_data_nmt(64, 10, path=FRA_TXT)
    pairs = plain_pairs(FRA_TXT.read_text(encoding="utf-8"), 600)
    assert len(pairs) == 601                        # the book's loop reads lines 0..600
    assert src_vocab.idx_to_token == expected_vocab([s for s, _ in pairs])
    assert tgt_vocab.idx_to_token == expected_vocab([t for _, t in pairs])
    batches = list(train_iter)
    assert len(batches) == len(train_iter) == 10    # ceil(601 / 64)
    assert sum(b[0].shape[0] for b in batches) == 601
    X, X_valid_len, Y, Y_valid_len = batches[0]
    assert all(isinstance(t, mg.Tensor) for t in batches[0])
    assert X.shape == (64, 10) and Y.shape == (64, 10) and X_valid_len.shape == (64,)
    assert X.dtype.kind == "i" and Y_valid_len.dtype.kind == "i"
    # every row: its ids, then <eos>, then <pad>; valid_len counts up to <eos>
    pad, eos = tgt_vocab["<pad>"], tgt_vocab["<eos>"]
    for row, n in zip(Y.numpy(), Y_valid_len.numpy()):
        assert row[n - 1] == eos and (row[n:] == pad).all() and (row[:n] != pad).all()
    # all source sentences appear once per pass, in a new order each pass
    rows = lambda: sorted(map(tuple, np.concatenate([b[0].numpy() for b in train_iter])))
    expected = sorted(tuple(src_vocab[s] + [src_vocab["<eos>"]]
                            + [src_vocab["<pad>"]] * (9 - len(s))) for s, _ in pairs)
    assert rows() == expected


def test_shuffle_follows_manual_seed():
    loader = ArrayLoader([np.arange(100)], 10)
    mg.manual_seed(3)
    first = [b[0].numpy().tolist() for b in loader]
    mg.manual_seed(3)
    assert [b[0].numpy().tolist() for b in loader] == first
    assert sorted(sum(first, [])) == list(range(100)) and sum(first, []) != list(range(100))
    ordered = ArrayLoader([np.arange(10)], 4, shuffle=False)
    assert [b[0].numpy().tolist() for b in ordered] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]


def test_array_loader_refuses_bad_input():
    with pytest.raises(ValueError, match="one length"):
        ArrayLoader([np.arange(3), np.arange(4)], 2)
    with pytest.raises(ValueError, match="batch_size"):
        ArrayLoader([np.arange(3)], 0)


def test_reads_a_zip_or_a_folder_or_the_books_data_folder(tmp_path, monkeypatch):
    archive = tmp_path / "fra-eng.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("fra-eng/fra.txt", TOY)
    assert d2l_zh.read_data_nmt(archive) == TOY
    assert d2l_zh.read_data_nmt(tmp_path) == TOY                    # a folder with the zip
    _, src_vocab, tgt_vocab = d2l_zh.load_data_nmt(2, 4, path=archive)
    assert src_vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "<eos>", ".", "go", "hi"]
    assert "!" in tgt_vocab.token_to_idx                             # "cours !" split off
    # the book's layout: ../data/fra-eng.zip from the working directory
    work = tmp_path / "run"
    work.mkdir()
    (tmp_path / "data").mkdir()
    archive.rename(tmp_path / "data" / "fra-eng.zip")
    monkeypatch.chdir(work)
    monkeypatch.setattr("seq2seq.d2l_zh_data.DEFAULT_CACHE_DIR", tmp_path / "no-cache")
    kind, place = find_fra_eng()
    assert kind == "zip" and place == Path("..") / "data" / "fra-eng.zip"
    assert d2l_zh.read_data_nmt() == TOY


def test_our_cache_comes_before_the_books_folder(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    (cache / "fra-eng").mkdir(parents=True)
    (cache / "fra-eng" / "fra.txt").write_text(TOY, encoding="utf-8")
    monkeypatch.setattr("seq2seq.d2l_zh_data.DEFAULT_CACHE_DIR", cache)
    monkeypatch.chdir(tmp_path)
    assert find_fra_eng() == ("txt", cache / "fra-eng" / "fra.txt")


def test_no_data_anywhere_is_one_clear_error_naming_both_ways(tmp_path, monkeypatch):
    monkeypatch.setattr("seq2seq.d2l_zh_data.DEFAULT_CACHE_DIR", tmp_path / "empty-cache")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DataNotFound) as info:
        d2l_zh.load_data_nmt(64, 10)
    message = str(info.value)
    assert "load_data_nmt" in message and "\n" not in message
    assert "download_fra_eng" in message and "path=" in message      # the two ways
    assert str(tmp_path / "empty-cache") in message and "fra-eng.zip" in message
    # the book's ../data, named as the folder it is
    assert os.path.join(os.path.dirname(os.getcwd()), "data", "fra-eng.zip") in message
    with pytest.raises(DataNotFound, match="nowhere.txt"):
        d2l_zh.load_data_nmt(64, 10, path=tmp_path / "nowhere.txt")
    assert issubclass(DataNotFound, FileNotFoundError)


def test_build_array_nmt_gives_tensors():
    vocab = d2l_zh.Vocab([["a", "b"], ["a"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    array, valid_len = d2l_zh.build_array_nmt([["a", "b"], ["a"]], vocab, 4)
    assert isinstance(array, mg.Tensor) and array.shape == (2, 4)
    assert valid_len.numpy().tolist() == [3, 2]
    assert d2l_zh.truncate_pad([1, 2, 3], 2, 0) == [1, 2]
    assert d2l_zh.truncate_pad([1], 3, 0) == [1, 0, 0]


def test_zip_member_is_read_as_utf8(tmp_path):
    archive = tmp_path / "x.zip"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("fra-eng/fra.txt", "I'm home.\tJe suis chez moi.\n".encode("utf-8"))
    archive.write_bytes(buffer.getvalue())
    assert d2l_zh.read_data_nmt(archive).startswith("I'm home.")
