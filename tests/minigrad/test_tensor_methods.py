"""The torch-style Tensor methods and top-level functions, against torch."""
import numpy as np
import pytest
import torch

import minigrad as mg
from tests.minigrad.engine_checks import DTYPES, check_gradients, compare_with_torch


def _pair(array):
    return mg.tensor(array), torch.tensor(array)


def _same(ours, theirs):
    if isinstance(theirs, torch.Tensor):
        assert ours.shape == tuple(theirs.shape), (ours.shape, theirs.shape)
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)
    else:
        assert ours == theirs


CALLS = [
    lambda x: x.size(), lambda x: x.size(1), lambda x: x.size(-1), lambda x: x.dim(),
    lambda x: x.numel(), lambda x: x.tolist(), lambda x: x.sum(0), lambda x: x.sum(dim=1),
    lambda x: x.sum(dim=1, keepdim=True), lambda x: x.mean(dim=(0, 1)),
    lambda x: x.max(), lambda x: x.min(), lambda x: x.argmax(), lambda x: x.argmax(dim=1),
    lambda x: x.argmin(1, keepdim=True), lambda x: x.unsqueeze(1), lambda x: x.unsqueeze(dim=0),
    lambda x: x.reshape(-1), lambda x: x.reshape((3, 2)), lambda x: x.view(3, 2),
    lambda x: x.permute(1, 0), lambda x: x.transpose(0, 1), lambda x: x.repeat(2, 1),
    lambda x: x.repeat((1, 2)), lambda x: x.type(torch.float64 if isinstance(
        x, torch.Tensor) else mg.float64), lambda x: x.float(), lambda x: x.long(),
    lambda x: x.int(), lambda x: x.bool(), lambda x: x.double(), lambda x: x.clone(),
    lambda x: x.detach(), lambda x: x.softmax(dim=1), lambda x: x.softmax(0),
    lambda x: x.sqrt(), lambda x: x.abs(), lambda x: x.sin(), lambda x: x.cos(),
    lambda x: x.pow(2), lambda x: x.exp(), lambda x: x.flatten(), lambda x: x.squeeze(0),
    lambda x: x.unsqueeze(0).squeeze(0), lambda x: x.unsqueeze(-1).squeeze(-1),
    lambda x: x.squeeze(), lambda x: x.masked_fill(x > 2, 0.0), lambda x: x.clamp(1, 4),
    lambda x: x @ x.T, lambda x: x[0] @ x.T, lambda x: x @ x[0], lambda x: x[0] @ x[0],
    lambda x: x.max(dim=1)[0], lambda x: x.max(1).indices, lambda x: x.max(0, True)[1],
    lambda x: x.min(dim=0).values, lambda x: x.sort(descending=True)[1],
    lambda x: x.repeat_interleave(2, dim=0), lambda x: x.T, lambda x: (~(x > 2)).int(),
    lambda x: ((x > 1) & (x < 4)), lambda x: ((x > 4) | (x < 2)),
]


@pytest.mark.parametrize("call", CALLS, ids=[str(i) for i in range(len(CALLS))])
def test_method_matches_torch(call):
    ours, theirs = _pair(np.array([[1.0, 2.0, 3.0], [4.0, 6.0, 5.0]], dtype=np.float32))
    _same(call(ours), call(theirs))


def test_numpy_spelling_still_works():
    x = mg.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert x.sum(axis=1).tolist() == [3.0, 8.0]
    assert x.mean(axis=0, keepdims=True).shape == (1, 2)
    assert x.max(axis=1).tolist() == [2.0, 5.0]             # values only, as before
    assert x.max(-1, keepdims=True).shape == (2, 1)
    assert x.softmax(axis=0).shape == (2, 2) and x.argmax(axis=1).tolist() == [1, 1]


def test_scalars_convert_as_in_torch():
    t = mg.tensor(3)
    assert int(t) == 3 and float(mg.tensor(2.5)) == 2.5 and "%d" % t == "3"
    assert ["Col %d" % d for d in mg.arange(6, 8)] == ["Col 6", "Col 7"]
    assert [1, 2, 3, 4][mg.tensor(2)] == 3
    a, b = mg.ones((2, 3))
    assert a.shape == (3,)
    with pytest.raises(TypeError, match="only a one-element integer tensor"):
        [1, 2][mg.tensor(1.0)]


@pytest.mark.parametrize("dtype", DTYPES)
def test_methods_are_differentiable_as_torch(dtype, rng):
    x = rng.standard_normal((3, 4))
    fn = lambda t: (t.repeat(2, 1).sum(dim=0, keepdim=True) * t.max(dim=0).values  # noqa: E731
                    + t.unsqueeze(0).mean(dim=1) + t.clone().abs().sqrt().sum(0, keepdim=True))
    compare_with_torch(fn, fn, [x], dtype)
    check_gradients(fn, [x])


def test_matmul_with_vectors_is_differentiable():
    check_gradients(lambda v, m: mg.matmul(v, m), [np.arange(3.0), np.ones((3, 2))])
    check_gradients(lambda m, v: m @ v, [np.ones((2, 3)) * 0.5, np.arange(3.0)])
    check_gradients(lambda u, v: u @ v, [np.arange(3.0), np.arange(3.0) + 1])
    assert (mg.ones((4, 2, 3)) @ mg.ones(3)).shape == (4, 2)


def test_errors_name_the_method():
    x = mg.ones((2, 3))
    with pytest.raises(IndexError, match="size: axis 2 is out of range"):
        x.size(2)
    with pytest.raises(TypeError, match="Tensor.to: unexpected keyword 'memory_format'"):
        x.to(memory_format=None)
    with pytest.raises(TypeError, match="repeat: expected ints or one tuple of ints"):
        x.repeat(2.0, 1)


from hypothesis import given, settings, strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=4, max_side=4),
                  elements=st.floats(-100, 100), unique=True), st.data())
def test_reductions_with_dim_and_keepdim_match_torch(x, data):
    dim = data.draw(st.integers(-x.ndim, x.ndim - 1))
    keepdim = data.draw(st.booleans())
    ours, theirs = mg.tensor(x), torch.from_numpy(x)
    for name in ("sum", "mean"):
        np.testing.assert_allclose(getattr(ours, name)(dim=dim, keepdim=keepdim).numpy(),
                                   getattr(theirs, name)(dim=dim, keepdim=keepdim).numpy(),
                                   rtol=1e-12, atol=1e-12)
    for name in ("max", "min"):
        values, indices = getattr(ours, name)(dim, keepdim)
        expected = getattr(theirs, name)(dim, keepdim)
        np.testing.assert_array_equal(values.numpy(), expected.values.numpy())
        np.testing.assert_array_equal(indices.numpy(), expected.indices.numpy())
    for name in ("argmax", "argmin"):
        np.testing.assert_array_equal(getattr(ours, name)(dim=dim, keepdim=keepdim).numpy(),
                                      getattr(theirs, name)(dim=dim, keepdim=keepdim).numpy())
    assert ours.argmax().item() == theirs.argmax().item()
