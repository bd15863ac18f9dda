"""layer_norm: gradcheck, against torch.nn.functional.layer_norm, against its composed twin,
and the errors for shapes that do not fit."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_twins, compare_with_torch, host

# (input shape, normalized_shape): the usual (B, T, d) over d, over two axes, a 1-D input,
# and three features
CASES = [((2, 3, 5), (5,)), ((2, 3, 4), (3, 4)), ((6,), (6,)), ((4, 3), (3,))]


def randn(*shape, seed=0, scale=1.0, shift=0.0):
    return np.random.default_rng(seed).standard_normal(shape) * scale + shift


def arrays(shape, normalized_shape, affine, seed=0):
    x = randn(*shape, seed=seed, scale=2.0, shift=0.5)
    if not affine:
        return [x]
    return [x, 1 + 0.3 * randn(*normalized_shape, seed=seed + 1),
            0.3 * randn(*normalized_shape, seed=seed + 2)]


def ours(op, normalized_shape, eps=1e-5):
    return lambda x, weight=None, bias=None: op(x, normalized_shape, weight, bias, eps)


def theirs(normalized_shape, eps=1e-5):
    return lambda x, weight=None, bias=None: torch.nn.functional.layer_norm(
        x, normalized_shape, weight, bias, eps)


@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape, normalized_shape", CASES, ids=str)
@pytest.mark.parametrize("name", ["layer_norm", "layer_norm_composed"])
def test_layer_norm_gradcheck(name, shape, normalized_shape, affine):
    check_gradients(ours(getattr(ops, name), normalized_shape),
                    arrays(shape, normalized_shape, affine))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", [True, False])
@pytest.mark.parametrize("shape, normalized_shape", CASES, ids=str)
@pytest.mark.parametrize("name", ["layer_norm", "layer_norm_composed"])
def test_layer_norm_matches_torch(name, shape, normalized_shape, affine, dtype):
    _, out = compare_with_torch(ours(getattr(ops, name), normalized_shape),
                                theirs(normalized_shape), arrays(shape, normalized_shape, affine),
                                dtype)
    assert out.shape == shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, normalized_shape", CASES, ids=str)
def test_layer_norm_matches_its_composed_twin(shape, normalized_shape, dtype):
    compare_twins(ours(ops.layer_norm, normalized_shape),
                  ours(ops.layer_norm_composed, normalized_shape),
                  arrays(shape, normalized_shape, True, seed=5), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_large_eps_matches_torch(dtype):
    """eps enters the square root; a large one makes the outputs differ visibly from eps=0."""
    data = [randn(3, 8, seed=3, scale=0.5), randn(8, seed=4), randn(8, seed=5)]
    compare_with_torch(ours(ops.layer_norm, 8, eps=0.5), theirs((8,), eps=0.5), data, dtype)


def test_large_offsets_match_torch():
    """Inputs near 1e5 with unit spread: the variance must be taken around the mean (the
    shortcut mean(x^2) - mean(x)^2 would lose about 1e10 * 1e-16 = 1e-6). The inputs' own
    rounding (1e5 * 1e-16) allows 1e-11 absolute; we ask for 1e-9."""
    data = [randn(3, 8, seed=3, shift=1e5), randn(8, seed=4), randn(8, seed=5)]
    compare_with_torch(ours(ops.layer_norm, 8), theirs((8,)), data, "float64", atol=1e-9)


def test_output_is_normalised(float64):
    y = ops.layer_norm(mg.Tensor(randn(4, 7, seed=6, scale=5.0, shift=-3.0)), 7, eps=0.0)
    y = host(y)
    np.testing.assert_allclose(y.mean(axis=-1), 0, atol=1e-12)
    np.testing.assert_allclose(y.var(axis=-1), 1, rtol=1e-12)


@pytest.mark.parametrize("name", ["layer_norm", "layer_norm_composed"])
def test_a_single_feature_normalises_to_zero(name, float64):
    """With one feature x - mean(x) is exactly 0: the output is the bias, dL/dx is 0 and
    dL/dweight is 0 (PyTorch returns rounding noise of size eps^-1/2 * 1e-7 there in float32)."""
    x = mg.Tensor(randn(3, 1, seed=7), requires_grad=True)
    weight, bias = mg.Tensor([2.0], requires_grad=True), mg.Tensor([0.25], requires_grad=True)
    y = getattr(ops, name)(x, 1, weight, bias)
    np.testing.assert_array_equal(host(y), np.full((3, 1), 0.25))
    y.backward(randn(3, 1, seed=8))
    assert not host(x.grad).any() and not host(weight.grad).any()
    np.testing.assert_allclose(host(bias.grad), randn(3, 1, seed=8).sum(axis=0))


@pytest.mark.parametrize("name", ["layer_norm", "layer_norm_composed"])
def test_weight_and_bias_may_be_backend_arrays(name, float64):
    """Both twins take the same operands: arrays of the backend are constants, as in ops."""
    x, weight, bias = arrays((2, 3), (3,), True)
    as_tensors = ops.layer_norm(mg.Tensor(x), 3, mg.Tensor(weight), mg.Tensor(bias))
    as_arrays = getattr(ops, name)(mg.Tensor(x), 3, mg.Tensor(weight).data, mg.Tensor(bias).data)
    np.testing.assert_allclose(host(as_arrays), host(as_tensors), rtol=1e-12, atol=1e-12)


def test_layer_norm_errors():
    x = mg.Tensor(np.ones((2, 3, 4)))
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(3,\) must be the last "
                                         r"axes of the input, got input of shape \(2, 3, 4\)"):
        ops.layer_norm(x, 3)
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(1, 2, 3, 4\) must"):
        ops.layer_norm(x, (1, 2, 3, 4))
    with pytest.raises(ValueError, match=r"layer_norm: weight has shape \(3,\), expected "
                                         r"normalized_shape \(4,\) \(input \(2, 3, 4\)\)"):
        ops.layer_norm(x, 4, mg.Tensor(np.ones(3)))
    with pytest.raises(ValueError, match=r"layer_norm_composed: bias has shape \(4, 1\)"):
        ops.layer_norm_composed(x, 4, None, mg.Tensor(np.ones((4, 1))))
