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
    out = ops.embedding(np.zeros((2, 0), dtype=np.int64), mg.Tensor(weight(), requires_grad=True))
    assert out.shape == (2, 0, 3)


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
