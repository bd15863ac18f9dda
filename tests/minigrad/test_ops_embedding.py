"""embedding: rows picked by ids of any shape; repeated ids add their gradients up."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import minigrad as mg
from minigrad import backend, ops
from engine_checks import DTYPES, check_gradients, compare_with_torch, host

IDS = {
    "repeated": np.array([1, 1, 4, 0, 1]),
    "2-D with repeats": np.array([[2, 5, 2], [0, 2, 5]]),
    "single": np.array([3]),
    "batch 1, length 1": np.array([[5]]),
    "int32": np.array([0, 5, 5], dtype=np.int32),
    "unused rows": np.array([[0, 0], [0, 0]]),
}


def weight(num=6, dim=3):
    return np.random.default_rng(0).standard_normal((num, dim))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", IDS)
def test_embedding_matches_torch(name, dtype):
    ids = IDS[name]
    _, out = compare_with_torch(lambda w: ops.embedding(ids, w),
                                lambda w: F.embedding(torch.from_numpy(ids).long(), w),
                                [weight()], dtype)
    assert out.shape == ids.shape + (3,)


@pytest.mark.parametrize("name", IDS)
def test_embedding_gradcheck(name):
    check_gradients(lambda w: ops.embedding(IDS[name], w), [weight()])


def test_ids_may_be_a_tensor_or_a_backend_array():
    ids = np.array([[1, 1], [4, 0]])
    for given in (mg.Tensor(ids), backend.asarray(ids), ids.tolist()):
        compare_with_torch(lambda w: ops.embedding(given, w),
                           lambda w: F.embedding(torch.from_numpy(ids), w), [weight()], "float64")


def test_repeated_id_gets_the_sum_of_its_gradients(float64):
    w = mg.Tensor(weight(), requires_grad=True)
    ids = np.array([2, 2, 2, 5])
    upstream = np.arange(12.0).reshape(4, 3)
    ops.embedding(ids, w).backward(upstream)
    expected = np.zeros((6, 3))
    np.add.at(expected, ids, upstream)   # what a row picked k times must receive
    np.testing.assert_array_equal(host(w.grad), expected)   # integers: exact in any order


def test_empty_ids():
    w = mg.Tensor(weight(), requires_grad=True)
    out = ops.embedding(np.zeros((2, 0), dtype=np.int64), w)
    assert out.shape == (2, 0, 3)
    (out.sum() + (w * 0).sum()).backward()
    np.testing.assert_array_equal(host(w.grad), np.zeros((6, 3)))


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_weight_used_by_a_lookup_and_by_arithmetic(dtype):
    """Tied weights: the lookup's scatter-add gradient and a dense one meet in one buffer,
    whichever of them the backward walk reaches first."""
    ids = np.array([[2, 5, 2], [0, 2, 5]])

    def ours(w):
        return ((ops.embedding(ids, w) * 2).sum(-1) + (w * w).sum()
                + ops.embedding(ids[0], w).sum())

    def theirs(w):
        return ((F.embedding(torch.from_numpy(ids), w) * 2).sum(-1) + (w * w).sum()
                + F.embedding(torch.from_numpy(ids[0]), w).sum())
    compare_with_torch(ours, theirs, [weight()], dtype)


@pytest.mark.parametrize("shape", [(0, 3), (0,)])
def test_no_rows_picked_from_an_empty_tensor(shape, float64):
    x = mg.Tensor(np.zeros(shape), requires_grad=True)
    x[np.array([], dtype=np.int64)].sum().backward()
    assert host(x.grad).shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
def test_integer_index_rows_of_a_3d_tensor(dtype):
    """x[ids] on (N, A, B) picks whole (A, B) blocks: the row scatter-add sees them as rows."""
    ids = np.array([[3, 0], [3, 3]])
    x = np.random.default_rng(1).standard_normal((4, 2, 5))
    compare_with_torch(lambda t: t[ids] * t[ids], lambda t: t[torch.from_numpy(ids)] ** 2,
                       [x], dtype)


def test_scatter_add_rows_adds_repeated_rows_like_a_loop(float64):
    rng = np.random.default_rng(2)
    ids = rng.integers(0, 7, 50)
    rows = rng.standard_normal((50, 4))
    target = backend.asarray(np.ones((7, 4)))
    backend.scatter_add_rows(target, backend.asarray(ids), backend.asarray(rows))
    expected = np.ones((7, 4))
    for i, row in zip(ids, rows):
        expected[i] += row
    np.testing.assert_allclose(host(target), expected, rtol=1e-13)


def test_float_ids():
    with pytest.raises(TypeError, match="embedding: ids must be integers, got dtype float64"):
        ops.embedding(np.array([0.0, 1.0]), mg.Tensor(weight()))


@pytest.mark.parametrize("bad", [6, 100, -1])
def test_out_of_range_ids(bad):
    with pytest.raises(IndexError, match=rf"embedding: ids contain {bad}, out of range for 6 "
                                         rf"embeddings \(valid ids are 0\.\.5\)"):
        ops.embedding(np.array([0, bad, 2]), mg.Tensor(weight()))


def test_weight_must_be_a_matrix():
    with pytest.raises(ValueError, match=r"embedding: weight must be \(num_embeddings, dim\), "
                                         r"got \(6,\)"):
        ops.embedding(np.array([0]), mg.Tensor(np.ones(6)))
