"""The strict backend refuses what CuPy would refuse, and computes exactly what NumPy computes.

These tests switch backends themselves, so they run once (numpy_only in the marker's sense).
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, ops, strict

pytestmark = pytest.mark.numpy_only


@pytest.fixture
def device():
    """Switch to the strict backend for this test."""
    mg.set_backend("strict")
    return backend.xp


def test_numpy_asarray_of_a_strict_array_raises(device):
    a = device.ones(3)
    for convert in (np.asarray, np.array):
        with pytest.raises(TypeError, match="strict backend: implicit conversion of a device "
                                            "array to a NumPy array"):
            convert(a)


@pytest.mark.parametrize("name, call", [
    ("sum", lambda a: np.sum(a)), ("concatenate", lambda a: np.concatenate([a, a])),
    ("exp", lambda a: np.exp(a)), ("add", lambda a: np.add(a, a))])
def test_numpy_functions_on_a_strict_array_raise(name, call, device):
    with pytest.raises(TypeError, match=rf"strict backend: numpy\.{name} called on a device "
                                        rf"array; call it through the backend namespace"):
        call(device.ones((2, 2)))


def test_mixing_a_host_array_into_device_arithmetic_raises(device):
    a, h = device.ones(3), np.ones(3)
    with pytest.raises(TypeError, match=r"strict backend: operator __add__ got a host "
                                        r"numpy.ndarray \(3,\)"):
        a + h
    with pytest.raises(TypeError, match="strict backend"):
        h + a
    with pytest.raises(TypeError, match="strict backend: xp.maximum got a host numpy.ndarray"):
        device.maximum(a, h)
    with pytest.raises(TypeError, match="strict backend: indexing got a host numpy.ndarray"):
        a[np.array([0, 1])]
    with pytest.raises(TypeError, match="strict backend: assignment got a host numpy.ndarray"):
        a[0:3] = h


def test_numpy_scalars_and_python_numbers_are_allowed(device):
    a = device.ones(3, dtype=np.float32)
    assert (np.float32(2) * a).dtype == np.float32
    assert backend.to_numpy(a * 2.0 + 1).tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("name", ["genfromtxt", "busday_count", "nditer"])
def test_names_outside_the_cupy_namespace_raise(name, device):
    with pytest.raises(AttributeError, match=rf"strict backend: xp\.{name} is not in the "
                                             rf"CuPy-compatible namespace"):
        getattr(device, name)


def test_every_listed_name_exists_in_numpy():
    missing = [n for n in strict._FUNCTIONS + strict._CONSTANTS if not hasattr(np, n)]
    assert missing == []


def test_explicit_transfers_work(device):
    a = backend.asarray(np.arange(4.0))
    assert type(a) is strict.StrictArray
    host_copy = backend.to_numpy(a)
    host_copy[0] = 99
    assert backend.to_numpy(a)[0] == 0.0
    assert a.sum().item() == 6.0 and float(a[1]) == 1.0


def _training_step(seed):
    """Forward and backward of a small model on the current backend; host copies of results."""
    rng = np.random.default_rng(seed)
    x = mg.Tensor(rng.standard_normal((2, 4, 3)))
    w = mg.Tensor(rng.standard_normal((6, 3)) * 0.5, requires_grad=True)
    w_hh = mg.Tensor(rng.standard_normal((6, 2)) * 0.5, requires_grad=True)
    emb = mg.Tensor(rng.standard_normal((5, 3)), requires_grad=True)
    ids = rng.integers(0, 5, (2, 4))
    h = mg.Tensor(np.zeros((2, 2)))
    inputs = x + ops.embedding(ids, emb)
    outputs = []
    for t in range(4):
        h = ops.gru_cell(ops.linear(inputs[:, t], w), h, w_hh)
        outputs.append(h)
    scores = ops.bmm(ops.stack(outputs, 1), ops.stack(outputs, 1).transpose(1, 2))
    weights = ops.masked_softmax(scores, np.array([2, 4]))
    logits = ops.matmul(weights, ops.stack(outputs, 1))
    loss = ops.cross_entropy(logits, rng.integers(0, 2, (2, 4)), np.array([[1, 1, 0, 0]] * 2))
    loss = loss + ops.dropout(logits, 0.3).max() + logits.log_softmax().mean()
    loss.backward()
    return [loss.data, w.grad, w_hh.grad, emb.grad]


def test_results_match_numpy_to_rounding():
    """Strict runs the device path, fused CUDA kernels included (compiled for the host), so a
    training step agrees with NumPy's to float64 rounding rather than bit for bit."""
    results = {}
    for name in ("numpy", "strict"):
        mg.set_backend(name)
        mg.set_default_dtype("float64")
        mg.manual_seed(0)
        results[name] = [backend.to_numpy(a) for a in _training_step(seed=1)]
    for ours, reference in zip(results["strict"], results["numpy"]):
        np.testing.assert_allclose(ours, reference, rtol=1e-10, atol=1e-13)
