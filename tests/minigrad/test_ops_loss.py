"""cross_entropy (fused) and cross_entropy_composed, with and without a mask."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_twins, compare_with_torch, host


def torch_cross_entropy(logits, labels, mask=None):
    """Mean token cross-entropy over positions where mask != 0 (0 when there are none)."""
    vocab = logits.shape[-1]
    losses = F.cross_entropy(logits.reshape(-1, vocab), torch.as_tensor(labels).reshape(-1).long(),
                             reduction="none")
    if mask is None:
        return losses.mean()
    weights = torch.as_tensor(mask).reshape(-1).to(logits.dtype)
    return (losses * weights).sum() / weights.sum().clamp(min=1)


CASES = {  # name: (logits shape, mask or None); labels are drawn to fit
    "2-D": ((4, 5), None),
    "3-D": ((2, 3, 5), None),
    "batch 1, one step": ((1, 1, 4), None),
    "one class": ((3, 1), None),
    "mask": ((2, 3, 5), np.array([[1, 1, 0], [1, 0, 0]])),
    "bool mask": ((2, 3, 5), np.array([[True, True, True], [True, False, False]])),
    "mask with an empty row": ((2, 3, 5), np.array([[0, 0, 0], [1, 1, 0]], dtype=np.float64)),
    "mask all zero": ((2, 2, 3), np.zeros((2, 2))),
}


def case(name, seed=0):
    shape, mask = CASES[name]
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal(shape) * 2
    labels = rng.integers(0, shape[-1], shape[:-1])
    return logits, labels, mask


@pytest.mark.parametrize("op", [ops.cross_entropy, ops.cross_entropy_composed],
                         ids=["fused", "composed"])
@pytest.mark.parametrize("name", CASES)
def test_cross_entropy_gradcheck(name, op):
    logits, labels, mask = case(name)
    check_gradients(lambda t: op(t, labels, mask), [logits])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", [ops.cross_entropy, ops.cross_entropy_composed],
                         ids=["fused", "composed"])
@pytest.mark.parametrize("name", CASES)
def test_cross_entropy_matches_torch(name, op, dtype):
    logits, labels, mask = case(name)
    _, out = compare_with_torch(lambda t: op(t, labels, mask),
                                lambda t: torch_cross_entropy(t, labels, mask), [logits], dtype)
    assert out.shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", CASES)
def test_fused_matches_composed_twin(name, dtype):
    logits, labels, mask = case(name)
    compare_twins(lambda t: ops.cross_entropy(t, labels, mask),
                  lambda t: ops.cross_entropy_composed(t, labels, mask), [logits], dtype)


def test_all_zero_mask_gives_zero_loss_and_gradient(float64):
    logits, labels, mask = case("mask all zero")
    x = mg.Tensor(logits, requires_grad=True)
    loss = ops.cross_entropy(x, labels, mask)
    loss.backward()
    assert loss.item() == 0.0
    assert not host(x.grad).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_logits_are_stable(dtype):
    logits = np.array([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]])
    labels = np.array([1, 2])
    for op in (ops.cross_entropy, ops.cross_entropy_composed):
        _, out = compare_with_torch(lambda t: op(t, labels),
                                    lambda t: torch_cross_entropy(t, labels), [logits], dtype)
        assert np.isfinite(out.item())


def test_labels_and_mask_may_be_tensors(float64):
    logits, labels, mask = case("mask")
    compare_with_torch(lambda t: ops.cross_entropy(t, mg.Tensor(labels), mg.Tensor(mask)),
                       lambda t: torch_cross_entropy(t, labels, mask), [logits], "float64")


def test_float32_loss_stays_float32():
    logits, labels, mask = case("mask")
    for op in (ops.cross_entropy, ops.cross_entropy_composed):
        loss = op(mg.Tensor(logits, requires_grad=True), labels, mask)
        assert loss.dtype == np.float32
        loss.backward()


@pytest.mark.parametrize("op", [ops.cross_entropy, ops.cross_entropy_composed],
                         ids=["fused", "composed"])
def test_cross_entropy_errors(op):
    logits = mg.Tensor(np.ones((2, 3, 5)))
    with pytest.raises(ValueError, match=r"cross_entropy: labels have shape \(2, 4\), expected "
                                         r"\(2, 3\) for logits of shape \(2, 3, 5\)"):
        op(logits, np.zeros((2, 4), dtype=int))
    with pytest.raises(IndexError, match=r"cross_entropy: labels contain 5, out of range for 5 "
                                        r"classes \(valid labels are 0\.\.4\)"):
        op(logits, np.full((2, 3), 5))
    with pytest.raises(TypeError, match="cross_entropy: labels must be integers, got dtype "
                                        "float64"):
        op(logits, np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"cross_entropy: mask has shape \(3,\), expected "
                                         r"\(2, 3\)"):
        op(logits, np.zeros((2, 3), dtype=int), np.ones(3))
