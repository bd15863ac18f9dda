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


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["mask", "mask with an empty row", "mask all zero"])
def test_a_masked_loss_of_a_linear_layer_matches_torch(name, dtype):
    """d2l's output layer and masked loss: logits = linear(tanh(h)) (B, T, V), used once more
    outside the loss so that the loss's row gradient meets a dense one. The linear layer gets
    the gradient of the kept rows only; every gradient is held to torch."""
    (B, T, V), mask = CASES[name][0], CASES[name][1]
    rng = np.random.default_rng(3)
    h, w, b = rng.standard_normal((B, T, 4)), rng.standard_normal((V, 4)), rng.standard_normal(V)
    labels = rng.integers(0, V, (B, T))

    def ours(h, w, b):
        logits = ops.linear(h.tanh(), w, b)
        return ops.cross_entropy(logits, labels, mask) + (logits * logits).mean() * 0.1

    def theirs(h, w, b):
        logits = F.linear(h.tanh(), w, b)
        return torch_cross_entropy(logits, labels, mask) + (logits * logits).mean() * 0.1
    compare_with_torch(ours, theirs, [h, w, b], dtype)
    compare_with_torch(lambda h, w, b: ops.cross_entropy(ops.linear(h.tanh(), w, b), labels, mask),
                       lambda h, w, b: torch_cross_entropy(F.linear(h.tanh(), w, b), labels, mask),
                       [h, w, b], dtype)


@pytest.mark.fused     # readable mode computes every row: no RowGrad
def test_a_host_mask_hands_linear_the_kept_rows_only(float64):
    from minigrad.fast_grads import RowGrad, WeightGrad
    logits_shape, mask = CASES["mask"]                  # 3 of 6 positions kept
    rng = np.random.default_rng(4)
    h = mg.Tensor(rng.standard_normal(logits_shape[:-1] + (4,)), requires_grad=True)
    w = mg.Tensor(rng.standard_normal((logits_shape[-1], 4)), requires_grad=True)
    logits = ops.linear(h, w)
    loss = ops.cross_entropy(logits, rng.integers(0, 5, logits_shape[:-1]), mask)
    (row_grad,) = loss._backward(mg.backend.xp.asarray(1.0))
    assert type(row_grad) is RowGrad and row_grad.shape == logits_shape
    np.testing.assert_array_equal(host(row_grad.rows), np.flatnonzero(mask))
    assert row_grad.values.shape == (3, 5)
    grad_h, grad_w, _ = logits._backward(row_grad)     # no bias: None
    assert type(grad_h) is RowGrad and grad_h.values.shape == (3, 4)
    assert type(grad_w) is WeightGrad and grad_w.rows == 3     # the product over 3 rows
    dense = host(row_grad.dense())
    assert not dense.reshape(-1, 5)[np.flatnonzero(mask == 0)].any()
    buffer = mg.backend.xp.ones(logits_shape)
    np.testing.assert_array_equal(host(row_grad.add_into(buffer)), dense + 1)
    assert "3 of its 6 rows" in repr(row_grad)


@pytest.mark.fused
def test_a_mask_on_the_device_is_not_read_back():
    """A mask that is a Tensor on a device backend would need a sync to find its kept rows:
    the loss runs over every row instead, with no sync (the fast path: its kernel checks the
    mask's values; readable mode reads the mask to check it)."""
    mg.set_backend("strict")
    logits, labels, mask = case("mask")
    x = mg.Tensor(logits, requires_grad=True)
    with mg.testing.counter.counting() as counts:
        loss = ops.cross_entropy(x, labels, mg.Tensor(mask))
        loss.backward()
    assert counts.syncs == 0, dict(counts.sync_sites)
    np.testing.assert_allclose(loss.item(), torch_cross_entropy(torch.tensor(logits), labels,
                                                                mask).item(), rtol=1e-6)
