"""add, sub, mul, div, neg and pow: gradcheck, PyTorch parity (with broadcasting), bad shapes."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_with_torch, host

# Pairs of shapes that broadcast, including scalars, size-1 axes on both sides and batch 1.
SHAPE_PAIRS = [
    ((3, 4), (3, 4)),
    ((2, 3, 4), (4,)),
    ((3, 1), (1, 4)),
    ((1,), (2, 3)),
    ((2, 1, 3), (4, 1)),
    ((), (2, 3)),
    ((1, 1), (1, 1)),
]

BINARY = {
    "add": (ops.add, torch.add),
    "sub": (ops.sub, torch.sub),
    "mul": (ops.mul, torch.mul),
    "div": (ops.div, torch.div),
    "pow": (ops.pow, torch.pow),
}


def operands(name, shape_a, shape_b, seed=0):
    """Random operands; a divisor stays away from 0 and a base of a tensor power is positive."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal(shape_a)
    b = rng.standard_normal(shape_b)
    if name == "div":
        b = np.where(b < 0, -1.0, 1.0) * rng.uniform(0.5, 2.0, shape_b)
    if name == "pow":
        a = rng.uniform(0.5, 2.0, shape_a)
    return a, b


@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_gradcheck(name, shapes):
    check_gradients(BINARY[name][0], operands(name, *shapes))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY)
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_matches_torch(name, shapes, dtype):
    ours, theirs = BINARY[name]
    inputs, out = compare_with_torch(ours, theirs, operands(name, *shapes), dtype)
    assert out.shape == np.broadcast_shapes(*shapes)
    assert [t.grad.shape for t in inputs] == list(shapes)


@pytest.mark.parametrize("dtype", DTYPES)
def test_neg(dtype):
    x = np.random.default_rng(0).standard_normal((2, 3))
    compare_with_torch(ops.neg, torch.neg, [x], dtype)
    compare_with_torch(lambda t: -t, lambda t: -t, [x], dtype)
    check_gradients(ops.neg, [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1.5, 1, 0])
def test_pow_scalar_exponent(exponent, dtype):
    x = np.random.default_rng(1).uniform(0.5, 2.0, (3, 4))   # positive: 0.5 and -1.5 need it
    compare_with_torch(lambda t: t ** exponent, lambda t: t ** exponent, [x], dtype)
    check_gradients(lambda t: ops.pow(t, exponent), [x])


def test_pow_integer_exponent_of_negative_base(float64):
    x = np.array([-2.0, -0.5, 1.5])
    compare_with_torch(lambda t: t ** 3, lambda t: t ** 3, [x], "float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("expression", [
    lambda t: t + 2.5, lambda t: 2.5 + t, lambda t: t - 2.5, lambda t: 2.5 - t,
    lambda t: t * 3, lambda t: 3 * t, lambda t: t / 4.0, lambda t: 4.0 / t,
    lambda t: 2 ** t, lambda t: t ** 2,
], ids=["t+s", "s+t", "t-s", "s-t", "t*s", "s*t", "t/s", "s/t", "s**t", "t**s"])
def test_python_scalars_on_either_side(expression, dtype):
    x = np.random.default_rng(2).uniform(0.5, 2.0, (2, 3))
    compare_with_torch(expression, expression, [x], dtype)


def test_gradient_only_for_inputs_that_require_it(float64):
    a = mg.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    b = mg.Tensor(np.array([3.0, 4.0]))
    for op in (ops.add, ops.sub, ops.mul, ops.div, ops.pow):
        a.grad = None
        op(a, b).sum().backward()
        assert a.grad is not None and b.grad is None


def test_inputs_are_not_modified(float64):
    a_host, b_host = np.array([[1.0, 2.0]]), np.array([[3.0], [4.0]])
    a, b = mg.Tensor(a_host, requires_grad=True), mg.Tensor(b_host, requires_grad=True)
    (a * b + a / b - b ** a).sum().backward()
    np.testing.assert_array_equal(a.numpy(), a_host)
    np.testing.assert_array_equal(b.numpy(), b_host)


@pytest.mark.parametrize("name", BINARY)
def test_shapes_that_do_not_broadcast(name):
    a, b = mg.Tensor(np.ones((2, 3))), mg.Tensor(np.ones(4))
    with pytest.raises(ValueError, match=rf"{name}: shapes \(2, 3\) and \(4,\) do not broadcast"):
        BINARY[name][0](a, b)


def test_operator_shape_error_names_the_op():
    with pytest.raises(ValueError, match=r"mul: shapes \(3,\) and \(2, 2\)"):
        mg.Tensor(np.ones(3)) * mg.Tensor(np.ones((2, 2)))


def test_host_array_operand_under_a_device_backend(backend):
    x = mg.Tensor(np.ones(3))
    if backend == "numpy":
        np.testing.assert_array_equal(host(ops.add(x, np.ones(3))), np.full(3, 2.0))
    else:
        with pytest.raises(TypeError, match="add: got a host numpy.ndarray of shape"):
            ops.add(x, np.ones(3))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("expression", [
    lambda t: t ** np.float64(2.0), lambda t: t ** np.int64(3), lambda t: t ** np.float64(0.5),
    lambda t: t * np.float64(3.0), lambda t: t / np.float32(4.0), lambda t: t - np.int64(1),
], ids=["t**f64", "t**i64", "t**sqrt", "t*f64", "t/f32", "t-i64"])
def test_numpy_scalars_act_as_python_scalars(expression, dtype):
    """A NumPy scalar (a schedule's factor, np.sqrt(d)) keeps a float32 tensor float32, as in
    torch; NumPy alone would promote float32 ** numpy.float64 to float64."""
    x = np.random.default_rng(2).uniform(0.5, 2.0, (2, 3))
    compare_with_torch(expression, expression, [x], dtype)
