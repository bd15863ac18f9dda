"""The three datasets: the held-out split by source, the fra-eng benchmark as its spec defines
it (checked against a plain re-computation on the real file), d2l's small setting, and the
built-in corpus."""
import collections
from pathlib import Path

import numpy as np
import pytest

from seq2seq import builtin_corpus
from seq2seq.arrays import TranslationBatches
from seq2seq.datasets import (D2L_EXAMPLES, TranslationData, group_by_source, load_builtin,
                              load_d2l_small, load_fra_eng, split_by_source)
from seq2seq.text import preprocess_nmt, read_text, tokenize_nmt

pytestmark = pytest.mark.numpy_only

FRA_TXT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fra-eng" / "fra.txt"
RESERVED = ["<unk>", "<pad>", "<bos>", "<eos>"]


def needs_fra():
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")


def vocab_from_spec(sentences, min_freq):
    """The benchmark's vocabulary rule, written out: reserved, then count desc, first seen."""
    counts, first = collections.Counter(), {}
    for sentence in sentences:
        for token in sentence:
            counts[token] += 1
            first.setdefault(token, len(first))
    kept = [t for t in counts if counts[t] >= min_freq and t not in RESERVED]
    return RESERVED + sorted(kept, key=lambda t: (-counts[t], first[t]))


# ---- split_by_source on toy pairs ---------------------------------------------------------

TOY = [(["s%d" % (i % 7)], ["t%d" % i]) for i in range(20)]   # 7 sources, 2-3 targets each


def test_group_by_source_keeps_first_appearance_order():
    groups = group_by_source(TOY)
    assert [g[0] for g in groups] == [["s%d" % i] for i in range(7)]
    assert groups[0][1] == [["t0"], ["t7"], ["t14"]]


def test_split_by_source_is_the_spec():
    train, valid, test = split_by_source(TOY, num_test=2, num_valid=1, seed=0)
    order = np.random.default_rng(0).permutation(7)
    assert [s for s, _ in test] == [["s%d" % i] for i in order[:2]]
    assert [s for s, _ in valid] == [["s%d" % order[2]]]
    assert sorted(train) == sorted(p for p in TOY if int(p[0][0][1:]) in order[3:])
    assert {tuple(s) for s, _ in train}.isdisjoint({tuple(s) for s, _ in valid + test})
    for source, references in test + valid:
        assert references == [t for s, t in TOY if s == source]
    assert split_by_source(TOY, 2, 1, seed=0) == (train, valid, test)
    assert split_by_source(TOY, 2, 1, seed=1) != (train, valid, test)


def test_split_by_source_needs_training_sources():
    with pytest.raises(ValueError, match="7 distinct sources"):
        split_by_source(TOY, num_test=4, num_valid=3)


# ---- the fra-eng benchmark on the real file (the whole file: marked slow) ------------------

@pytest.fixture(scope="module")
def fra_eng():
    needs_fra()
    return load_fra_eng(FRA_TXT)


@pytest.fixture(scope="module")
def fra_pairs():
    """All pairs of the file, preprocessed: (source tokens, target tokens)."""
    needs_fra()
    return list(zip(*tokenize_nmt(preprocess_nmt(read_text(FRA_TXT)))))


@pytest.mark.slow
def test_fra_eng_split_follows_the_spec(fra_eng, fra_pairs):
    short = [(s, t) for s, t in fra_pairs if len(s) <= 9 and len(t) <= 9]
    sources = list(dict.fromkeys(tuple(s) for s, _ in short))        # first-appearance order
    order = np.random.default_rng(0).permutation(len(sources))
    test_sources = [sources[i] for i in order[:2000]]
    valid_sources = [sources[i] for i in order[2000:4000]]
    held_out = set(test_sources) | set(valid_sources)

    assert [tuple(s) for s, _ in fra_eng.test] == test_sources
    assert [tuple(s) for s, _ in fra_eng.valid] == valid_sources
    references = collections.defaultdict(list)
    for s, t in short:
        references[tuple(s)].append(t)
    assert all(refs == references[tuple(s)] for s, refs in fra_eng.test + fra_eng.valid)
    train = [(s, t) for s, t in short if tuple(s) not in held_out]
    def as_counts(pairs):
        return collections.Counter((tuple(s), tuple(t)) for s, t in pairs)
    assert as_counts(fra_eng.train) == as_counts(train)          # every pair, no others
    assert {tuple(s) for s, _ in fra_eng.train}.isdisjoint(held_out)
    assert fra_eng.num_steps == 10 and fra_eng.name == "fra-eng"


@pytest.mark.slow
def test_fra_eng_vocabularies_follow_the_spec(fra_eng):
    assert fra_eng.src_vocab.idx_to_token == vocab_from_spec([s for s, _ in fra_eng.train], 2)
    assert fra_eng.tgt_vocab.idx_to_token == vocab_from_spec([t for _, t in fra_eng.train], 2)


@pytest.mark.slow
def test_fra_eng_everything_fits_num_steps(fra_eng):
    for source, target in fra_eng.train:
        assert len(source) <= 9 and len(target) <= 9
    longest = sorted(fra_eng.train, key=lambda p: -len(p[0]) - len(p[1]))[:2000]
    batches = TranslationBatches(longest, fra_eng.src_vocab, fra_eng.tgt_vocab, 10, 2000)
    src, src_valid_len, _, label, label_valid_len = next(iter(batches))
    assert src.shape == label.shape == (2000, 10)
    assert (src[np.arange(2000), src_valid_len - 1] == 3).all()          # <eos> never cut off
    assert (label[np.arange(2000), label_valid_len - 1] == 3).all()


# ---- d2l's small setting ------------------------------------------------------------------

def test_d2l_small_reproduces_load_data_nmt():
    needs_fra()
    data = load_d2l_small(FRA_TXT)
    lines = read_text(FRA_TXT).split("\n")[:601]                     # d2l reads lines 0..600
    pairs = [line.split("\t") for line in lines]
    assert [" ".join(s) for s, _ in data.train] == [preprocess_nmt(e) for e, _ in pairs]
    assert [" ".join(t) for _, t in data.train] == [preprocess_nmt(f) for _, f in pairs]
    assert data.src_vocab.idx_to_token == vocab_from_spec([s for s, _ in data.train], 2)
    assert data.tgt_vocab.idx_to_token == vocab_from_spec([t for _, t in data.train], 2)
    assert data.valid == [] and len(data.test) == 4
    for (source, references), (eng, fra) in zip(data.test, D2L_EXAMPLES):
        assert (" ".join(source), [" ".join(r) for r in references]) == (eng, [fra])
    seen = [(s, refs[0]) in data.train for s, refs in data.test]
    assert seen == [True, True, False, True]            # "he's calm ." is not in fra.txt


# ---- the built-in corpus ------------------------------------------------------------------

@pytest.fixture(scope="module")
def builtin():
    return load_builtin()


def test_builtin_sizes_split_and_determinism(builtin):
    assert isinstance(builtin, TranslationData) and builtin.name == "builtin"
    assert (len(builtin.train), len(builtin.valid), len(builtin.test)) == (5000, 500, 500)
    train_sources = {tuple(s) for s, _ in builtin.train}
    held_out = [tuple(s) for s, _ in builtin.valid + builtin.test]
    assert len(set(held_out)) == 1000 and train_sources.isdisjoint(held_out)
    assert all(len(refs) == 1 for _, refs in builtin.valid + builtin.test)
    again = load_builtin()
    assert (again.train, again.valid, again.test) == (builtin.train, builtin.valid, builtin.test)
    assert again.src_vocab.idx_to_token == builtin.src_vocab.idx_to_token
    assert load_builtin(seed=1).test != builtin.test


def test_builtin_is_the_generated_corpus_split_by_source(builtin):
    pairs = builtin_corpus.generate_pairs(6000, seed=0)
    assert (builtin.train, builtin.valid, builtin.test) == split_by_source(pairs, 500, 500, 0)
    assert builtin.src_vocab.idx_to_token == vocab_from_spec([s for s, _ in builtin.train], 1)
    assert builtin.tgt_vocab.idx_to_token == vocab_from_spec([t for _, t in builtin.train], 1)


def test_builtin_held_out_words_are_all_known_and_fit(builtin):
    # A held-out word missing from the training vocabulary would cap BLEU below 100.
    for source, references in builtin.valid + builtin.test:
        assert builtin.src_vocab.unk not in builtin.src_vocab[source]
        assert builtin.tgt_vocab.unk not in builtin.tgt_vocab[references[0]]
        assert len(source) + 1 <= builtin.num_steps >= len(references[0]) + 1
    for vocab in (builtin.src_vocab, builtin.tgt_vocab):          # words, reserved not counted
        assert 60 <= len(vocab) - 4 <= 150


def test_builtin_refuses_too_short_num_steps():
    with pytest.raises(ValueError, match="num_steps=8"):
        load_builtin(num_steps=8)
