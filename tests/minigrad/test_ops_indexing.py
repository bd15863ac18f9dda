"""index_put (item assignment), masked_fill, gather, max with indices, repeat,
repeat_interleave, sort, split, where: gradcheck and torch parity."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from tests.minigrad.engine_checks import DTYPES, check_gradients, compare_with_torch

MASK = np.array([[True, False, True, False], [False, False, True, True], [True] * 4])


def _torch_put(index, value=None):
    def put(x, *v):
        y = x.clone()
        y[index] = v[0] if v else value
        return y
    return put


INDEXES = [
    ("bool_mask", MASK),
    ("not_mask", ~MASK),
    ("column", (slice(None), 0)),
    ("step_slice", (slice(None), slice(0, None, 2))),
    ("rows", np.array([2, 0])),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, index", INDEXES, ids=[i[0] for i in INDEXES])
def test_index_put_of_a_number_matches_torch(name, index, dtype, rng):
    x = rng.standard_normal((3, 4))
    compare_with_torch(lambda t: ops.index_put(t, index, -1e6),
                       _torch_put(torch.from_numpy(np.asarray(index)) if isinstance(
                           index, np.ndarray) else index, -1e6), [x], dtype)
    check_gradients(lambda t: ops.index_put(t, index, 2.5), [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_put_of_a_tensor_value_gives_the_value_its_gradient(dtype, rng):
    x, v = rng.standard_normal((3, 4)), rng.standard_normal((3,))
    index = (slice(None), 1)
    compare_with_torch(lambda t, u: ops.index_put(t, index, u), _torch_put(index), [x, v], dtype)
    check_gradients(lambda t, u: ops.index_put(t, index, u), [x, v])
    v_row = rng.standard_normal((1,))       # broadcast into the masked positions
    check_gradients(lambda t, u: ops.index_put(t, MASK, u), [x, v_row])


@pytest.mark.parametrize("dtype", DTYPES)
def test_setitem_on_a_tensor_in_the_graph_records_index_put_as_torch(dtype, rng):
    """The book's sequence_mask: X = scores.reshape(...); X[~mask] = -1e6 with grad on."""
    x = rng.standard_normal((3, 4))
    lens = np.array([1, 3, 4])

    def ours(t):
        y = (t * 2).reshape(-1, 4)
        mask = mg.arange(4)[None, :] < mg.tensor(lens)[:, None]
        y[~mask] = -1e6
        return y.softmax(dim=-1)

    def theirs(t):
        y = (t * 2).reshape(-1, 4)
        mask = torch.arange(4)[None, :] < torch.from_numpy(lens)[:, None]
        y[~mask] = -1e6
        return y.softmax(dim=-1)
    compare_with_torch(ours, theirs, [x], dtype)
    check_gradients(ours, [x])


def test_assigning_a_value_that_requires_grad_puts_the_tensor_in_the_graph():
    """torch: P = zeros(...); P[:, 0] = w * 2 makes P an index_put node; w gets its gradient."""
    w, tw = mg.tensor([1.0, 2.0], requires_grad=True), torch.tensor([1.0, 2.0], requires_grad=True)
    P, tP = mg.zeros((2, 3)), torch.zeros((2, 3))
    P[:, 0] = w * 2
    tP[:, 0] = tw * 2
    assert P.requires_grad and P.tolist() == tP.tolist()
    (P * P).sum().backward()
    (tP * tP).sum().backward()
    assert w.grad.tolist() == tw.grad.tolist()


def test_setitem_writes_in_place_outside_the_graph_and_views_share_it():
    base = mg.zeros((2, 3))
    view = base.reshape(3, 2)
    base[:, 0] = 7.0
    assert view.tolist() == [[7.0, 0.0], [0.0, 7.0], [0.0, 0.0]]
    P = mg.zeros((1, 4, 4))
    P[:, :, 0::2] = mg.sin(mg.ones((4, 2)))
    assert np.allclose(P.numpy()[0, :, 0], np.sin(1.0))
    ids = mg.zeros(3, dtype=mg.long)
    ids[mg.tensor([True, False, True])] = 5
    assert ids.tolist() == [5, 0, 5] and ids.dtype == np.int64


def test_setitem_refuses_a_leaf_that_requires_grad_unless_grad_is_off():
    w = mg.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"leaf tensor that requires grad \(shape \(3,\)\)"):
        w[0] = 2.0
    with mg.no_grad():
        w[0] = 2.0
    assert w.tolist() == [2.0, 1.0, 1.0]


def test_setitem_names_a_bad_index():
    with pytest.raises(IndexError, match=r"x\[index\] = value: cannot assign .* shape \(2, 3\)"):
        mg.zeros((2, 3))[5] = 1.0


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_fill_matches_torch(dtype, rng):
    x = rng.standard_normal((3, 4))
    mask = np.array([[True, False, False, True]])            # broadcast over rows
    compare_with_torch(lambda t: t.masked_fill(mg.tensor(mask), -5.0),
                       lambda t: t.masked_fill(torch.from_numpy(mask), -5.0), [x], dtype)
    check_gradients(lambda t: ops.masked_fill(t, mg.tensor(mask), 0.0), [x])
    with pytest.raises(TypeError, match="masked_fill: the mask must be a bool tensor"):
        ops.masked_fill(mg.ones(2), mg.ones(2), 0.0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_gather_matches_torch(dim, dtype, rng):
    x = rng.standard_normal((3, 4))
    index = rng.integers(0, x.shape[dim], (3, 4))
    compare_with_torch(lambda t: ops.gather(t, mg.tensor(index), dim),
                       lambda t: torch.gather(t, dim, torch.from_numpy(index)), [x], dtype)
    check_gradients(lambda t: ops.gather(t, mg.tensor(index), dim), [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("largest", [True, False])
def test_max_and_min_with_dim_give_values_and_indices_as_torch(largest, keepdim, dtype, rng):
    x = rng.standard_normal((3, 5))
    name = "max" if largest else "min"
    ours, out = compare_with_torch(
        lambda t: getattr(t, name)(dim=1, keepdim=keepdim).values,
        lambda t: getattr(t, name)(dim=1, keepdim=keepdim).values, [x], dtype)
    values, indices = getattr(mg.tensor(x), name)(1, keepdim)
    expected = getattr(torch.from_numpy(x), name)(1, keepdim)
    assert indices.tolist() == expected.indices.tolist() and indices.dtype == np.int64
    check_gradients(lambda t: ops.max_with_indices(t, 1, keepdim, largest).values, [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", [(2, 1), (1, 3), (2, 2, 1), (3,)], ids=str)
def test_repeat_tiles_as_torch(sizes, dtype, rng):
    x = rng.standard_normal((2, 3)) if len(sizes) > 1 else rng.standard_normal(4)
    compare_with_torch(lambda t: t.repeat(*sizes), lambda t: t.repeat(*sizes), [x], dtype)
    check_gradients(lambda t: ops.repeat(t, sizes), [x])
    assert mg.tensor(x).repeat(sizes).shape == torch.from_numpy(x).repeat(sizes).shape
    with pytest.raises(ValueError, match=r"repeat: needs one size >= 0 per axis"):
        mg.ones((2, 3)).repeat(2)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("repeats, dim", [(2, None), (3, 0), (2, 1), ([1, 0, 2], 0)], ids=str)
def test_repeat_interleave_matches_torch(repeats, dim, dtype, rng):
    x = rng.standard_normal((3, 2))
    ours_r = mg.tensor(repeats) if isinstance(repeats, list) else repeats
    theirs_r = torch.tensor(repeats) if isinstance(repeats, list) else repeats
    compare_with_torch(lambda t: t.repeat_interleave(ours_r, dim=dim),
                       lambda t: t.repeat_interleave(theirs_r, dim=dim), [x], dtype)
    check_gradients(lambda t: ops.repeat_interleave(t, ours_r, dim), [x])


def test_repeat_interleave_of_integer_lengths_and_a_0d_tensor():
    lens = mg.tensor([2, 3])
    assert mg.repeat_interleave(lens, 3).tolist() == torch.repeat_interleave(
        torch.tensor([2, 3]), 3).tolist()
    assert mg.repeat_interleave(mg.tensor(1.5), 4).shape == (4,)
    assert mg.repeat_interleave(mg.tensor([1, 2])).tolist() == [0, 1, 1]
    with pytest.raises(ValueError, match="repeat_interleave: 2 repeats for 3 elements"):
        mg.ones(3).repeat_interleave(mg.tensor([1, 2]))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("descending", [False, True])
def test_sort_matches_torch(descending, dtype, rng):
    x = rng.standard_normal((3, 6))          # distinct values: the order is unique
    compare_with_torch(lambda t: mg.sort(t, descending=descending)[0],
                       lambda t: torch.sort(t, descending=descending)[0], [x], dtype)
    values, indices = mg.sort(mg.tensor(x), dim=0, descending=descending)
    expected = torch.sort(torch.from_numpy(x), dim=0, descending=descending)
    assert indices.tolist() == expected.indices.tolist()
    np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
    check_gradients(lambda t: ops.sort(t, -1, descending).values, [x])


def test_split_and_chunk_match_torch(rng):
    x = rng.standard_normal((5, 2))
    for ours, theirs in [(mg.tensor(x).split(2), torch.from_numpy(x).split(2)),
                         (mg.split(mg.tensor(x), [1, 4]), torch.split(torch.from_numpy(x), [1, 4])),
                         (mg.tensor(x).chunk(2, 1), torch.from_numpy(x).chunk(2, 1))]:
        assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]
    check_gradients(lambda t: ops.split(t, 2)[2] * 3 + ops.split(t, 2)[0].sum(), [x])


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_matches_torch(dtype, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((1, 4))
    cond = a > 0
    compare_with_torch(lambda s, t: mg.where(mg.tensor(cond), s, t),
                       lambda s, t: torch.where(torch.from_numpy(cond), s, t), [a, b], dtype)
    check_gradients(lambda s, t: ops.where(mg.tensor(cond), s, t), [a, b])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", [(3, 4), (2, 3, -1), (-1, 4)], ids=str)
def test_expand_matches_torch(sizes, dtype, rng):
    x = rng.standard_normal((3, 1))
    compare_with_torch(lambda t: t.expand(*sizes), lambda t: t.expand(*sizes), [x], dtype)
    check_gradients(lambda t: ops.expand(t, sizes), [x])
    with pytest.raises(ValueError, match=r"expand: cannot expand a tensor of shape \(3, 1\)"):
        mg.ones((3, 1)).expand(2, 4)


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=25, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                  elements=st.floats(-3, 3)), st.data())
def test_masked_assignment_in_the_graph_matches_torch_for_any_mask(x, data):
    mask = data.draw(hnp.arrays(np.bool_, x.shape))
    value = data.draw(st.floats(-5, 5))
    ours = mg.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    y, ty = ours * 1.5, theirs * 1.5
    y[mg.tensor(mask)] = value
    ty[torch.from_numpy(mask)] = value
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    np.testing.assert_allclose(ours.grad if isinstance(ours.grad, np.ndarray)
                               else mg.backend.to_numpy(ours.grad), theirs.grad.numpy(),
                               rtol=1e-12)
