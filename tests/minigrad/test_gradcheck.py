"""mg.gradcheck passes correct gradients and reports wrong ones precisely."""
import re

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops
from engine_checks import host


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def bad_square(x):
    """y = x^2 with a wrong backward: x instead of 2x."""
    return mg.Tensor._from_op(x.data * x.data, (x,), lambda g: (g * x.data,), "bad_square")


def bad_mul(a, b):
    """y = a * b whose gradient for b is off by one: a + 1 instead of a."""
    return mg.Tensor._from_op(a.data * b.data, (a, b),
                              lambda g: (g * b.data, g * (a.data + 1)), "bad_mul")


def leaves(*arrays):
    return [mg.Tensor(a, requires_grad=True) for a in arrays]


REPORT = re.compile(r"input (\d+) \(shape (.*?)\): worst at (element \((.*?)\)|a random "
                    r"direction): numeric (\S+), analytic (\S+), difference")


def test_passes_on_correct_ops(float64):
    x, w, b = leaves(randn(3, 4), randn(5, 4, seed=1), randn(5, seed=2))
    assert mg.gradcheck(lambda x, w, b: ops.linear(x, w, b).tanh().sum(0), [x, w, b]) is True


def test_a_wrong_backward_fails_and_the_report_names_the_worst_element(float64):
    x_host = randn(2, 3)
    with pytest.raises(mg.GradcheckError) as error:
        mg.gradcheck(bad_square, leaves(x_host))
    match = REPORT.search(str(error.value))
    assert match, str(error.value)
    number, shape, _, element, numeric, analytic = match.groups()
    assert (number, shape) == ("0", "(2, 3)")
    element = tuple(int(i) for i in element.split(","))
    numeric, analytic = float(numeric), float(analytic)
    # numeric is d/dx of sum(R * x^2) = 2 R x, analytic is R x: exactly twice at that element
    assert numeric == pytest.approx(2 * analytic, rel=1e-6)
    assert analytic != 0 and element < (2, 3)


def test_only_the_wrong_input_is_reported(float64):
    with pytest.raises(mg.GradcheckError) as error:
        mg.gradcheck(bad_mul, leaves(randn(3), randn(3, seed=1)))
    report = str(error.value)
    assert "input 1 (shape (3,))" in report and "input 0" not in report


def test_large_inputs_use_random_directions(float64):
    x = leaves(randn(20, 10))[0]     # 200 elements > max_elements
    assert mg.gradcheck(lambda t: (t * t).tanh(), [x]) is True
    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(20, 10\)\): worst at a "
                                                r"random direction: numeric"):
        mg.gradcheck(bad_square, [x])


def test_report_without_raising(float64):
    with pytest.warns(UserWarning, match="gradcheck failed"):
        assert mg.gradcheck(bad_square, leaves(randn(3)), raise_exception=False) is False


def test_inputs_are_restored(float64):
    x_host = randn(3, 2)
    x = leaves(x_host)[0]
    mg.gradcheck(lambda t: t.exp(), [x])
    np.testing.assert_array_equal(host(x), x_host)


def test_constant_inputs_are_left_alone(float64):
    x, c = mg.Tensor(randn(3), requires_grad=True), mg.Tensor(randn(3, seed=1))
    assert mg.gradcheck(lambda x, c: x * c, [x, c]) is True
    assert c.grad is None


def test_needs_float64():
    with pytest.raises(TypeError, match="gradcheck: input 0 has dtype float32; central "
                                        "differences need float64"):
        mg.gradcheck(lambda t: t * 2, [mg.Tensor(randn(3), requires_grad=True)])


def test_needs_an_input_that_requires_grad(float64):
    with pytest.raises(ValueError, match="gradcheck: no input has requires_grad=True"):
        mg.gradcheck(lambda t: t * 2, [mg.Tensor(randn(3))])


def test_fn_must_return_a_tensor(float64):
    with pytest.raises(TypeError, match="gradcheck: fn must return a Tensor, got float"):
        mg.gradcheck(lambda t: 1.0, leaves(randn(3)))


def nan_backward(x):
    """y = 2x whose backward returns NaN: a broken gradient must never pass."""
    return mg.Tensor._from_op(x.data * 2, (x,), lambda g: (g * np.nan,), "nan_backward")


def test_a_nan_gradient_fails(float64):
    with pytest.raises(mg.GradcheckError, match=r"input 0 \(shape \(3,\)\): worst at element "
                                                r"\(0,\): numeric \S+, analytic nan"):
        mg.gradcheck(nan_backward, leaves(randn(3)))
    with pytest.raises(mg.GradcheckError, match=r"random direction: numeric \S+, analytic nan"):
        mg.gradcheck(nan_backward, leaves(randn(100)))
