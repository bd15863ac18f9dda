"""Vocab: d2l's ordering, lookups both ways, unknown tokens, bad input."""
import collections
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.text import preprocess_nmt, read_text, tokenize_nmt
from seq2seq.vocab import Vocab

pytestmark = pytest.mark.numpy_only

RESERVED = ["<pad>", "<bos>", "<eos>"]
FRA_TXT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fra-eng" / "fra.txt"


def expected_order(sentences, min_freq, reserved):
    """idx_to_token by a plain rule: count, then sort by (-count, first position)."""
    flat = [token for sentence in sentences for token in sentence]
    counts = collections.Counter(flat)
    first = {}
    for position, token in enumerate(flat):
        first.setdefault(token, position)
    kept = [t for t in counts if counts[t] >= min_freq and t not in reserved and t != "<unk>"]
    return ["<unk>"] + reserved + sorted(kept, key=lambda t: (-counts[t], first[t]))


def test_order_reserved_then_frequency_then_first_appearance():
    vocab = Vocab([["b", "a", "c"], ["a", "c", "d"]], reserved_tokens=RESERVED)
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "<eos>", "a", "c", "b", "d"]
    assert [vocab[t] for t in ("<unk>", "<pad>", "<bos>", "<eos>")] == [0, 1, 2, 3]
    assert vocab.token_freqs == [("a", 2), ("c", 2), ("b", 1), ("d", 1)]
    assert len(vocab) == 8


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.sampled_from("abcdefg"), max_size=6), max_size=8),
       st.integers(0, 3))
def test_order_equals_plain_rule(sentences, min_freq):
    vocab = Vocab(sentences, min_freq=min_freq, reserved_tokens=RESERVED)
    assert vocab.idx_to_token == expected_order(sentences, min_freq, RESERVED)
    assert all(vocab.token_to_idx[t] == i for i, t in enumerate(vocab.idx_to_token))


def test_flat_token_list_and_min_freq():
    vocab = Vocab(["x", "y", "x", "z", "x", "y"], min_freq=2)
    assert vocab.idx_to_token == ["<unk>", "x", "y"]
    assert vocab["z"] == vocab.unk == 0


def test_lookups_both_ways():
    vocab = Vocab([["go", ".", "go"]], reserved_tokens=RESERVED)
    assert vocab["go"] == 4
    assert vocab[["go", ".", "never-seen"]] == [4, 5, 0]
    assert vocab[("go", ".")] == [4, 5]
    assert vocab.to_tokens(4) == "go"
    assert vocab.to_tokens([4, 5, 0]) == ["go", ".", "<unk>"]
    assert vocab.to_tokens(np.array([3, 4], dtype=np.int64)) == ["<eos>", "go"]
    assert vocab.to_tokens(np.int64(5)) == "."


def test_to_tokens_rejects_bad_indices():
    vocab = Vocab([["go"]], reserved_tokens=RESERVED)
    with pytest.raises(IndexError, match="out of range.*5 tokens"):
        vocab.to_tokens(5)
    with pytest.raises(IndexError, match="index -1"):
        vocab.to_tokens([-1])
    with pytest.raises(TypeError, match="integer"):
        vocab.to_tokens(1.0)


def test_reserved_tokens_must_be_distinct_and_not_unk():
    with pytest.raises(ValueError, match="distinct"):
        Vocab([["a"]], reserved_tokens=["<pad>", "<pad>"])
    with pytest.raises(ValueError, match="<unk>"):
        Vocab([["a"]], reserved_tokens=["<unk>"])


def test_reserved_token_in_text_is_not_duplicated():
    vocab = Vocab([["<eos>", "a", "<eos>"]], reserved_tokens=RESERVED)
    assert vocab.idx_to_token == ["<unk>", "<pad>", "<bos>", "<eos>", "a"]


def test_from_idx_to_token_round_trip():
    vocab = Vocab([["b", "a", "a"]], reserved_tokens=RESERVED)
    again = Vocab.from_idx_to_token(vocab.idx_to_token)
    assert again.idx_to_token == vocab.idx_to_token
    assert again[["a", "b", "zzz"]] == vocab[["a", "b", "zzz"]]
    with pytest.raises(ValueError, match="start with '<unk>'"):
        Vocab.from_idx_to_token(["<pad>", "<unk>"])
    with pytest.raises(ValueError, match="distinct"):
        Vocab.from_idx_to_token(["<unk>", "a", "a"])


def test_d2l_small_vocab_sizes_on_real_file():
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")
    text = preprocess_nmt("\n".join(read_text(FRA_TXT).split("\n")[:1000]))
    source, target = tokenize_nmt(text, num_examples=600)
    for sentences in (source, target):
        vocab = Vocab(sentences, min_freq=2, reserved_tokens=RESERVED)
        counts = collections.Counter(t for s in sentences for t in s)
        assert len(vocab) == 1 + len(RESERVED) + sum(c >= 2 for c in counts.values())
        assert vocab.idx_to_token == expected_order(sentences, 2, RESERVED)


@pytest.mark.slow
def test_full_file_values_the_book_prints():
    """d2l's machine-translation section, on the whole of fra.txt: len(src_vocab) is 10012
    and truncate_pad(src_vocab[source[0]], 10, pad) is [47, 4, 1, 1, 1, 1, 1, 1, 1, 1]."""
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")
    from seq2seq.arrays import truncate_pad
    source, target = tokenize_nmt(preprocess_nmt(read_text(FRA_TXT)))
    src_vocab = Vocab(source, min_freq=2, reserved_tokens=RESERVED)
    assert len(src_vocab) == 10012
    assert truncate_pad(src_vocab[source[0]], 10, src_vocab["<pad>"]) == [47, 4] + [1] * 8
    assert src_vocab.idx_to_token == expected_order(source, 2, RESERVED)
    tgt_vocab = Vocab(target, min_freq=2, reserved_tokens=RESERVED)
    assert tgt_vocab.idx_to_token == expected_order(target, 2, RESERVED)
