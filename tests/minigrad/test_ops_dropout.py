"""dropout: inverted dropout with a seeded mask; identity in evaluation and at p = 0."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_with_torch, host


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def mask_of(p, shape, seed):
    """The keep-mask dropout draws after manual_seed(seed): dropout of ones is mask / (1 - p)."""
    mg.manual_seed(seed)
    return host(ops.dropout(mg.Tensor(np.ones(shape)), p)) != 0


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_matches_torch_with_the_same_mask(p, dtype):
    """Same mask in both (torch's own generator differs): y = x * mask / (1 - p) and its grads."""
    mg.set_default_dtype(dtype)
    keep = mask_of(p, (4, 5), seed=3)

    def ours(t):
        mg.manual_seed(3)
        return ops.dropout(t, p)
    compare_with_torch(ours, lambda t: t * torch.from_numpy(keep) / (1 - p), [randn(4, 5)], dtype)


@pytest.mark.parametrize("p", [0.2, 0.7])
def test_dropout_gradcheck(p):
    def fn(t):
        mg.manual_seed(5)   # the same mask at every evaluation
        return ops.dropout(t, p)
    check_gradients(fn, [randn(3, 4)])
    check_gradients(fn, [randn(1, 1)])


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_keep_fraction_and_scale(p):
    x = mg.Tensor(np.ones((200, 500)))
    y = host(ops.dropout(x, p))
    dropped = (y == 0).mean()
    assert abs(dropped - p) < 0.01                    # 100 000 draws: std about 0.0016
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)


def test_identity_in_evaluation_and_at_p_zero():
    x = mg.Tensor(randn(3, 4), requires_grad=True)
    assert ops.dropout(x, 0.5, training=False) is x
    assert ops.dropout(x, 0.0) is x


def test_seed_reproduces_the_mask_and_other_seeds_differ():
    first, again, other = (mask_of(0.5, (8, 8), s) for s in (11, 11, 12))
    np.testing.assert_array_equal(first, again)
    assert (first != other).any()


def test_successive_calls_draw_new_masks():
    x = mg.Tensor(np.ones((8, 8)))
    assert (host(ops.dropout(x, 0.5)) != host(ops.dropout(x, 0.5))).any()


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5])
def test_bad_probability(p):
    with pytest.raises(ValueError, match=rf"dropout: p must lie in \[0, 1\), got {p}"):
        ops.dropout(mg.Tensor(np.ones(3)), p)



@pytest.mark.parametrize("p", [np.float64(0.25), np.float32(0.25)], ids=["float64", "float32"])
def test_a_numpy_probability_keeps_float32(p):
    """p from np.linspace (a sweep) is a NumPy scalar; its scale 1 / (1 - p) made the output,
    and every layer after a GRU's inter-layer dropout, float64."""
    x = mg.Tensor(randn(4, 5), requires_grad=True)
    y = ops.dropout(x, p)
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    outputs, state = mg.nn.GRU(5, 3, 2, dropout=p)(mg.Tensor(randn(2, 1, 5)))
    assert outputs.dtype == state.dtype == np.float32
