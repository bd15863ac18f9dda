"""matmul (2-D, batched, broadcast batch axes, 3-D @ 2-D), bmm and linear."""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

import minigrad as mg
from minigrad import ops
from engine_checks import DTYPES, check_gradients, compare_with_torch


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


MATMULS = [
    ((3, 4), (4, 5)),            # 2-D
    ((2, 3, 4), (2, 4, 5)),      # batched
    ((2, 1, 3, 4), (5, 4, 2)),   # batch axes broadcast on both sides
    ((2, 3, 4), (4, 5)),         # 3-D @ 2-D: the weight-matrix path
    ((3, 4), (2, 4, 5)),         # 2-D @ 3-D
    ((1, 1), (1, 1)),            # edge sizes
    ((1, 1, 4), (4, 1)),
    ((2, 3, 1), (2, 1, 4)),      # inner size 1: an outer product, computed by broadcasting
    ((2, 1, 3, 1), (5, 1, 2)),   # ... with batch axes broadcast
    ((3, 1, 5), (3, 5, 4)),      # one query per example: the outer product is dL/db's
]


@pytest.mark.parametrize("shapes", MATMULS, ids=str)
def test_matmul_gradcheck(shapes):
    check_gradients(ops.matmul, [randn(*shapes[0]), randn(*shapes[1], seed=1)])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", MATMULS, ids=str)
def test_matmul_matches_torch(shapes, dtype):
    arrays = [randn(*shapes[0]), randn(*shapes[1], seed=1)]
    compare_with_torch(ops.matmul, torch.matmul, arrays, dtype)
    compare_with_torch(lambda a, b: a @ b, lambda a, b: a @ b, arrays, dtype)


def test_matmul_with_one_constant_operand(float64):
    a = mg.Tensor(randn(2, 3, 4), requires_grad=True)
    b = mg.Tensor(randn(4, 5))
    (a @ b).sum().backward()
    assert a.grad is not None and b.grad is None
    c = mg.Tensor(randn(2, 3, 4))
    d = mg.Tensor(randn(4, 5), requires_grad=True)
    (c @ d).sum().backward()
    assert c.grad is None and d.grad.shape == (4, 5)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("batch", [1, 3])
def test_bmm(batch, dtype):
    arrays = [randn(batch, 2, 4), randn(batch, 4, 3, seed=1)]
    compare_with_torch(ops.bmm, torch.bmm, arrays, dtype)
    check_gradients(ops.bmm, arrays)


LINEARS = [  # (x shape, out_features)
    ((3, 4), 5),
    ((2, 3, 4), 5),     # 3-D input
    ((1, 4), 1),        # batch 1, one output
    ((4,), 2),          # a single vector
]


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, out", LINEARS, ids=str)
def test_linear_gradcheck(x_shape, out, bias):
    arrays = [randn(*x_shape), randn(out, x_shape[-1], seed=1)] + ([randn(out, seed=2)] * bias)
    check_gradients(ops.linear, arrays)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("x_shape, out", LINEARS, ids=str)
def test_linear_matches_torch(x_shape, out, bias, dtype):
    arrays = [randn(*x_shape), randn(out, x_shape[-1], seed=1)] + ([randn(out, seed=2)] * bias)
    compare_with_torch(ops.linear, F.linear, arrays, dtype)


def test_linear_matches_its_composed_form(float64):
    arrays = [randn(2, 3, 4), randn(5, 4, seed=1), randn(5, seed=2)]
    compare_with_torch(ops.linear, lambda x, w, b: x @ w.T + b, arrays, "float64")
    compare_with_torch(lambda x, w, b: x @ w.T + b, F.linear, arrays, "float64")


def test_matmul_errors():
    a = mg.Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"matmul: expected a \(\.\.\., n, k\) and b \(\.\.\., "
                                         r"k, m\), got \(2, 3\) and \(4, 5\)"):
        a @ mg.Tensor(np.ones((4, 5)))
    with pytest.raises(ValueError, match=r"matmul: the inner sizes of \(3,\) and \(4, 2\)"):
        ops.matmul(mg.Tensor(np.ones(3)), mg.Tensor(np.ones((4, 2))))
    with pytest.raises(ValueError, match=r"matmul: expected .* got \(\) and \(3, 2\)"):
        ops.matmul(mg.Tensor(np.ones(())), mg.Tensor(np.ones((3, 2))))
    with pytest.raises(ValueError, match=r"matmul: the batch axes of \(2,\) and \(5,\) do not "
                                         r"broadcast"):
        mg.Tensor(np.ones((2, 3, 4))) @ mg.Tensor(np.ones((5, 4, 6)))
    with pytest.raises(ValueError, match=r"matmul: the batch axes of \(2,\) and \(5,\) do not "
                                         r"broadcast"):
        mg.Tensor(np.ones((2, 3, 1))) @ mg.Tensor(np.ones((5, 1, 6)))


def test_bmm_errors():
    with pytest.raises(ValueError, match=r"bmm: expected a \(B, n, k\) and b \(B, k, m\) with "
                                         r"the same B, got \(2, 3, 4\) and \(3, 4, 5\)"):
        ops.bmm(mg.Tensor(np.ones((2, 3, 4))), mg.Tensor(np.ones((3, 4, 5))))
    with pytest.raises(ValueError, match="bmm: expected"):
        ops.bmm(mg.Tensor(np.ones((3, 4))), mg.Tensor(np.ones((4, 5))))


def test_linear_errors():
    x = mg.Tensor(np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"linear: expected x \(\.\.\., in\) and weight \(out, "
                                         r"in\), got x \(3, 4\) and weight \(2, 5\)"):
        ops.linear(x, mg.Tensor(np.ones((2, 5))))
    with pytest.raises(ValueError, match=r"linear: bias has shape \(3,\), expected \(2,\)"):
        ops.linear(x, mg.Tensor(np.ones((2, 4))), mg.Tensor(np.ones(3)))
