"""Tensor: dtypes on creation, requires_grad rules, host copies, and Python scalars in operators."""
import numpy as np
import pytest

import minigrad as mg
from engine_checks import host


@pytest.mark.parametrize("data", [[1.5, 2.0], np.array([1.5, 2.0]), np.float64(1.5), 2.5,
                                  np.array([1.0, 2.0], dtype=np.float16)],
                         ids=["list", "float64 array", "numpy scalar", "python float", "float16"])
def test_float_data_takes_the_default_dtype(data):
    assert mg.Tensor(data).dtype == np.float32
    mg.set_default_dtype("float64")
    assert mg.get_default_dtype() == np.float64
    assert mg.Tensor(data).dtype == np.float64


@pytest.mark.parametrize("data, dtype", [([1, 2], np.int64), (np.array([1, 2], np.int32), np.int32),
                                         (np.array([True, False]), np.bool_), (7, np.int64)])
def test_integer_and_boolean_data_keep_their_dtype(data, dtype):
    for default in ("float32", "float64"):
        mg.set_default_dtype(default)
        assert mg.Tensor(data).dtype == dtype


def test_values_survive_the_round_trip(rng):
    a = rng.standard_normal((2, 3)).astype(np.float32)
    np.testing.assert_array_equal(mg.Tensor(a).numpy(), a)
    b = rng.integers(-5, 5, (4,))
    np.testing.assert_array_equal(mg.Tensor(b).numpy(), b)


def test_requires_grad_on_integer_data_raises():
    with pytest.raises(TypeError, match="Tensor: requires_grad=True needs float data, got dtype "
                                        "int64; only float tensors have gradients"):
        mg.Tensor([1, 2], requires_grad=True)
    with pytest.raises(TypeError, match="requires_grad_: needs float data, got dtype int64"):
        mg.Tensor([1, 2]).requires_grad_()


def test_requires_grad_flag():
    x = mg.Tensor([1.0, 2.0])
    assert not x.requires_grad and x.grad is None
    assert x.requires_grad_() is x and x.requires_grad
    assert mg.Tensor([1.0], requires_grad=True).requires_grad


def test_numpy_is_a_host_copy():
    x = mg.Tensor([1.0, 2.0])
    a = x.numpy()
    assert type(a) is np.ndarray and a.dtype == np.float32
    a[0] = 100.0
    assert x.numpy()[0] == 1.0


def test_item():
    assert mg.Tensor([[2.5]]).item() == 2.5
    assert isinstance(mg.Tensor(2.5).item(), float)
    assert isinstance(mg.Tensor(3).item(), int)
    with pytest.raises(ValueError, match=r"item: needs a one-element tensor, got shape \(2,\)"):
        mg.Tensor([1.0, 2.0]).item()


def test_information():
    x = mg.Tensor(np.zeros((2, 3, 4)))
    assert ((x.shape, x.ndim, x.numel(), x.size(), x.size(1), len(x))
            == ((2, 3, 4), 3, 24, (2, 3, 4), 3, 2))
    leaf = mg.Tensor(np.ones(2), requires_grad=True)
    assert "requires_grad=True" in repr(leaf) and "grad_fn=<ExpBackward0>" in repr(leaf.exp())


def test_tensor_of_a_tensor_shares_the_data():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = mg.Tensor(x)
    assert y.data is x.data and not y.requires_grad


@pytest.mark.parametrize("expression", [
    lambda t: t + 2, lambda t: 2 + t, lambda t: t - 2.5, lambda t: 2.5 - t,
    lambda t: t * 3.0, lambda t: 3.0 * t, lambda t: t / 2, lambda t: 2 / t,
    lambda t: t ** 2, lambda t: 2.0 ** t, lambda t: -t, lambda t: t * np.float64(1.5),
    lambda t: np.float64(1.5) - t,
], ids=["t+2", "2+t", "t-2.5", "2.5-t", "t*3.0", "3.0*t", "t/2", "2/t", "t**2", "2.0**t", "-t",
        "t*np.float64", "np.float64-t"])
def test_python_scalars_keep_float32(expression):
    x_host = np.array([0.5, 1.5, 2.5], dtype=np.float32)
    x = mg.Tensor(x_host, requires_grad=True)
    y = expression(x)
    assert y.dtype == np.float32
    np.testing.assert_allclose(host(y), expression(x_host).astype(np.float32), rtol=1e-6)
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_float32_and_float64_tensors_mix_like_numpy():
    a = mg.Tensor([1.0, 2.0])
    mg.set_default_dtype("float64")
    b = mg.Tensor([1.0, 2.0])
    assert (a + b).dtype == np.float64


def test_set_default_dtype_rejects_other_types():
    with pytest.raises(TypeError, match="set_default_dtype: expected float32 or float64, got "
                                        "float16"):
        mg.set_default_dtype("float16")
    with pytest.raises(TypeError, match="got int64"):
        mg.set_default_dtype("int64")


def test_hash_is_identity():
    a, b = mg.Tensor([1.0]), mg.Tensor([1.0])
    assert len({a, b, a}) == 2


def test_a_tensor_that_requires_grad_owns_its_data():
    """An optimizer updates parameters in place; on the NumPy backend a Parameter made from the
    caller's float32 array used to be that array, so training rewrote it (on a device backend
    it never was). A tensor that requires grad now starts from a copy, as torch.tensor does."""
    w_host = np.ones((2, 2), np.float32)
    w = mg.nn.Parameter(w_host)
    x = mg.Tensor([1.0, 2.0])
    v = mg.Tensor(x, requires_grad=True)
    for p in (w, v):
        p.grad = mg.backend.xp.ones(p.shape, dtype=p.dtype)
    mg.optim.SGD([w, v], lr=0.5).step()
    np.testing.assert_array_equal(w_host, np.ones((2, 2)))
    np.testing.assert_array_equal(host(x), [1.0, 2.0])
    np.testing.assert_array_equal(host(w), np.full((2, 2), 0.5))


@pytest.mark.parametrize("data, message", [
    (None, "Tensor: data must be numbers .bool, int or float., got NoneType of dtype object"),
    ("abc", "Tensor: data must be numbers .bool, int or float., got str of dtype <U3"),
    ([1.0, None], "Tensor: data must be numbers .bool, int or float., got list of dtype "
                  "object"),
    ([[1, 2], [3]], "Tensor: the data does not form a rectangular array .nested lists of "
                    "unequal lengths\\?.: setting an array element with a sequence"),
], ids=["None", "str", "list with None", "ragged"])
def test_data_that_is_not_numbers_is_refused(data, message):
    """Such data used to become an object or string array, garbage for every op after."""
    with pytest.raises((TypeError, ValueError), match=message):
        mg.Tensor(data)


@pytest.mark.parametrize("default", ["float32", "float64"])
@pytest.mark.parametrize("expression", [
    lambda i, f: i * 0.5, lambda i, f: 0.5 * i, lambda i, f: i / 2, lambda i, f: 1 / i,
    lambda i, f: i / i, lambda i, f: i + f, lambda i, f: f * i, lambda i, f: f - i,
    lambda i, f: i ** 0.5, lambda i, f: i ** f, lambda i, f: 2.0 ** i, lambda i, f: i.exp(),
    lambda i, f: i.log(), lambda i, f: i.tanh(), lambda i, f: i.sigmoid(),
    lambda i, f: i + 2, lambda i, f: i * i, lambda i, f: -i, lambda i, f: i ** 2,
], ids=["i*0.5", "0.5*i", "i/2", "1/i", "i/i", "i+f", "f*i", "f-i", "i**0.5", "i**f",
        "2.0**i", "exp", "log", "tanh", "sigmoid", "i+2", "i*i", "-i", "i**2"])
def test_integer_tensors_in_float_math_follow_torch(expression, default):
    """Integer data meeting float math computes in the float operand's dtype, or the default
    float dtype, as in torch; NumPy alone would pick float64 (positions * 0.5 under a float32
    default). Integer-only arithmetic stays integer."""
    torch = pytest.importorskip("torch")
    mg.set_default_dtype(default)
    torch.set_default_dtype(getattr(torch, default))
    try:
        ints, floats = np.arange(1, 4), np.array([0.5, 1.5, 2.5])
        ours = expression(mg.Tensor(ints), mg.Tensor(floats))
        theirs = expression(torch.tensor(ints),
                            torch.tensor(floats, dtype=getattr(torch, default)))
    finally:
        torch.set_default_dtype(torch.float32)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_allclose(host(ours), theirs.numpy(), rtol=1e-6)
