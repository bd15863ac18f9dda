"""No out-of-bounds read on a device: labels and valid lengths that live on the device are
checked by the kernels (no sync), and a bad one is a clear IndexError when the loss is read,
naming the op, the value and the allowed range. Host arrays keep their immediate errors.

Run on the strict backend, whose kernels execute on the host (a bad label used to read far
outside the logits: a segmentation fault)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops
from minigrad.testing import counter

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


@pytest.mark.parametrize("bad", [10**6, 5, -1])
def test_device_ids_out_of_range_in_an_embedding_are_named_at_the_read(bad, strict):
    """Device ids (greedy decoding feeds its argmax back) are checked by the lookup's kernel,
    without a sync; CuPy's own indexing would wrap a bad id round silently."""
    weight = mg.Tensor(np.arange(10.0).reshape(5, 2), requires_grad=True)
    ids = mg.Tensor([[0, bad], [4, 1]])
    with counter.counting() as counts:
        y = ops.embedding(ids, weight)                        # no error yet: no sync
    assert counts.syncs == 0 and counts.by_op.get("embedding_forward") == 1, dict(
        counts.by_op)
    with pytest.raises(IndexError, match=rf"^embedding: ids contain {bad}, out of range "
                                         r"\(allowed 0\.\.4\)"):
        (y * y).sum().item()
    (y * y).sum().backward()                      # the bad id's gradient stays in the weight
    good = ops.embedding(mg.Tensor([[0, 3], [4, 1]]), weight)
    np.testing.assert_array_equal(good.numpy()[:, :, 0], [[0, 6], [8, 2]])  # slot cleared
    expected = ops.embedding(np.array([[0, 3], [4, 1]]), weight)     # host ids: getitem
    np.testing.assert_array_equal(good.numpy(), expected.numpy())


def test_a_device_mask_that_is_not_0_or_1_is_named_at_the_read(strict):
    x = mg.Tensor(np.zeros((3, 4)), requires_grad=True)
    for mask, shown in (([1.0, 0.5, 0.0], "0.5"), ([2, 0, 1], "2.0"), ([np.nan, 1, 1], "nan")):
        with counter.counting() as counts:
            loss = ops.cross_entropy(x, mg.Tensor([0, 1, 2]), mg.Tensor(mask))
        assert counts.syncs == 0, dict(counts.sync_sites)
        with pytest.raises(ValueError, match=rf"^cross_entropy: mask must be boolean or 0/1, "
                                             rf"got the value {shown} \(found on the device"):
            loss.item()
    good = ops.cross_entropy(x, mg.Tensor([0, 1, 2]), mg.Tensor([True, False, True]))
    assert good.item() == pytest.approx(np.log(4))            # the slot was cleared


def test_a_flag_is_raised_by_the_numpy_read_that_sees_its_nan_and_cleared(strict):
    """A flag that a .numpy() read left in place surfaced at the next .item() that met a NaN,
    which could be a NaN of the numbers from another op."""
    scores = mg.Tensor(np.zeros((2, 3, 4)))
    weights = ops.masked_softmax(scores, mg.Tensor([2, 5]))
    with pytest.raises(IndexError, match=r"^masked_softmax: valid_lens contain 5, out of "
                                         r"range \(allowed 0\.\.4\)"):
        weights.numpy()
    x = mg.Tensor(np.array([[np.nan, 0.0, 1.0]]))
    assert np.isnan(ops.cross_entropy(x, mg.Tensor([1])).item())   # its own NaN, no error
    assert weights[0].numpy().tolist() == [[0.5, 0.5, 0, 0]] * 3   # a clean read: no error


def test_every_flag_is_named_and_cleared_at_once(strict):
    scores = mg.Tensor(np.zeros((2, 3, 4)))
    weights = ops.masked_softmax(scores, mg.Tensor([2, 5]))
    y = ops.embedding(mg.Tensor([9]), mg.Tensor(np.zeros((3, 2))))
    with pytest.raises(IndexError, match=r"^masked_softmax: valid_lens contain 5, .*\(also "
                                         r"flagged: embedding: ids contain 9, out of range "
                                         r"\(allowed 0\.\.2\)\)$"):
        (weights.sum() + y.sum()).item()
    x = mg.Tensor(np.array([[np.nan, 0.0, 1.0]]))
    assert np.isnan(ops.cross_entropy(x, mg.Tensor([1])).item())


@pytest.mark.parametrize("call, error, message", [
    (lambda: ops.masked_softmax(mg.Tensor(np.zeros((2, 3, 4))), mg.Tensor([2, 5])),
     ValueError, r"^masked_softmax: valid_lens must lie in \[0, 4\] for 4 keys, got values "
                 r"from 2 to 5"),
    (lambda: ops.masked_softmax(mg.Tensor(np.zeros((2, 3, 4))), mg.Tensor([[1, 2, 3],
                                                                           [0, -1, 4]])),
     ValueError, r"^masked_softmax: valid_lens must lie in \[0, 4\] .* from -1 to 4"),
    (lambda: ops.additive_attention_weights(*_additive_inputs(), mg.Tensor([1, 6])),
     ValueError, r"^additive_scores: valid_lens must lie in \[0, 5\] for 5 keys, got values "
                 r"from 1 to 6"),
    (lambda: ops.embedding(mg.Tensor([0, 7]), mg.Tensor(np.zeros((5, 2)))),
     IndexError, r"^embedding: ids contain 7, out of range for 5 embeddings"),
    (lambda: ops.cross_entropy(mg.Tensor(np.zeros((2, 3))), mg.Tensor([0, -3])),
     IndexError, r"^cross_entropy: labels contain -3, out of range for 3 classes"),
    (lambda: ops.cross_entropy(mg.Tensor(np.zeros((2, 3))), mg.Tensor([0, 1]),
                               mg.Tensor([1.0, 0.5])),
     ValueError, r"^cross_entropy: mask must be boolean or 0/1, got the value 0\.5")])
def test_readable_mode_on_a_device_checks_at_once(call, error, message, strict):
    """Readable mode runs no kernel, so no flag: it reads device values and checks them at
    the call, with the host's messages (it took lengths of 5 for 4 keys without a word)."""
    mg.set_readable(True)
    with pytest.raises(error, match=message):
        call()


def _additive_inputs():
    rng = np.random.default_rng(0)
    return (mg.Tensor(rng.standard_normal((2, 1, 3))), mg.Tensor(rng.standard_normal((2, 5, 3))),
            mg.Tensor(rng.standard_normal((1, 3))))


def test_a_flagged_label_is_reported_with_the_range_it_broke(strict):
    # a 5-class loss meets label 7, then a 3-class loss runs before the read
    x5 = mg.Tensor(np.zeros((2, 5)), requires_grad=True)
    x3 = mg.Tensor(np.zeros((2, 3)), requires_grad=True)
    loss = ops.cross_entropy(x5, mg.Tensor([0, 7])) + ops.cross_entropy(x3, mg.Tensor([0, 1]))
    with pytest.raises(IndexError, match=r"labels contain 7, out of range \(allowed 0\.\.4\)"):
        loss.item()


@pytest.mark.parametrize("lens, bad", [([1, 6], 6), ([[0], [-1]], -1)])
def test_device_valid_lens_out_of_range_in_additive_scores_are_named_at_the_read(lens, bad,
                                                                                strict):
    """The additive score's kernel clamped a length past K to K and took a negative one as
    0, silently, when the scores were used without masked_softmax after them."""
    q, k, w = _additive_inputs()
    with counter.counting() as counts:
        scores = ops.additive_scores(q, k, w, valid_lens=mg.Tensor(lens))
    assert counts.syncs == 0, dict(counts.sync_sites)
    with pytest.raises(IndexError, match=rf"^additive_scores: valid_lens contain {bad}, out of "
                                         r"range \(allowed 0\.\.5\)"):
        scores.numpy()
    assert np.isfinite(ops.additive_scores(q, k, w, valid_lens=mg.Tensor([1, 5])).numpy()).all()
