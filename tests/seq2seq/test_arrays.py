"""Padding, id arrays, encoding a sentence for translation, and the training batches."""
import warnings

import numpy as np
import pytest

from seq2seq.arrays import TranslationBatches, build_array_nmt, encode_source, truncate_pad
from seq2seq.vocab import Vocab

pytestmark = pytest.mark.numpy_only

RESERVED = ["<pad>", "<bos>", "<eos>"]
PAD, BOS, EOS = 1, 2, 3


@pytest.fixture
def vocab():
    # ids: <unk>=0 <pad>=1 <bos>=2 <eos>=3 a=4 b=5 c=6 .=7
    return Vocab([["a", "a", "a", "a", "b", "b", "b", "c", "c", "."]], reserved_tokens=RESERVED)


def pairs_of(n):
    """n pairs of varied lengths, all distinct for n <= 16: (a^k ., b^m)."""
    return [(["a"] * (1 + i % 4) + ["."], ["b"] * (1 + i // 4 % 4)) for i in range(n)]


def test_truncate_pad():
    assert truncate_pad([4, 5], 4, 1) == [4, 5, 1, 1]
    assert truncate_pad([4, 5, 6, 7, 8], 4, 1) == [4, 5, 6, 7]
    assert truncate_pad([4, 5, 6, 7], 4, 1) == [4, 5, 6, 7]
    assert truncate_pad([], 2, 1) == [1, 1]


def test_build_array_nmt_values(vocab):
    array, valid_len = build_array_nmt([["a", "b"], ["c", "zzz", "a", "."], []], vocab, 6)
    np.testing.assert_array_equal(array, [[4, 5, EOS, PAD, PAD, PAD],
                                          [6, 0, 4, 7, EOS, PAD],      # unknown word -> <unk>
                                          [EOS, PAD, PAD, PAD, PAD, PAD]])
    np.testing.assert_array_equal(valid_len, [3, 5, 1])
    assert array.dtype == np.int64 and valid_len.dtype == np.int64
    assert array.shape == (3, 6) and valid_len.shape == (3,)


def test_build_array_nmt_warns_when_it_truncates(vocab):
    with pytest.warns(UserWarning, match=r"build_array_nmt: 1 of 2 sentences .* num_steps = 3"):
        array, valid_len = build_array_nmt([["a", "b", "c"], ["a"]], vocab, 3)
    np.testing.assert_array_equal(array, [[4, 5, 6], [4, EOS, PAD]])   # <eos> was cut off
    np.testing.assert_array_equal(valid_len, [3, 2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # exactly num_steps - 1 tokens: fits
        build_array_nmt([["a", "b"]], vocab, 3)


def test_special_tokens_are_required():
    with pytest.raises(ValueError, match="build_array_nmt: the vocabulary has no '<pad>'"):
        build_array_nmt([["a"]], Vocab([["a"]]), 4)
    with pytest.raises(ValueError, match="encode_source: the vocabulary has no '<eos>'"):
        encode_source("a", Vocab([["a"]], reserved_tokens=["<pad>"]), 4)
    no_bos = Vocab([["a"]], reserved_tokens=["<pad>", "<eos>"])
    with pytest.raises(ValueError, match="TranslationBatches: the vocabulary has no '<bos>'"):
        TranslationBatches([(["a"], ["a"])], no_bos, no_bos, 4, 1)
    with pytest.raises(ValueError, match="num_steps"):
        build_array_nmt([["a"]], Vocab([["a"]], reserved_tokens=RESERVED), 0)


def test_encode_source(vocab):
    src, valid_len = encode_source("A b.", vocab, 5)                   # preprocessed like the data
    np.testing.assert_array_equal(src, [[4, 5, 7, EOS, PAD]])
    np.testing.assert_array_equal(valid_len, [4])
    assert src.dtype == np.int64 and valid_len.dtype == np.int64
    src2, _ = encode_source(["a", "b", "."], vocab, 5)                 # tokens used as they are
    np.testing.assert_array_equal(src2, src)
    src3, _ = encode_source("  a   zebra ", vocab, 5)                  # unknown word -> <unk>
    np.testing.assert_array_equal(src3, [[4, 0, EOS, PAD, PAD]])


def test_encode_source_empty_sentence_is_an_error(vocab):
    for empty in ("", "   ", []):
        with pytest.raises(ValueError, match="encode_source: .* empty"):
            encode_source(empty, vocab, 5)
    with pytest.raises(TypeError, match="encode_source"):
        encode_source(42, vocab, 5)


def test_encode_source_truncation_warns(vocab):
    with pytest.warns(UserWarning, match="encode_source: the sentence has 4 tokens"):
        src, valid_len = encode_source("a b c a", vocab, 4)
    np.testing.assert_array_equal(src, [[4, 5, 6, 4]])
    np.testing.assert_array_equal(valid_len, [4])


def test_batches_shapes_and_teacher_forcing(vocab):
    pairs = pairs_of(10)
    batches = TranslationBatches(pairs, vocab, vocab, num_steps=6, batch_size=4, seed=0)
    assert len(batches) == 3
    sizes = []
    for src, src_valid_len, dec_input, label, label_valid_len in batches:
        b = len(src)
        sizes.append(b)
        assert src.shape == dec_input.shape == label.shape == (b, 6)
        assert src_valid_len.shape == label_valid_len.shape == (b,)
        for array in (src, src_valid_len, dec_input, label, label_valid_len):
            assert array.dtype == np.int64
        np.testing.assert_array_equal(dec_input[:, 0], BOS)
        np.testing.assert_array_equal(dec_input[:, 1:], label[:, :-1])   # label shifted right
    assert sizes == [4, 4, 2]


def test_batches_hold_each_pair_once_with_its_own_arrays(vocab):
    pairs = pairs_of(13)
    batches = TranslationBatches(pairs, vocab, vocab, num_steps=6, batch_size=5, seed=3)
    expected_src, expected_src_len = build_array_nmt([s for s, _ in pairs], vocab, 6)
    expected_label, expected_label_len = build_array_nmt([t for _, t in pairs], vocab, 6)
    rows = {}
    for src, src_valid_len, _, label, label_valid_len in batches:
        for row in zip(src, src_valid_len, label, label_valid_len):
            key = (tuple(row[0]), tuple(row[2]))
            rows[key] = rows.get(key, 0) + 1
            i = next(i for i in range(len(pairs)) if (tuple(expected_src[i]),
                                                      tuple(expected_label[i])) == key)
            assert row[1] == expected_src_len[i] and row[3] == expected_label_len[i]
    assert len(rows) == 13 and set(rows.values()) == {1}   # the 13 pairs are distinct


def test_batches_shuffle_is_seeded(vocab):
    pairs = pairs_of(16)

    def first_sources(batches):
        return [np.concatenate([src for src, *_ in batches]) for _ in range(2)]

    a = first_sources(TranslationBatches(pairs, vocab, vocab, 6, 8, seed=7))
    b = first_sources(TranslationBatches(pairs, vocab, vocab, 6, 8, seed=7))
    c = first_sources(TranslationBatches(pairs, vocab, vocab, 6, 8, seed=8))
    np.testing.assert_array_equal(a[0], b[0])              # same seed: same epochs
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], a[1])                  # a new order every epoch
    assert not np.array_equal(a[0], c[0])                  # another seed: another order
    plain = first_sources(TranslationBatches(pairs, vocab, vocab, 6, 8, shuffle=False))
    np.testing.assert_array_equal(plain[0], build_array_nmt([s for s, _ in pairs], vocab, 6)[0])

    reseeded = TranslationBatches(pairs, vocab, vocab, 6, 8, seed=0)
    reseeded.reseed(7)
    np.testing.assert_array_equal(np.concatenate([src for src, *_ in reseeded]), a[0])
    reseeded.reseed(np.random.default_rng(7))
    np.testing.assert_array_equal(np.concatenate([src for src, *_ in reseeded]), a[0])


def test_batches_drop_last_and_bad_arguments(vocab):
    pairs = pairs_of(10)
    batches = TranslationBatches(pairs, vocab, vocab, 6, 4, drop_last=True)
    assert len(batches) == 2 and [len(src) for src, *_ in batches] == [4, 4]
    assert len(TranslationBatches(pairs, vocab, vocab, 6, 5)) == 2
    for bad in (0, 2.0, True):
        with pytest.raises(ValueError, match="batch_size"):
            TranslationBatches(pairs, vocab, vocab, 6, bad)
    with pytest.raises(ValueError, match="no sentence pairs"):
        TranslationBatches([], vocab, vocab, 6, 4)
