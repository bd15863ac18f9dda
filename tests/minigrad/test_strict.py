"""The strict backend refuses what CuPy would refuse, and computes exactly what NumPy computes.

These tests switch backends themselves, so they run once (numpy_only in the marker's sense).
"""
import operator

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, ops
from minigrad.testing import counter, strict

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


# -- what CuPy refuses, refused here too (each measured against CuPy 14) -------------------

@pytest.mark.parametrize("use", [lambda a: range(a), lambda a: [10, 20, 30][a],
                                 lambda a: operator.index(a), lambda a: "abc"[:a]])
def test_a_device_array_as_a_python_index_is_refused(use, device):
    a = device.asarray(np.array(1))
    with pytest.raises(TypeError, match=r"strict backend: a device array \(\) used as a Python "
                                        r"index .*use int\(a\) explicitly, which is a sync"):
        use(a)
    assert list(range(int(a))) == [0]       # the explicit conversion stays allowed


@pytest.mark.parametrize("call, where", [
    (lambda xp, a: xp.add(a, [1.0, 2.0]), r"xp\.add"),
    (lambda xp, a: xp.maximum((1.0, 2.0), a), r"xp\.maximum"),
    (lambda xp, a: a * [1.0, 2.0], r"operator __mul__"),
    (lambda xp, a: xp.add.at(a, xp.asarray([0]), [1.0]), r"xp\.add\.at"),
    (lambda xp, a: xp.maximum.reduce([1.0, 2.0]), r"xp\.maximum\.reduce")])
def test_python_lists_and_tuples_as_ufunc_operands_are_refused(call, where, device):
    with pytest.raises(TypeError, match=rf"strict backend: {where} got a Python (list|tuple) "
                                        rf"as an operand, which CuPy refuses"):
        call(device, device.ones(2))


def test_scalars_and_tuple_indices_stay_allowed_in_ufuncs(device):
    a = device.zeros((2, 2))
    device.add.at(a, (device.asarray([0, 0]), device.asarray([1, 1])), 1.0)   # index tuple
    b = device.maximum(a, 0.5) + np.float32(1) - 2
    assert backend.to_numpy(b).tolist() == [[-0.5, 1.0], [-0.5, -0.5]]


@pytest.mark.parametrize("call, where, keyword", [
    (lambda xp, a: xp.sum(a, initial=0.0), r"xp\.sum", "initial"),
    (lambda xp, a: xp.max(a, where=a > 0, initial=0.0), r"xp\.max", "initial"),
    (lambda xp, a: xp.mean(a, where=a > 0), r"xp\.mean", "where"),
    (lambda xp, a: a.sum(where=a > 0), r"ndarray\.sum", "where"),
    (lambda xp, a: a.max(initial=0.0), r"ndarray\.max", "initial"),
    (lambda xp, a: xp.maximum.reduce(a, initial=0.0), r"xp\.maximum\.reduce", "initial"),
    (lambda xp, a: xp.argsort(a, stable=True), r"xp\.argsort", "stable"),
    (lambda xp, a: xp.take(a, xp.asarray([5]), mode="clip"), r"xp\.take", "mode"),
    (lambda xp, a: a.take(xp.asarray([5]), mode="wrap"), r"ndarray\.take", "mode"),
    (lambda xp, a: xp.clip(a, min=0.0), r"xp\.clip", "min"),
    (lambda xp, a: xp.clip(a, 0.0, max=1.0), r"xp\.clip", "max")])
def test_keywords_cupy_lacks_are_refused(call, where, keyword, device):
    with pytest.raises(TypeError, match=rf"strict backend: {where}\(\.\.\., {keyword}=\.\.\.\) "
                                        rf"is refused: CuPy's {where} has no {keyword}= keyword"):
        call(device, device.asarray(np.array([3.0, -1.0, 2.0])))


def test_the_forms_cupy_takes_stay_allowed(device):
    a = device.asarray(np.array([3.0, -1.0, 2.0]))
    assert backend.to_numpy(device.clip(a, 0.0, 2.0)).tolist() == [2.0, 0.0, 2.0]
    assert backend.to_numpy(a.clip(min=0.0, max=2.0)).tolist() == [2.0, 0.0, 2.0]  # CuPy's method
    assert backend.to_numpy(device.argsort(a)).tolist() == [1, 2, 0]
    assert float(a.sum(axis=0, keepdims=True)[0]) == 4.0


@pytest.mark.parametrize("name", ["allclose", "array_equal"])
def test_allclose_and_array_equal_return_a_0d_device_array_and_testing_it_syncs(name, device):
    a = device.ones(3)
    result = getattr(device, name)(a, a)
    assert type(result) is strict.StrictArray and result.shape == ()
    with counter.counting() as counts:
        truth = bool(result)
    assert truth is True and counts.sync_kinds == {"bool": 1}


def test_recording_calls_lists_each_call_with_its_keywords(device):
    a = device.zeros((2, 3), dtype=device.float32)
    with strict.recording_calls() as calls:
        device.add.at(a, device.asarray([0]), 1.0)
        a.sum(axis=1, keepdims=True)
        device.exp(a, out=a)
        device.concatenate([a, a], axis=0)
    assert calls == {("ufunc", "add.at", ()), ("function", "asarray", ()),
                     ("method", "sum", ("axis", "keepdims")), ("function", "exp", ("out",)),
                     ("function", "concatenate", ("axis",))}
