"""PositionalEncoding against the closed formula, its gradient, dropout and errors."""
import math
import re

import numpy as np
import pytest

import minigrad as mg
from attention import PositionalEncoding


def formula(max_len, d):
    """P[i, 2j] = sin(i / 10000^(2j/d)), P[i, 2j+1] = cos(i / 10000^(2j/d)), one entry at a time."""
    P = np.zeros((max_len, d))
    for i in range(max_len):
        for column in range(d):
            j = column // 2
            angle = i / 10000 ** (2 * j / d)
            P[i, column] = math.sin(angle) if column % 2 == 0 else math.cos(angle)
    return P


@pytest.mark.parametrize("d", [8, 7])
def test_table_matches_the_closed_formula(d):
    encoding = PositionalEncoding(d, dropout=0.0, max_len=50)
    assert encoding.P.shape == (1, 50, d)
    np.testing.assert_allclose(encoding.P[0], formula(50, d), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_forward_adds_the_first_T_rows_and_passes_the_gradient_through(dtype, rng):
    mg.set_default_dtype(dtype)
    encoding = PositionalEncoding(6, dropout=0.0, max_len=20)
    X = mg.Tensor(rng.standard_normal((2, 5, 6)), requires_grad=True)
    out = encoding(X)
    tolerance = 1e-12 if dtype == "float64" else 1e-6
    np.testing.assert_allclose(out.numpy(), X.numpy() + formula(5, 6)[None], rtol=tolerance,
                               atol=tolerance)
    assert out.dtype == np.dtype(dtype)
    grad = rng.standard_normal((2, 5, 6))
    out.backward(mg.Tensor(grad))
    np.testing.assert_allclose(mg.backend.to_numpy(X.grad), grad, rtol=tolerance)


def test_gradcheck(float64, rng):
    encoding = PositionalEncoding(4, dropout=0.0, max_len=10)
    X = mg.Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    assert mg.gradcheck(encoding, [X])


def test_dropout_in_training_only(rng):
    encoding = PositionalEncoding(8, dropout=0.5)
    X = mg.Tensor(rng.standard_normal((4, 10, 8)))
    clean = X.numpy() + formula(10, 8)[None]
    noisy = encoding(X).numpy()
    kept = noisy != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(noisy[kept], clean[kept] / 0.5, rtol=1e-5)
    np.testing.assert_allclose(encoding.eval()(X).numpy(), clean, rtol=1e-5, atol=1e-6)


def test_the_table_is_not_a_parameter():
    assert PositionalEncoding(8, 0.1).state_dict() == {}


@pytest.mark.parametrize("shape", [(2, 11, 8), (2, 5, 6), (5, 8)])
def test_bad_shapes_are_reported(shape):
    encoding = PositionalEncoding(8, dropout=0.0, max_len=10)
    with pytest.raises(ValueError, match=r"PositionalEncoding: expected X of shape \(B, T, 8\) "
                                         r"with offset \+ T <= max_len = 10 and offset >= 0, "
                                         r"got " + re.escape(str(shape)) + " at offset 0"):
        encoding(mg.Tensor(np.zeros(shape)))


@pytest.mark.parametrize("sizes, message", [((0, 10), "num_hiddens must be an integer >= 1, got 0"),
                                            ((8.0, 10), "num_hiddens .*, got 8.0"),
                                            ((8, -1), "max_len must be an integer >= 1, got -1")])
def test_bad_sizes_are_reported(sizes, message):
    with pytest.raises(ValueError, match="PositionalEncoding: " + message):
        PositionalEncoding(sizes[0], 0.0, max_len=sizes[1])


def test_offset_adds_the_rows_from_offset_on(rng):
    """Step by step with offsets 0, 1, ... adds the same rows as the whole sequence at once."""
    mg.set_default_dtype("float64")
    encoding = PositionalEncoding(6, dropout=0.0, max_len=8)
    X = rng.standard_normal((2, 5, 6))
    whole = encoding(mg.Tensor(X)).numpy()
    steps = [encoding(mg.Tensor(X[:, t:t + 1]), offset=t).numpy() for t in range(5)]
    np.testing.assert_array_equal(np.concatenate(steps, axis=1), whole)
    np.testing.assert_allclose(encoding(mg.Tensor(X[:, :3]), offset=5).numpy(),
                               X[:, :3] + formula(8, 6)[None, 5:], rtol=1e-12, atol=1e-12)
    for offset in (6, -1):
        with pytest.raises(ValueError, match=rf"got \(2, 3, 6\) at offset {offset}"):
            encoding(mg.Tensor(X[:, :3]), offset=offset)
