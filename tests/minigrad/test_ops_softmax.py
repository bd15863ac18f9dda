"""softmax, log_softmax and masked_softmax, against PyTorch and against their composed twins.

The masked softmax reference is built the way /work/shared/API.md defines it (d2l's way):
scores at key positions >= valid_len are replaced by -1e6, then a plain softmax.
"""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend, ops
from engine_checks import (DTYPES, check_gradients, compare_twins, compare_with_torch, host)


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


AXES = [((2, 3, 4), -1), ((2, 3, 4), 0), ((2, 3, 4), 1), ((5,), 0), ((3, 1), -1), ((1, 1, 1), 2)]


@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmax_composed"])
@pytest.mark.parametrize("shape, axis", AXES, ids=str)
def test_softmax_gradcheck(name, shape, axis):
    op = getattr(ops, name)
    check_gradients(lambda t: op(t, axis), [randn(*shape)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, reference", [("softmax", torch.softmax),
                                             ("log_softmax", torch.log_softmax),
                                             ("softmax_composed", torch.softmax)])
@pytest.mark.parametrize("shape, axis", AXES, ids=str)
def test_softmax_matches_torch(name, reference, shape, axis, dtype):
    op = getattr(ops, name)
    compare_with_torch(lambda t: op(t, axis), lambda t: reference(t, axis), [randn(*shape)], dtype)


@pytest.mark.parametrize("shape, axis", AXES, ids=str)
def test_softmax_matches_its_composed_twin(shape, axis):
    compare_twins(lambda t: ops.softmax(t, axis), lambda t: ops.softmax_composed(t, axis),
                  [randn(*shape)])


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_scores_are_stable(dtype):
    x = np.array([[1000.0, 999.0, -1000.0], [-1e4, -1e4, -1e4 + 1]])
    for name, reference in (("softmax", torch.softmax), ("log_softmax", torch.log_softmax)):
        _, out = compare_with_torch(lambda t: getattr(ops, name)(t, -1),
                                    lambda t: reference(t, -1), [x], dtype)
        assert np.isfinite(host(out)).all()


def test_methods_are_the_ops(float64):
    x = mg.Tensor(randn(2, 3))
    np.testing.assert_array_equal(x.softmax(0).numpy(), ops.softmax(x, 0).numpy())
    np.testing.assert_array_equal(x.log_softmax().numpy(), ops.log_softmax(x, -1).numpy())


# ----------------------------------------------------------------------------- masked softmax

def torch_masked_softmax(X, valid_lens):
    """d2l's masked softmax in PyTorch: masked scores become -1e6, then softmax."""
    if valid_lens is None:
        return torch.softmax(X, dim=-1)
    B, Q, K = X.shape
    lens = torch.as_tensor(valid_lens)
    if lens.ndim == 1:
        lens = lens[:, None].expand(B, Q)                         # (B,) -> (B, Q)
    keep = torch.arange(K)[None, None, :] < lens[:, :, None]      # (B, Q, K)
    return torch.softmax(X.masked_fill(~keep, -1e6), dim=-1)


MASKED = {  # name: (X shape, valid_lens)
    "no lens": ((2, 3, 4), None),
    "lens (B,)": ((2, 3, 4), np.array([2, 3])),
    "lens (B,Q) with a fully masked row": ((2, 3, 4), np.array([[1, 2, 4], [0, 3, 2]])),
    "all full": ((2, 2, 4), np.array([4, 4])),
    "batch 1 fully masked": ((1, 1, 3), np.array([0])),
    "one key": ((2, 2, 1), np.array([1, 0])),
    "one query (B,Q)": ((3, 1, 5), np.array([[5], [1], [0]])),
}


@pytest.mark.parametrize("name", MASKED)
def test_masked_softmax_gradcheck(name):
    shape, lens = MASKED[name]
    check_gradients(lambda t: ops.masked_softmax(t, lens), [randn(*shape)])
    check_gradients(lambda t: ops.masked_softmax_composed(t, lens), [randn(*shape)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", MASKED)
def test_masked_softmax_matches_torch(name, dtype):
    shape, lens = MASKED[name]
    for op in (ops.masked_softmax, ops.masked_softmax_composed):
        compare_with_torch(lambda t: op(t, lens), lambda t: torch_masked_softmax(t, lens),
                           [randn(*shape)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", MASKED)
def test_masked_softmax_matches_its_composed_twin(name, dtype):
    shape, lens = MASKED[name]
    compare_twins(lambda t: ops.masked_softmax(t, lens),
                  lambda t: ops.masked_softmax_composed(t, lens), [randn(*shape)], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_fully_masked_row_is_uniform_and_has_no_nan(dtype):
    mg.set_default_dtype(dtype)
    X = mg.Tensor(randn(2, 3, 4) * 100, requires_grad=True)
    lens = np.array([[0, 2, 4], [0, 0, 1]])
    for op in (ops.masked_softmax, ops.masked_softmax_composed):
        X.grad = None
        y = op(X, lens)
        weights = host(y)
        np.testing.assert_array_equal(weights[0, 0], np.full(4, 0.25, dtype))
        np.testing.assert_array_equal(weights[1, :2], np.full((2, 4), 0.25, dtype))
        assert (weights[0, 1, 2:] == 0).all()   # masked keys get exactly nothing
        y.backward(randn(2, 3, 4, seed=3))
        grad = host(X.grad)
        assert np.isfinite(grad).all()
        assert (grad[0, 0] == 0).all() and (grad[1, :2] == 0).all() and (grad[0, 1, 2:] == 0).all()


def test_valid_lens_may_be_a_tensor_or_a_backend_array():
    lens = np.array([[1, 3], [2, 0]])
    for given in (mg.Tensor(lens), backend.asarray(lens)):
        compare_with_torch(lambda t: ops.masked_softmax(t, given),
                           lambda t: torch_masked_softmax(t, lens), [randn(2, 2, 3)], "float64")


def test_masked_softmax_errors():
    X = mg.Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"masked_softmax: expected scores of shape \(B, Q, K\), "
                                         r"got \(3, 4\)"):
        ops.masked_softmax(mg.Tensor(np.ones((3, 4))), np.array([1, 2, 3]))
    with pytest.raises(ValueError, match=r"masked_softmax: valid_lens has shape \(3,\), expected "
                                         r"\(2,\) or \(2, 3\)"):
        ops.masked_softmax(X, np.array([1, 2, 3]))
    for bad in ([5, 1], [-1, 2]):
        with pytest.raises(ValueError, match=r"masked_softmax: valid_lens must lie in \[0, 4\]"):
            ops.masked_softmax(X, np.array(bad))
    with pytest.raises(TypeError, match="masked_softmax: valid_lens must be integers, got dtype "
                                        "float64"):
        ops.masked_softmax(X, np.array([1.0, 2.0]))


@pytest.mark.parametrize("is_readable", [False, True])
def test_masked_softmax_leaves_its_scores_as_they_were(is_readable):
    """The mask is applied to a new tensor: the same scores masked twice, with other lengths,
    give the second lengths' weights (the readable twin once wrote -1e6 into a view of X)."""
    X = mg.Tensor(np.random.default_rng(0).random((2, 2, 4)))
    before = X.numpy().copy()
    mg.set_readable(is_readable)
    try:
        ops.masked_softmax(X, np.array([2, 3]))
        second = ops.masked_softmax(X, np.array([[1, 3], [2, 4]])).numpy()
    finally:
        mg.set_readable(False)
    np.testing.assert_array_equal(X.numpy(), before)
    assert [int((row > 0).sum()) for row in second.reshape(4, 4)] == [1, 3, 2, 4]
