"""additive_scores (fused) and additive_scores_composed: against PyTorch, against each other,
by gradcheck, with one query per example (a decoder step) and several, without and with valid
lengths (the fused op then scores only the kept keys), and their errors."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_twins, compare_with_torch

SIZES = {  # (B, Q, K, h)
    "one query": (3, 1, 5, 4),
    "several queries": (2, 3, 4, 5),
    "one key, h 1": (2, 2, 1, 1),
}
OPS = {"fused": ops.additive_scores, "composed": ops.additive_scores_composed}


def arrays(sizes, seed=0):
    """Projected queries (B, Q, h), projected keys (B, K, h) and w_v's weight (1, h)."""
    B, Q, K, h = sizes
    rng = np.random.default_rng(seed)
    return [rng.standard_normal((B, Q, h)), rng.standard_normal((B, K, h)),
            rng.uniform(-1, 1, (1, h))]


def torch_scores(q, k, weight):
    """d2l's w_v(tanh(q.unsqueeze(2) + k.unsqueeze(1))).squeeze(-1)."""
    return torch.nn.functional.linear(torch.tanh(q.unsqueeze(2) + k.unsqueeze(1)),
                                      weight).squeeze(-1)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("sizes", SIZES)
def test_matches_torch(sizes, op, dtype):
    _, out = compare_with_torch(OPS[op], torch_scores, arrays(SIZES[sizes]), dtype)
    B, Q, K, _ = SIZES[sizes]
    assert out.shape == (B, Q, K)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("sizes", SIZES)
def test_gradcheck(sizes, op):
    check_gradients(OPS[op], arrays(SIZES[sizes], seed=1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", SIZES)
def test_fused_matches_composed_twin(sizes, dtype):
    compare_twins(ops.additive_scores, ops.additive_scores_composed,
                  arrays(SIZES[sizes], seed=2), dtype)


def test_inputs_without_grad_get_none_and_the_rest_is_right(float64):
    """Only the weight requires grad (frozen encoder and queries): its gradient is exact."""
    q, k, w = arrays(SIZES["several queries"], seed=3)
    weights = [mg.Tensor(w, requires_grad=True) for _ in range(2)]
    upstream = mg.Tensor(np.random.default_rng(4).standard_normal((2, 3, 4)))
    for op, weight in zip(OPS.values(), weights):
        out = op(mg.Tensor(q), mg.Tensor(k), weight)
        out.backward(upstream)
    np.testing.assert_allclose(mg.backend.to_numpy(weights[0].grad),
                               mg.backend.to_numpy(weights[1].grad), rtol=1e-12)


def test_shape_errors():
    q, k, w = (mg.Tensor(np.ones(s)) for s in ((2, 1, 4), (2, 5, 4), (1, 4)))
    expected = r"additive_scores: expected projected queries \(B, Q, h\), projected keys " \
               r"\(B, K, h\) and weight \(1, h\) with one B and h; got "
    with pytest.raises(ValueError, match=expected + r"queries \(2, 1, 4\), keys \(3, 5, 4\)"):
        ops.additive_scores(q, mg.Tensor(np.ones((3, 5, 4))), w)
    with pytest.raises(ValueError, match=expected + r".*keys \(2, 5, 3\)"):
        ops.additive_scores(q, mg.Tensor(np.ones((2, 5, 3))), w)
    with pytest.raises(ValueError, match=expected + r".*weight \(4,\)"):
        ops.additive_scores(q, k, mg.Tensor(np.ones(4)))
    with pytest.raises(ValueError, match=expected + r"queries \(2, 4\)"):
        ops.additive_scores(mg.Tensor(np.ones((2, 4))), k, w)


# valid lengths for the "several queries" sizes (B=2, Q=3, K=4): per example, with an empty
# and a full row, and per query
LENGTHS = {"per example": [0, 4], "per example, partial": [3, 1],
           "per query": [[1, 4, 0], [2, 3, 4]]}


def masked_torch_scores(lens):
    """d2l's scores, then masked_softmax's masking: -1e6 at keys j >= valid_len."""
    def scores(q, k, weight):
        full = torch_scores(q, k, weight)
        K = full.shape[-1]
        keep = torch.arange(K) < torch.as_tensor(lens).reshape(full.shape[0], -1, 1)
        return torch.where(keep, full, torch.full_like(full, -1e6))
    return scores


def with_lengths(op, lens):
    return lambda q, k, w: op(q, k, w, valid_lens=np.array(lens))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("lens", LENGTHS)
def test_masked_matches_torch(lens, op, dtype):
    compare_with_torch(with_lengths(OPS[op], LENGTHS[lens]), masked_torch_scores(LENGTHS[lens]),
                       arrays(SIZES["several queries"], seed=5), dtype)


@pytest.mark.parametrize("op", OPS)
@pytest.mark.parametrize("lens", LENGTHS)
def test_masked_gradcheck(lens, op):
    """The kept scores only: the -1e6 constants would swamp central differences in float64."""
    B, Q, K, _ = SIZES["several queries"]
    keep = mg.Tensor((np.arange(K) < np.reshape(LENGTHS[lens], (B, -1, 1))).astype(float))
    scores = with_lengths(OPS[op], LENGTHS[lens])
    check_gradients(lambda q, k, w: scores(q, k, w) * keep, arrays(SIZES["several queries"], 6))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lens", LENGTHS)
def test_masked_fused_matches_composed_twin(lens, dtype):
    compare_twins(with_lengths(ops.additive_scores, LENGTHS[lens]),
                  with_lengths(ops.additive_scores_composed, LENGTHS[lens]),
                  arrays(SIZES["several queries"], seed=7), dtype)


@pytest.mark.parametrize("sizes", ["one query", "several queries"])
def test_the_full_block_path_matches_the_kept_pairs_path(sizes, float64, monkeypatch):
    """Per-query lengths take the full (B, Q, K, h) block and mask it; the same lengths per
    example take the kept pairs (on the CPU; kernels on a device). Both give one result,
    forward and gradients."""
    lens = np.array([2, 0, 5] if sizes == "one query" else [3, 0])
    inputs = [[mg.Tensor(a, requires_grad=True) for a in arrays(SIZES[sizes], seed=8)]
              for _ in range(2)]
    kept = ops.additive_scores(*inputs[0], valid_lens=lens)
    per_query = np.repeat(lens[:, None], inputs[1][0].shape[1], axis=1)    # (B, Q)
    full = ops.additive_scores(*inputs[1], valid_lens=per_query)
    upstream = mg.Tensor(np.random.default_rng(9).standard_normal(kept.shape))
    kept.backward(upstream)
    full.backward(upstream)
    np.testing.assert_allclose(mg.backend.to_numpy(kept.data), mg.backend.to_numpy(full.data),
                               rtol=1e-12)
    for a, b in zip(*inputs):
        np.testing.assert_allclose(mg.backend.to_numpy(a.grad), mg.backend.to_numpy(b.grad),
                                   rtol=1e-12, atol=1e-14)


def test_valid_lens_out_of_range_is_refused():
    q, k, w = (mg.Tensor(a) for a in arrays(SIZES["one query"]))
    with pytest.raises(ValueError, match=r"additive_scores: valid_lens must lie in \[0, 5\]"):
        ops.additive_scores(q, k, w, valid_lens=np.array([1, 6, 2]))


# additive_attention_weights: the softmax of the scores, one op, against the two ops it stands
# for (masked_softmax of additive_scores_composed) and against torch
WEIGHT_LENGTHS = dict(LENGTHS, **{"none": None})


def composed_weights(lens):
    return lambda q, k, w: ops.masked_softmax(
        ops.additive_scores_composed(q, k, w, valid_lens=lens), lens)


def torch_weights(lens):
    def weights(q, k, w):
        scores = torch_scores(q, k, w) if lens is None else masked_torch_scores(lens)(q, k, w)
        return torch.softmax(scores, dim=-1)
    return weights


def fused_weights(lens):
    return lambda q, k, w: ops.additive_attention_weights(q, k, w, lens)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lens", WEIGHT_LENGTHS)
def test_attention_weights_match_torch(lens, dtype):
    lens = None if WEIGHT_LENGTHS[lens] is None else np.array(WEIGHT_LENGTHS[lens])
    compare_with_torch(fused_weights(lens), torch_weights(lens),
                       arrays(SIZES["several queries"], seed=10), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("lens", WEIGHT_LENGTHS)
def test_attention_weights_match_the_composed_ops(lens, dtype):
    """Against masked_softmax(additive_scores_composed(...)): a row with valid length 0
    (the "per example" lengths) is uniform in both, and gets no gradient in both."""
    lens = None if WEIGHT_LENGTHS[lens] is None else np.array(WEIGHT_LENGTHS[lens])
    compare_twins(fused_weights(lens), composed_weights(lens),
                  arrays(SIZES["several queries"], seed=11), dtype)


@pytest.mark.parametrize("sizes", ["one query", "several queries"])
def test_attention_weights_gradcheck(sizes):
    lens = np.array([2, 0, 5] if sizes == "one query" else [3, 1])
    check_gradients(fused_weights(lens), arrays(SIZES[sizes], seed=12))


def test_attention_weights_refuse_what_the_scores_refuse():
    q, k, w = (mg.Tensor(a) for a in arrays(SIZES["one query"]))
    with pytest.raises(ValueError, match=r"additive_scores: valid_lens must lie in \[0, 5\]"):
        ops.additive_attention_weights(q, k, w, valid_lens=np.array([1, 6, 2]))
    with pytest.raises(ValueError, match=r"additive_scores: expected projected queries"):
        ops.additive_attention_weights(q, mg.Tensor(np.ones((3, 5, 3))), w)
