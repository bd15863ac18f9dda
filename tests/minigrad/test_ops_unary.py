"""exp, log, tanh, sigmoid, relu: gradcheck, PyTorch parity, and behaviour at the extremes."""
import warnings

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_with_torch, host

UNARY = {
    "exp": (ops.exp, torch.exp),
    "log": (ops.log, torch.log),
    "tanh": (ops.tanh, torch.tanh),
    "sigmoid": (ops.sigmoid, torch.sigmoid),
    "relu": (ops.relu, torch.relu),
}
SHAPES = [(5,), (2, 3, 4), (1, 1), ()]


def data(name, shape, seed=0):
    rng = np.random.default_rng(seed)
    if name == "log":
        return rng.uniform(0.2, 3.0, shape)
    x = rng.standard_normal(shape)
    if name == "relu":   # keep away from the kink at 0, where finite differences are wrong
        x = np.where(np.abs(x) < 0.1, 0.5, x)
    return x


@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_gradcheck(name, shape):
    check_gradients(UNARY[name][0], [data(name, shape)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_unary_matches_torch(name, shape, dtype):
    compare_with_torch(UNARY[name][0], UNARY[name][1], [data(name, shape)], dtype)


@pytest.mark.parametrize("name", ["exp", "log", "tanh", "sigmoid", "relu"])
def test_methods_are_the_ops(name, float64):
    x = mg.Tensor(data(name, (2, 3)))
    np.testing.assert_array_equal(getattr(x, name)().numpy(), UNARY[name][0](x).numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_and_tanh_saturate_without_overflow(dtype):
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")   # an overflow in exp would warn
        for name in ("sigmoid", "tanh"):
            compare_with_torch(UNARY[name][0], UNARY[name][1], [x], dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_keeps_its_relative_accuracy_in_the_tail(dtype):
    """sigmoid(-30) is 9e-14, not 0: every digit counts (a (1 + tanh(x/2)) / 2 form has none)."""
    mg.set_default_dtype(dtype)
    x = np.linspace(-80.0, 5.0, 86)
    ours = ops.sigmoid(mg.Tensor(x.astype(dtype))).numpy()
    theirs = torch.sigmoid(torch.from_numpy(x.astype(dtype))).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-6 if dtype == "float32" else 1e-14, atol=0)


def test_relu_gradient_at_zero_is_zero_as_in_torch():
    compare_with_torch(ops.relu, torch.relu, [np.array([-1.0, 0.0, 2.0])], "float64")


def test_unary_chain(float64):
    """A chain of every unary op: each backward uses its own saved output or input."""
    def f(t):
        return ops.relu(ops.log(ops.exp(ops.tanh(ops.sigmoid(t))) + 1.0))

    def f_torch(t):
        return torch.relu(torch.log(torch.exp(torch.tanh(torch.sigmoid(t))) + 1.0))
    x = data("tanh", (3, 4))
    check_gradients(f, [x])
    compare_with_torch(f, f_torch, [x], "float64")
    compare_with_torch(f, f_torch, [x], "float32")


def test_integer_input_gives_float_result():
    y = ops.exp(mg.Tensor(np.array([0, 1])))
    assert y.dtype.kind == "f"
    np.testing.assert_allclose(host(y), np.exp([0.0, 1.0]))
