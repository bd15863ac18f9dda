"""No out-of-bounds read on a device: labels and valid lengths that live on the device are
checked by the kernels (no sync), and a bad one is a clear IndexError when the loss is read,
naming the op, the value and the allowed range. Host arrays keep their immediate errors.

Run on the strict backend, whose kernels execute on the host (a bad label used to read far
outside the logits: a segmentation fault)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops

pytestmark = [pytest.mark.numpy_only, pytest.mark.fused]


@pytest.fixture
def strict():
    mg.set_backend("strict")
    yield
    mg.set_backend("numpy")


@pytest.mark.parametrize("bad", [10**6, 7, -1])
def test_a_device_label_out_of_range_is_an_index_error_at_the_losss_read(bad, strict):
    x = mg.Tensor(np.random.default_rng(0).standard_normal((2, 3)), requires_grad=True)
    loss = ops.cross_entropy(x, mg.Tensor([0, bad]))          # no error yet: no sync
    with pytest.raises(IndexError, match=rf"^cross_entropy: labels contain {bad}, out of "
                                         r"range \(allowed 0\.\.2\)"):
        loss.item()
    loss.backward()                                           # never reads through the label
    good = ops.cross_entropy(x, mg.Tensor([0, 2]))
    assert np.isfinite(good.item())                           # the slot was cleared


@pytest.mark.parametrize("lens, bad", [([2, 5], 5), ([[1, 2, 3], [4, 0, -2]], -2)])
def test_device_valid_lens_out_of_range_are_an_index_error_at_the_read(lens, bad, strict):
    scores = mg.Tensor(np.random.default_rng(0).standard_normal((2, 3, 4)))
    weights = ops.masked_softmax(scores, mg.Tensor(lens))
    with pytest.raises(IndexError, match=rf"^masked_softmax: valid_lens contain {bad}, out of "
                                         r"range \(allowed 0\.\.4\)"):
        weights.sum().item()


def test_host_labels_keep_their_immediate_error(strict):
    x = mg.Tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"cross_entropy: labels contain 7, out of range for 3 "
                                         r"classes"):
        ops.cross_entropy(x, np.array([0, 7]))


def test_a_nan_of_the_numbers_is_left_as_it_is(strict):
    x = mg.Tensor(np.array([[np.nan, 0.0, 1.0]]))
    assert np.isnan(ops.cross_entropy(x, mg.Tensor([1])).item())


@pytest.mark.parametrize("mask, message", [
    ([1.0, 0.5], r"^cross_entropy: mask must be boolean or 0/1, got the value 0\.5 \(1 entries"),
    ([2, 0], r"^cross_entropy: mask must be boolean or 0/1, got the value 2 "),
    ([float("nan"), 1.0], r"^cross_entropy: mask must be boolean or 0/1, got the value nan")])
def test_a_mask_that_is_not_0_or_1_is_refused(mask, message):
    x = mg.Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=message):
        ops.cross_entropy(x, np.array([0, 1]), np.array(mask))
    assert ops.cross_entropy(x, np.array([0, 1]), np.array([True, False])).item() == \
        pytest.approx(np.log(3))


def test_device_ids_out_of_range_in_an_embedding_are_named(strict):
    weight = mg.Tensor(np.zeros((5, 2)), requires_grad=True)
    with pytest.raises(IndexError, match=r"^embedding: ids contain 1000000, out of range "
                                         r"\(allowed 0\.\.4\)$"):
        ops.embedding(mg.Tensor([[0, 10**6]]), weight)


def test_a_flagged_label_is_reported_with_the_range_it_broke(strict):
    # a 5-class loss meets label 7, then a 3-class loss runs before the read
    x5 = mg.Tensor(np.zeros((2, 5)), requires_grad=True)
    x3 = mg.Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = ops.cross_entropy(x5, mg.Tensor([0, 7])) + ops.cross_entropy(x3, mg.Tensor([0, 1]))
    with pytest.raises(IndexError, match=r"labels contain 7, out of range \(allowed 0\.\.4\)"):
        loss.item()
