"""BLEU: d2l's sentence score by hand and on the book's outputs; corpus BLEU by hand and
against sacrebleu on real multi-reference data."""
import collections
import math
from pathlib import Path

import numpy as np
import pytest
import sacrebleu
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.bleu import bleu, corpus_bleu
from seq2seq.text import preprocess_nmt, read_text, tokenize_nmt

pytestmark = pytest.mark.numpy_only

FRA_TXT = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "fra-eng" / "fra.txt"


def test_d2l_bleu_on_the_books_translations():
    # The book's trained model outputs and the scores it prints (3 decimals).
    assert bleu("va !", "va !", k=2) == 1.0
    assert bleu("j'ai perdu .", "j'ai perdu .", k=2) == 1.0
    # il est riche . vs il est calme .: p1 = 3/4, p2 = 1/3, same length
    assert bleu("il est riche .", "il est calme .", k=2) == pytest.approx(
        (3 / 4) ** 0.5 * (1 / 3) ** 0.25, rel=1e-12)
    assert round(bleu("il est riche .", "il est calme .", k=2), 3) == 0.658
    # je suis en retard ? vs je suis chez moi .: p1 = 2/5, p2 = 1/4
    assert bleu("je suis en retard ?", "je suis chez moi .", k=2) == pytest.approx(
        (2 / 5) ** 0.5 * (1 / 4) ** 0.25, rel=1e-12)
    assert round(bleu("je suis en retard ?", "je suis chez moi .", k=2), 3) == 0.447


def test_d2l_bleu_brevity_and_clipping():
    # 2 predicted tokens vs 4 in the label: exp(1 - 4/2), all n-grams match
    assert bleu("il est", "il est calme .", k=2) == pytest.approx(math.exp(-1), rel=1e-12)
    # longer prediction: no penalty; "a a a" vs "a b": p1 = 1/3 (one "a" to match), p2 = 0
    assert bleu("a a a", "a b", k=1) == pytest.approx((1 / 3) ** 0.5, rel=1e-12)
    assert bleu("a a a", "a b", k=2) == 0.0
    # k = 3 on 4 tokens: p1 = 3/4, p2 = 2/3 (a b, b c), p3 = 1/2 (a b c)
    assert bleu("a b c d", "a b c e", k=3) == pytest.approx(
        (3 / 4) ** 0.5 * (2 / 3) ** 0.25 * (1 / 2) ** 0.125, rel=1e-12)


def test_d2l_bleu_short_prediction_uses_the_orders_it_has_and_bad_input():
    # d2l's loop runs n = 1 .. min(k, len_pred): one token, k = 2 -> only p1 counts
    assert bleu("va", "va !", k=2) == pytest.approx(math.exp(1 - 2 / 1), rel=1e-12)
    assert bleu("il est", "il est calme .", k=4) == pytest.approx(math.exp(-1), rel=1e-12)
    assert bleu("x", "va !", k=2) == 0.0             # p1 = 0
    assert bleu("", "va !", k=1) == 0.0              # "" is one empty token, as in d2l
    assert bleu("", "", k=2) == 1.0
    with pytest.raises(TypeError, match="bleu"):
        bleu(["va", "!"], "va !", k=2)
    with pytest.raises(ValueError, match="k must be"):
        bleu("va !", "va !", k=0)


def d2l_formula(pred_seq, label_seq, k):
    """The book's formula written plainly: clipped counts by Counter intersection,
    orders 1 .. min(k, len_pred), weights 1/2^n, brevity exp(min(0, 1 - len_label/len_pred))."""
    pred, label = pred_seq.split(" "), label_seq.split(" ")
    score = math.exp(min(0, 1 - len(label) / len(pred)))
    for n in range(1, min(k, len(pred)) + 1):
        grams = [collections.Counter(tuple(seq[i:i + n]) for i in range(len(seq) - n + 1))
                 for seq in (pred, label)]
        matches = sum((grams[0] & grams[1]).values())
        score *= (matches / (len(pred) - n + 1)) ** (0.5 ** n)
    return score


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from("ab.c"), max_size=7), st.lists(st.sampled_from("ab.c"),
       max_size=7), st.integers(1, 4))
def test_d2l_bleu_equals_the_plain_formula(pred, label, k):
    pred_seq, label_seq = " ".join(pred), " ".join(label)
    assert bleu(pred_seq, label_seq, k) == pytest.approx(d2l_formula(pred_seq, label_seq, k),
                                                         rel=1e-12, abs=1e-15)


def test_corpus_bleu_by_hand():
    hyp = "a b c d e".split()
    refs = ["a b c d f".split(), "a b x".split()]
    # matches/totals: 1-grams 4/5, 2-grams 3/4, 3-grams 2/3, 4-grams 1/2; closest ref length 5
    # = hypothesis length, so BP = exp(1 - 5/5) = 1
    expected = 100 * (4 / 5 * 3 / 4 * 2 / 3 * 1 / 2) ** 0.25
    assert corpus_bleu([hyp], [refs]) == pytest.approx(expected, rel=1e-12)


def test_corpus_bleu_sums_counts_over_the_corpus():
    hyps = [["a", "b"], ["c", "d", "e"]]
    refs = [[["a", "b"]], [["c", "d", "x"]]]
    # unigrams (2 + 2)/(2 + 3), bigrams (1 + 1)/(1 + 2); max_order=2; lengths 5 vs 5
    expected = 100 * math.sqrt(4 / 5 * 2 / 3)
    assert corpus_bleu(hyps, refs, max_order=2) == pytest.approx(expected, rel=1e-12)


def test_corpus_bleu_clipping_brevity_and_ties():
    # clipped: "the" counts once against a reference holding it once
    assert corpus_bleu([["the"] * 4], [[["the", "cat"]]], max_order=1) == pytest.approx(25.0)
    # 4 tokens, references of 3 and 5: tie, the shorter (3) is used, so c > r and BP = 1
    hyp = ["a", "b", "c", "d"]
    tie = [["a", "b", "c"], ["a", "b", "c", "d", "e"]]
    assert corpus_bleu([hyp], [tie], max_order=1) == pytest.approx(100.0)
    # only the 5-token reference: BP = exp(1 - 5/4)
    assert corpus_bleu([hyp], [tie[1:]], max_order=1) == pytest.approx(100 * math.exp(-0.25))
    # a reference counts as many times as it holds an n-gram, best reference per n-gram
    assert corpus_bleu([["a", "a"]], [[["a", "b"], ["b", "a", "a"]]], max_order=1) == 100.0


def test_corpus_bleu_zero_cases_and_errors():
    assert corpus_bleu([["x", "y", "z", "w"]], [[["a", "b", "c", "d"]]]) == 0.0
    assert corpus_bleu([["a", "b", "c"]], [[["a", "b", "c"]]]) == 0.0   # no 4-grams at all
    assert corpus_bleu([[]], [[["a"]]]) == 0.0
    with pytest.raises(ValueError, match="2 hypotheses but 1"):
        corpus_bleu([["a"], ["b"]], [[["a"]]])
    with pytest.raises(ValueError, match="sentence 0"):
        corpus_bleu([["a"]], [[]])
    with pytest.raises(ValueError, match="sentence 0"):
        corpus_bleu(["a b"], [[["a", "b"]]])


@pytest.fixture(scope="module")
def real_groups():
    """About 1,000 sources from fra.txt with all their references (many have several)."""
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")
    lines = read_text(FRA_TXT).split("\n")[20000:21500]
    source, target = tokenize_nmt(preprocess_nmt("\n".join(lines)))
    groups = {}
    for s, t in zip(source, target):
        groups.setdefault(tuple(s), []).append(t)
    return list(groups.values())


def hypotheses_from(groups, seed):
    """Plausible system outputs: a reference, edited by a random drop, swap or substitution."""
    rng = np.random.default_rng(seed)
    words = [w for refs in groups for ref in refs for w in ref]
    hyps = []
    for refs in groups:
        hyp = list(refs[rng.integers(len(refs))])
        edit = rng.integers(4)
        i = rng.integers(len(hyp))
        if edit == 0 and len(hyp) > 1:
            del hyp[i]
        elif edit == 1:
            j = rng.integers(len(hyp))
            hyp[i], hyp[j] = hyp[j], hyp[i]
        elif edit == 2:
            hyp[i] = words[rng.integers(len(words))]
        hyps.append(hyp)
    return hyps


@pytest.mark.parametrize("seed", [0, 1])
def test_corpus_bleu_equals_sacrebleu_on_real_data(real_groups, seed):
    groups = real_groups
    hyps = hypotheses_from(groups, seed)
    # Score against the other references too, and drop the first reference of half the
    # sentences so that hypotheses are not always identical to some reference.
    refs = [g[1:] if len(g) > 1 and i % 2 else g for i, g in enumerate(groups)]
    assert len(groups) > 250 and max(len(r) for r in refs) >= 3
    ours = corpus_bleu(hyps, refs)

    streams = [[" ".join(r[j]) if j < len(r) else None for r in refs]
               for j in range(max(len(r) for r in refs))]
    theirs = sacrebleu.corpus_bleu([" ".join(h) for h in hyps], streams, tokenize="none",
                                   force=True, smooth_method="none")
    assert 20 < ours < 95                                  # a score with room on both sides
    assert ours == pytest.approx(theirs.score, rel=1e-6, abs=1e-9)
    # and sentence by sentence, where most scores are 0 or partial
    for h, r in list(zip(hyps, refs))[:60]:
        theirs = sacrebleu.corpus_bleu([" ".join(h)], [[" ".join(x)] for x in r],
                                       tokenize="none", force=True, smooth_method="none")
        assert corpus_bleu([h], [r]) == pytest.approx(theirs.score, rel=1e-6, abs=1e-9)
