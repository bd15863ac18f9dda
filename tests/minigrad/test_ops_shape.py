"""reshape, transpose/permute, swapaxes, getitem, concat, stack, squeeze, unsqueeze."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import backend, ops
from engine_checks import DTYPES, check_gradients, compare_with_torch, host


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def to_torch_index(index):
    """The same index for torch: host arrays become torch tensors, the rest is unchanged."""
    if isinstance(index, tuple):
        return tuple(to_torch_index(i) for i in index)
    if isinstance(index, np.ndarray):
        return torch.from_numpy(index)
    return index


# ----------------------------------------------------------------------------- reshape/transpose

RESHAPES = [((2, 3, 4), (6, 4)), ((2, 3, 4), (-1,)), ((2, 3, 4), (4, -1, 2)), ((), (1, 1)),
            ((1,), ()), ((3, 1), (1, 3))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, new_shape", RESHAPES, ids=str)
def test_reshape(shape, new_shape, dtype):
    x = randn(*shape)
    compare_with_torch(lambda t: ops.reshape(t, new_shape), lambda t: t.reshape(new_shape),
                       [x], dtype)
    if new_shape:           # x.reshape() with no shape at all is refused, as torch refuses it
        compare_with_torch(lambda t: t.reshape(*new_shape), lambda t: t.reshape(new_shape), [x],
                           dtype)
    check_gradients(lambda t: ops.reshape(t, new_shape), [x])


PERMUTATIONS = [None, (1, 0, 2), (2, 0, 1), (-1, 0, 1), (0, 1, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axes", PERMUTATIONS, ids=str)
def test_transpose_and_permute(axes, dtype):
    x = randn(2, 3, 4)
    dims = (2, 1, 0) if axes is None else axes
    compare_with_torch(lambda t: ops.transpose(t, axes), lambda t: t.permute(dims), [x], dtype)
    if axes is not None:
        compare_with_torch(lambda t: t.permute(*axes), lambda t: t.permute(dims), [x], dtype)
        compare_with_torch(lambda t: t.permute(axes), lambda t: t.permute(dims), [x], dtype)
    check_gradients(lambda t: ops.transpose(t, axes), [x])


def test_T_reverses_all_axes():
    compare_with_torch(lambda t: t.T, lambda t: t.permute(2, 1, 0), [randn(2, 3, 4)], "float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim0, dim1", [(1, 2), (0, 2), (-1, -2), (2, 0), (1, 1), (-3, 1)])
def test_tensor_transpose_follows_torch(dim0, dim1, dtype):
    """x.transpose(dim0, dim1) swaps two axes, as torch.transpose (d2l's keys.transpose(1, 2))."""
    x = randn(2, 3, 4)
    compare_with_torch(lambda t: t.transpose(dim0, dim1),
                       lambda t: torch.transpose(t, dim0, dim1), [x], dtype)
    check_gradients(lambda t: t.transpose(dim0, dim1), [x])


def test_tensor_transpose_rejects_numpy_forms():
    """NumPy's full permutation is permute's job; transpose says so instead of guessing."""
    x = mg.Tensor(np.ones((2, 3, 4)))
    for args in [(1, 0, 2), ((1, 0, 2),), (), (1,), (1.0, 2)]:
        with pytest.raises(TypeError, match=r"Tensor.transpose: expected two axes to swap.*"
                                            r"shape \(2, 3, 4\).*use permute"):
            x.transpose(*args)
    with pytest.raises(IndexError, match="transpose: axis 3 is out of range"):
        x.transpose(0, 3)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis1, axis2", [(0, 2), (-1, -2), (1, 1)])
def test_swapaxes(axis1, axis2, dtype):
    x = randn(2, 3, 4)
    compare_with_torch(lambda t: ops.swapaxes(t, axis1, axis2),
                       lambda t: t.transpose(axis1, axis2), [x], dtype)
    check_gradients(lambda t: ops.swapaxes(t, axis1, axis2), [x])


# ----------------------------------------------------------------------------- getitem

MASK = np.array([True, False, True, True])
INDICES = {
    "int": 1,
    "negative int": -1,
    "slice": slice(1, 3),
    "step": (slice(None), slice(None, None, 2)),
    "negative slice": (slice(-3, None), -2),
    "None": (None, 1),
    "ellipsis": (Ellipsis, 0),
    "ints with repeats": np.array([0, 0, 3, 1, 0]),
    "two int arrays": (np.array([0, 2, 2]), np.array([1, 1, 4])),
    "slice and int array": (slice(None), np.array([4, 4, 0])),
    "2-D int array": np.array([[0, 1], [3, 3]]),
    "boolean mask": MASK,
    "full boolean mask": randn(4, 5, 3, seed=7) > 0,
    "slice and boolean mask": (slice(None), np.array([True, False, True, True, False])),
    "int and slice": (2, slice(1, None)),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", INDICES)
def test_getitem_matches_torch(name, dtype):
    index = INDICES[name]
    compare_with_torch(lambda t: t[index], lambda t: t[to_torch_index(index)],
                       [randn(4, 5, 3)], dtype)


@pytest.mark.parametrize("name", INDICES)
def test_getitem_gradcheck(name):
    index = INDICES[name]
    check_gradients(lambda t: ops.getitem(t, index), [randn(4, 5, 3)])


def test_getitem_with_a_list_and_index_tensors():
    x = randn(4, 5)
    ids = np.array([3, 3, 0])
    for index in ([3, 3, 0], mg.Tensor(ids), backend.asarray(ids)):
        compare_with_torch(lambda t: t[index], lambda t: t[torch.from_numpy(ids)], [x], "float64")


ROW_MASK = np.array([True, False, True, True, False, True])


@pytest.mark.parametrize("dtype", DTYPES)
def test_rows_picked_by_a_host_mask_match_torch_as_a_row_gradient(dtype):
    """x[mask] of a matrix x and a mask over its rows is a take of the kept rows, whose
    gradient is a RowGrad: into a linear (which takes it as it is), into an op that needs the
    dense array, and added to a second use of x."""
    w = randn(4, 3, seed=1)
    compare_with_torch(lambda t, w: ops.linear(t[ROW_MASK], w) + t[ROW_MASK][:, :1],
                       lambda t, w: t[torch.from_numpy(ROW_MASK)] @ w.T
                       + t[torch.from_numpy(ROW_MASK)][:, :1], [randn(6, 3), w], dtype)
    compare_with_torch(lambda t: t[ROW_MASK].tanh().sum() * t,
                       lambda t: t[torch.from_numpy(ROW_MASK)].tanh().sum() * t,
                       [randn(6, 3)], dtype)
    x = mg.Tensor(randn(6, 3))
    y = x[ROW_MASK]
    assert y.shape == (4, 3)
    assert host(x[np.zeros(6, dtype=bool)]).shape == (0, 3)


def test_rows_picked_by_a_host_mask_gradcheck():
    check_gradients(lambda t: ops.getitem(t, ROW_MASK) * ops.getitem(t, ROW_MASK), [randn(6, 3)])
    check_gradients(lambda t: ops.getitem(t, np.zeros(6, dtype=bool)), [randn(6, 3)])


def test_getitem_twice_from_one_tensor_adds_up():
    compare_with_torch(lambda t: t[1:3] * t[np.array([0, 1])] + t[2],
                       lambda t: t[1:3] * t[torch.tensor([0, 1])] + t[2],
                       [randn(4, 3)], "float64")


def test_getitem_errors():
    x = mg.Tensor(np.ones((4, 5)))
    with pytest.raises(IndexError, match=r"getitem: index .* does not fit a tensor of shape "
                                         r"\(4, 5\)"):
        x[4]
    with pytest.raises(IndexError, match="getitem: index arrays must hold integers or "
                                         "booleans, got dtype float"):
        x[np.array([0.0, 1.0])]


# ----------------------------------------------------------------------------- concat, stack

CONCATS = [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 1), (2, 2)], 1),
    ([(2, 3, 1), (2, 3, 2)], -1),
    ([(1, 1)], 0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes, axis", CONCATS, ids=str)
def test_concat(shapes, axis, dtype):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(lambda *ts: ops.concat(ts, axis), lambda *ts: torch.cat(ts, axis),
                       arrays, dtype)
    check_gradients(lambda *ts: ops.concat(ts, axis), arrays)


STACKS = [([(2, 3)] * 3, 0), ([(2, 3)] * 2, -1), ([(2, 3)] * 2, 1), ([(1,)], 0)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes, axis", STACKS, ids=str)
def test_stack(shapes, axis, dtype):
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]
    compare_with_torch(lambda *ts: ops.stack(ts, axis), lambda *ts: torch.stack(ts, axis),
                       arrays, dtype)
    check_gradients(lambda *ts: ops.stack(ts, axis), arrays)


def test_concat_and_stack_of_one_tensor_used_twice():
    compare_with_torch(lambda t: ops.concat([t, t * 2], 0)[1:3] * ops.stack([t, t], 0).sum(0),
                       lambda t: torch.cat([t, t * 2], 0)[1:3] * torch.stack([t, t], 0).sum(0),
                       [randn(2, 3)], "float64")


def test_concat_and_stack_errors():
    a, b = mg.Tensor(np.ones((2, 3))), mg.Tensor(np.ones((2, 4)))
    with pytest.raises(ValueError, match=r"concat: shapes \[\(2, 3\), \(2, 4\)\] differ "
                                         r"outside axis 0"):
        ops.concat([a, b], 0)
    with pytest.raises(ValueError, match=r"stack: all tensors need one shape, got "
                                         r"\[\(2, 3\), \(2, 4\)\]"):
        ops.stack([a, b])
    with pytest.raises(ValueError, match="concat: needs at least one tensor"):
        ops.concat([])
    with pytest.raises(IndexError, match="concat: axis 2 is out of range"):
        ops.concat([a, a], 2)


# ----------------------------------------------------------------------------- squeeze

@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, -1])
def test_squeeze(axis, dtype):
    x = randn(1, 3, 1)
    compare_with_torch(lambda t: ops.squeeze(t, axis),
                       lambda t: t.squeeze() if axis is None else t.squeeze(axis), [x], dtype)
    check_gradients(lambda t: t.squeeze(axis), [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1, 2])
def test_unsqueeze(axis, dtype):
    x = randn(2, 3)
    compare_with_torch(lambda t: ops.unsqueeze(t, axis), lambda t: t.unsqueeze(axis), [x], dtype)
    check_gradients(lambda t: t.unsqueeze(axis), [x])


def test_shape_errors():
    x = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\) "
                                         r"\(6 elements\) into \(4, 2\)"):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match=r"permute: axes \(0, 0\) are not a permutation"):
        x.permute(0, 0)
    with pytest.raises(IndexError, match="permute: axis 2 is out of range"):
        x.permute(0, 2)
    assert ops.squeeze(x, 1).shape == x.squeeze(1).shape == (2, 3)   # as torch: a size
    assert x.squeeze(1) is not x                                     # other than 1 stays
    with pytest.raises(IndexError, match=r"unsqueeze: dim 3 is out of range for a new axis of a "
                                         r"tensor with 2 dims \(expected -3 to 2\)"):
        x.unsqueeze(3)


def test_views_do_not_alias_the_gradient(float64):
    """A reshaped or transposed gradient must not share memory with the leaf's .grad buffer."""
    x = mg.Tensor(randn(2, 3), requires_grad=True)
    (x.reshape(3, 2) * 2).sum().backward()
    (x.T * 3).sum().backward()
    np.testing.assert_allclose(host(x.grad), np.full((2, 3), 5.0))


def test_errors_for_a_tensor_where_a_list_is_expected():
    """concat(x) and stack(x) of one tensor used to join its rows silently; transpose(0) and
    len() of a 0-d tensor ended in bare Python errors."""
    x = mg.Tensor(np.ones((2, 3)))
    for op in (ops.concat, ops.stack):
        with pytest.raises(TypeError, match=rf"{op.__name__}: expected a list or tuple of "
                                            rf"tensors, got one Tensor of shape \(2, 3\)"):
            op(x)
    assert mg.Tensor(np.ones(3)).permute(0).shape == (3,)
    with pytest.raises(ValueError, match=r"permute: axes \(0,\) are not a permutation of the "
                                         r"2 axes"):
        x.permute(0)
    with pytest.raises(TypeError, match=r"len\(\) of a 0-d tensor"):
        len(mg.Tensor(1.0))
