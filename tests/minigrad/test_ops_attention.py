"""additive_scores (fused) and additive_scores_composed: against PyTorch, against each other,
by gradcheck, with one query per example (a decoder step) and several, and their errors."""
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
