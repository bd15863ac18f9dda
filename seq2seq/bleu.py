"""BLEU: how many of a translation's n-grams appear in the reference(s).

Two flavours, for two jobs:

- ``bleu(pred_seq, label_seq, k)``: d2l's sentence score, for eyeballing single translations
  the way the book does (``go .`` -> ``va !``, bleu 1.000).
- ``corpus_bleu(hypotheses, references_list)``: standard corpus BLEU-4 (Papineni et al., 2002)
  with several references per sentence, the benchmark's score. It equals sacrebleu's
  ``corpus_bleu(..., tokenize='none', smooth_method='none')`` on the same tokens.
"""
import collections
import math


def bleu(pred_seq, label_seq, k):
    """d2l's sentence BLEU of a prediction against one label; both are space-separated strings.

    .. math::
        \\exp\\left(\\min\\left(0, 1 - \\frac{len_{label}}{len_{pred}}\\right)\\right)
        \\prod_{n=1}^{k} p_n^{1/2^n}

    ``p_n`` is the fraction of the prediction's n-grams that match a label n-gram, each label
    n-gram matching at most once. Longer n-grams weigh more (``1/2^n``), and the brevity factor
    punishes predictions shorter than the label. Tokens are ``seq.split(' ')``, as in d2l.

    As in d2l, the product stops at ``n = min(k, len_pred)``: a prediction with fewer than
    ``k`` tokens has no n-grams of the higher orders, and those orders are left out rather
    than counted as zero (so ``bleu("va", "va !", k=2)`` is ``exp(1 - 2/1) * 1``). An empty
    string splits into one empty token, as in d2l.
    """
    if not isinstance(pred_seq, str) or not isinstance(label_seq, str):
        raise TypeError(f"bleu: pred_seq and label_seq must be strings, got "
                        f"{type(pred_seq).__name__} and {type(label_seq).__name__}")
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"bleu: k must be an int >= 1, got {k!r}")
    pred_tokens, label_tokens = pred_seq.split(" "), label_seq.split(" ")
    len_pred, len_label = len(pred_tokens), len(label_tokens)
    score = math.exp(min(0.0, 1 - len_label / len_pred))
    for n in range(1, min(k, len_pred) + 1):
        num_pred_ngrams = len_pred - n + 1
        label_counts = _ngram_counts(label_tokens, n)
        num_matches = 0
        for ngram in _ngrams(pred_tokens, n):
            if label_counts[ngram] > 0:        # each label n-gram can be matched once
                num_matches += 1
                label_counts[ngram] -= 1
        score *= math.pow(num_matches / num_pred_ngrams, math.pow(0.5, n))
    return score


def corpus_bleu(hypotheses, references_list, max_order=4):
    """Corpus BLEU in percent (0..100) of token-list hypotheses against token-list references.

    ``hypotheses[i]`` is a token list; ``references_list[i]`` is a non-empty list of reference
    token lists for the same sentence. Counts are summed over the whole corpus first:

    .. math::
        p_n = \\frac{\\sum_i \\sum_{g \\in \\text{n-grams}(h_i)} \\min(c_{h_i}(g),
              \\max_r c_{r}(g))}{\\sum_i |\\text{n-grams}(h_i)|}, \\qquad
        \\mathrm{BLEU} = 100 \\cdot BP \\cdot \\exp\\Big(\\frac{1}{N}\\sum_{n=1}^{N} \\log p_n\\Big)

    with ``N = max_order``, hypothesis length ``c = sum |h_i|``, reference length ``r`` = sum
    over sentences of the reference length closest to ``|h_i|`` (ties go to the shorter one),
    and brevity penalty ``BP = 1`` if ``c > r`` else ``exp(1 - r / c)``. No smoothing: if some
    order has no match at all, or the hypotheses are empty, the score is 0.
    """
    if len(hypotheses) != len(references_list):
        raise ValueError(f"corpus_bleu: {len(hypotheses)} hypotheses but "
                         f"{len(references_list)} reference lists")
    matches = [0] * max_order   # clipped n-gram matches, by order
    totals = [0] * max_order    # hypothesis n-grams, by order
    hyp_length = ref_length = 0
    for i, (hyp, refs) in enumerate(zip(hypotheses, references_list)):
        if isinstance(hyp, str) or len(refs) == 0 or any(isinstance(r, str) for r in refs):
            raise ValueError(f"corpus_bleu: sentence {i}: expected a token list and a non-empty "
                             f"list of reference token lists, got {hyp!r} and {refs!r}")
        hyp_length += len(hyp)
        ref_length += min((abs(len(r) - len(hyp)), len(r)) for r in refs)[1]
        for n in range(1, max_order + 1):
            hyp_counts = _ngram_counts(hyp, n)
            max_ref_counts = collections.Counter()
            for ref in refs:
                max_ref_counts |= _ngram_counts(ref, n)      # |: element-wise max
            matches[n - 1] += sum(min(count, max_ref_counts[g]) for g, count in hyp_counts.items())
            totals[n - 1] += sum(hyp_counts.values())
    if hyp_length == 0 or min(matches) == 0:
        return 0.0
    log_precision = sum(math.log(m / t) for m, t in zip(matches, totals)) / max_order
    brevity_penalty = 1.0 if hyp_length > ref_length else math.exp(1 - ref_length / hyp_length)
    return 100.0 * brevity_penalty * math.exp(log_precision)


def _ngrams(tokens, n):
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def _ngram_counts(tokens, n):
    return collections.Counter(_ngrams(tokens, n))
