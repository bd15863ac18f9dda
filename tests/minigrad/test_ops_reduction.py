"""sum, mean and max over axes (None, int, negative, tuple, keepdims); max with ties."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_with_torch

CASES = [  # (shape, axis)
    ((2, 3, 4), None),
    ((2, 3, 4), 0),
    ((2, 3, 4), -1),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)),
    ((2, 3, 4), (0, 1, 2)),
    ((5,), 0),
    ((1, 5), 0),
    ((3, 1), 1),
    ((), None),
]


def torch_reduce(name, t, axis, keepdims):
    dim = tuple(range(t.ndim)) if axis is None else axis
    if name == "sum":
        return t.sum(dim=dim, keepdim=keepdims)
    if name == "mean":
        return t.mean(dim=dim, keepdim=keepdims)
    return torch.amax(t, dim=dim, keepdim=keepdims)   # amax: ties share the gradient evenly


def distinct(shape, seed=0):
    """Random values without ties (max is differentiable there)."""
    size = int(np.prod(shape))
    values = np.random.default_rng(seed).permutation(size) / size + 0.01
    return values.reshape(shape)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("shape, axis", CASES, ids=str)
def test_reduction_gradcheck(name, shape, axis, keepdims):
    op = getattr(ops, name)
    check_gradients(lambda t: op(t, axis, keepdims), [distinct(shape)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("shape, axis", CASES, ids=str)
def test_reduction_matches_torch(name, shape, axis, keepdims, dtype):
    op = getattr(ops, name)
    _, out = compare_with_torch(lambda t: op(t, axis, keepdims),
                                lambda t: torch_reduce(name, t, axis, keepdims),
                                [distinct(shape)], dtype)
    assert out.shape == np.sum(np.zeros(shape), axis=axis, keepdims=keepdims).shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_max_with_ties_splits_the_gradient(axis, dtype):
    x = np.array([[1.0, 3.0, 3.0],
                  [2.0, 2.0, 2.0],
                  [0.0, 3.0, -1.0]])
    compare_with_torch(lambda t: ops.max(t, axis), lambda t: torch_reduce("max", t, axis, False),
                       [x], dtype)


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_methods_are_the_ops(name, float64):
    x = mg.Tensor(distinct((2, 3)))
    np.testing.assert_array_equal(getattr(x, name)(axis=1, keepdims=True).numpy(),
                                  getattr(ops, name)(x, 1, True).numpy())


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
@pytest.mark.parametrize("axis", [3, -4, (0, 3)])
def test_axis_out_of_range(name, axis):
    with pytest.raises(IndexError, match=rf"{name}: axis -?\d is out of range for a tensor "
                                         rf"with 3 dims"):
        getattr(ops, name)(mg.Tensor(np.ones((2, 3, 4))), axis)


def test_max_of_an_empty_tensor():
    with pytest.raises(ValueError, match=r"max: cannot reduce an empty tensor of shape \(0, 3\)"):
        ops.max(mg.Tensor(np.ones((0, 3))))


def test_mean_of_integers_is_float():
    assert mg.Tensor(np.array([1, 2])).mean().item() == 1.5


@pytest.mark.parametrize("name", ["sum", "mean", "max"])
def test_repeated_or_non_integer_axes_are_named(name):
    """These ended in NumPy's "duplicate value in 'axis'" or "'float' object is not iterable"."""
    x = mg.Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=rf"{name}: axis \(0, -3\) repeats an axis of a "
                                         rf"tensor with 3 dims"):
        getattr(ops, name)(x, (0, -3))
    with pytest.raises(TypeError, match=rf"{name}: axis must be an int, a tuple of ints or "
                                        rf"None, got 1.0"):
        getattr(x, name)(axis=1.0)
