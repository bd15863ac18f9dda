"""torch's top-level functions (minigrad/functions.py) against torch: values, shapes, dtypes."""
import numpy as np
import pytest
import torch

import minigrad as mg


def _pair(array):
    return mg.tensor(array), torch.tensor(array)


def _same(ours, theirs):
    assert ours.shape == tuple(theirs.shape), (ours.shape, theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(ours.numpy(), theirs.detach().numpy(), rtol=1e-6)


FUNCTIONS = [
    lambda m, x: m.cat((x, x), dim=-1), lambda m, x: m.cat([x, x], 0),
    lambda m, x: m.cat((x, x), axis=1), lambda m, x: m.concat((x, x), dim=1),
    lambda m, x: m.stack((x, x), dim=1), lambda m, x: m.unsqueeze(x, dim=1),
    lambda m, x: m.unsqueeze(x, 0), lambda m, x: m.max(x), lambda m, x: m.max(x, 1)[0],
    lambda m, x: m.max(x, dim=0).indices, lambda m, x: m.max(x, x * 0 + 3),
    lambda m, x: m.maximum(x, x.T.reshape(2, 3)), lambda m, x: m.sin(x),
    lambda m, x: m.cos(x), lambda m, x: m.abs(x - 3), lambda m, x: m.exp(x),
    lambda m, x: m.tanh(x), lambda m, x: m.sqrt(x), lambda m, x: m.pow(x, 2),
    lambda m, x: m.pow(10000, x / 3), lambda m, x: m.softmax(x, dim=1),
    lambda m, x: m.sort(x)[0], lambda m, x: m.sort(x, descending=True)[1],
    lambda m, x: m.repeat_interleave(x, 2), lambda m, x: m.repeat_interleave(x, 3, dim=1),
    lambda m, x: m.bmm(x.reshape(1, 2, 3), x.reshape(1, 3, 2)),
    lambda m, x: m.matmul(x[0], x.T), lambda m, x: m.transpose(x, 0, 1),
    lambda m, x: m.reshape(x, (3, 2)), lambda m, x: m.sum(x, dim=1),
    lambda m, x: m.mean(x, 0), lambda m, x: m.argmax(x, dim=1), lambda m, x: m.squeeze(x[None]),
    lambda m, x: m.zeros_like(x), lambda m, x: m.ones_like(x, dtype=m.long),
    lambda m, x: m.where(x > 2, x, x * 0), lambda m, x: m.clamp(x, min=2),
]


@pytest.mark.parametrize("call", FUNCTIONS, ids=[str(i) for i in range(len(FUNCTIONS))])
def test_function_matches_torch(call):
    ours, theirs = _pair(np.array([[1.0, 2.0, 3.0], [4.0, 6.0, 5.0]], dtype=np.float32))
    _same(call(mg, ours), call(torch, theirs))


def test_top_level_reductions_accept_axis_too():
    x = mg.tensor([[1.0, 2.0], [3.0, 5.0]])
    assert mg.sum(x, axis=1).tolist() == [3.0, 8.0] and mg.mean(x, 0, keepdim=True).shape == (1, 2)
    assert mg.cat((x, x), axis=0).shape == (4, 2) and mg.softmax(x, axis=0).shape == (2, 2)
    assert mg.argsort(mg.tensor([3, 1, 2])).tolist() == [1, 2, 0]
    assert mg.equal(x, x.clone()) and mg.allclose(x, x + 1e-9) and mg.is_tensor(x)
    assert mg.numel(x) == 4
