"""sin, cos, abs, sqrt, maximum, minimum, clamp, gelu, astype, clone: gradcheck and torch."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from tests.minigrad.engine_checks import DTYPES, check_gradients, compare_with_torch

UNARY = [
    ("sin", ops.sin, torch.sin, lambda r: r.standard_normal((3, 4))),
    ("cos", ops.cos, torch.cos, lambda r: r.standard_normal((3, 4))),
    ("abs", ops.abs, torch.abs, lambda r: r.standard_normal((3, 4))),
    ("sqrt", ops.sqrt, torch.sqrt, lambda r: r.uniform(0.5, 3.0, (3, 4))),
    ("gelu", ops.gelu, torch.nn.functional.gelu, lambda r: 2 * r.standard_normal((3, 4))),
    ("gelu_tanh", lambda t: ops.gelu(t, "tanh"),
     lambda t: torch.nn.functional.gelu(t, approximate="tanh"),
     lambda r: 2 * r.standard_normal((3, 4))),
    ("clamp", lambda t: ops.clamp(t, -0.5, 0.7), lambda t: torch.clamp(t, -0.5, 0.7),
     lambda r: r.standard_normal((3, 4))),
    ("clone", ops.clone, torch.clone, lambda r: r.standard_normal((3, 4))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name, ours, theirs, make", UNARY, ids=[u[0] for u in UNARY])
def test_unary_matches_torch_and_gradcheck(name, ours, theirs, make, dtype, rng):
    x = make(rng)
    compare_with_torch(ours, theirs, [x], dtype)
    check_gradients(ours, [x])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_broadcast_and_ties_match_torch(op, dtype, rng):
    a = rng.standard_normal((3, 4))
    b = rng.standard_normal((1, 4))
    a[0, 1] = b[0, 1]                   # a tie: torch gives each side half the gradient
    compare_with_torch(getattr(ops, op), getattr(torch, op), [a, b], dtype)
    check_gradients(getattr(ops, op), [a + 0.01, b])   # away from ties for finite differences


def test_abs_gradient_at_zero_is_zero_as_torch():
    x = mg.tensor([0.0, -2.0, 3.0], requires_grad=True)
    ops.abs(x).sum().backward()
    assert x.grad.tolist() == [0.0, -1.0, 1.0]


@pytest.mark.parametrize("source, target", [("float64", "float32"), ("float32", "float64")])
def test_astype_between_floats_carries_the_gradient_back_in_the_source_dtype(source, target):
    x = mg.Tensor(np.arange(3.0).astype(source), requires_grad=True)
    x.data = x.data.astype(source)
    y = ops.astype(x, target)
    assert y.dtype == np.dtype(target)
    (y * 2).sum().backward()
    assert x.grad.dtype == np.dtype(source) and x.grad.tolist() == [2.0, 2.0, 2.0]


def test_astype_to_int_or_bool_leaves_the_graph():
    x = mg.tensor([1.5, -0.5], requires_grad=True)
    assert not ops.astype(x, np.int64).requires_grad
    assert ops.astype(x, bool).tolist() == [True, True]


def test_integer_inputs_compute_in_the_default_float_dtype():
    assert ops.sin(mg.arange(3)).dtype == np.float32
    assert ops.abs(mg.tensor([-2, 3])).tolist() == [2, 3]


def test_clamp_needs_a_bound_and_gelu_names_its_modes():
    with pytest.raises(ValueError, match="clamp: give min, max or both"):
        ops.clamp(mg.ones(2))
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        ops.gelu(mg.ones(2), "fast")


def test_maximum_names_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"maximum: shapes \(2,\) and \(3,\) do not broadcast"):
        ops.maximum(mg.ones(2), mg.ones(3))
