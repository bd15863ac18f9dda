"""Every CUDA kernel, proven without a GPU: compiled for sm_80 and sm_90 by nvcc, and run on
the host (``minigrad/testing/kernel_host.py``) inside its op, held to the op's NumPy code.

The host runs use blocks of 32 threads and at most 2 blocks, so every grid-stride loop wraps,
and shapes that are not multiples of the block: B = 1, odd sizes, fully masked rows, keys of
length zero.
"""
import shutil
import subprocess

import numpy as np
import pytest

import minigrad as mg
from minigrad import kernels, ops
from minigrad.testing import kernel_host as host

pytestmark = pytest.mark.fused     # the kernels are the fast path: readable mode never runs them

TOLERANCE = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-11, atol=1e-13)}


@pytest.mark.numpy_only
@pytest.mark.parametrize("ctype", ["float", "double"])
def test_every_kernel_compiles_for_sm80_and_sm90(ctype, tmp_path):
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("no CUDA compiler (nvcc) on this machine")
    source = tmp_path / "kernels.cu"
    source.write_text(kernels.DEVICE_PRELUDE.format(ctype=ctype) + kernels.all_sources())
    result = subprocess.run(
        [nvcc, "-std=c++14", "--fatbin", "-gencode", "arch=compute_80,code=sm_80",
         "-gencode", "arch=compute_90,code=sm_90", "-x", "cu", str(source),
         "-o", str(tmp_path / "kernels.fatbin")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "kernels.fatbin").stat().st_size > 0


@pytest.mark.numpy_only
def test_every_kernel_file_defines_one_kernel_named_after_it():
    assert len(kernels.names()) == 14
    for name in kernels.names():
        assert kernels.parameters(name)          # raises unless exactly one, named `name`


@pytest.mark.numpy_only
def test_the_host_compiler_is_found():
    assert host.compiler() is not None, "the strict backend needs g++ or c++ to run kernels"


@pytest.mark.numpy_only
def test_a_bad_launch_is_one_clear_error():
    mg.set_backend("strict")
    x = mg.Tensor(np.ones(5, dtype=np.float32)).data
    with pytest.raises(kernels.KernelError, match=r"dropout.*expected 6 arguments"):
        kernels.launch("dropout", 5, np.float32, x)
    with pytest.raises(kernels.KernelError, match=r"argument 0 \(const T\*\) must be a "
                                                  r"C-contiguous float64"):
        kernels.launch("dropout", 5, np.float64, x, x, 0.5, 2.0, x, 5)


def _run(backend_name, dtype, build, monkeypatch):
    """``build(tensors)`` on one backend: outputs and gradients as host arrays."""
    mg.set_backend(backend_name)
    mg.set_default_dtype(dtype)
    mg.manual_seed(0)
    monkeypatch.setattr(kernels, "BLOCK", 32)
    monkeypatch.setattr(kernels, "MAX_BLOCKS", 2)
    inputs, out = build()
    upstream = np.random.default_rng(5).standard_normal(out.shape).astype(dtype)
    out.backward(mg.Tensor(upstream))
    return [mg.backend.to_numpy(out.data)] + [mg.backend.to_numpy(t.grad) for t in inputs]


def _tensors(rng, *shapes):
    return [mg.Tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def _gru(B, H):
    def build():
        rng = np.random.default_rng(B * 100 + H)
        t = _tensors(rng, (B, 3 * H), (B, H), (3 * H, H), (3 * H,))
        return t, ops.gru_cell(*t)
    return build


def _lstm(B, H):
    def build():
        rng = np.random.default_rng(B * 100 + H)
        gi, h, c, w, b = _tensors(rng, (B, 4 * H), (B, H), (B, H), (4 * H, H), (4 * H,))
        return [gi, h, c, w, b], ops.lstm_cell(gi, h, c, w, b)
    return build


def _additive(B, Q, K, h, lens):
    def build():
        rng = np.random.default_rng(B + Q + K + h)
        t = _tensors(rng, (B, Q, h), (B, K, h), (1, h))
        return t, ops.additive_scores(*t, valid_lens=lens)
    return build


def _masked_softmax(B, Q, K, lens):
    def build():
        (x,) = _tensors(np.random.default_rng(B + Q + K), (B, Q, K))
        return [x], ops.masked_softmax(x, lens)
    return build


def _cross_entropy(N, V, mask_on=None):
    """``mask_on`` "device": a mask Tensor, which the kernels apply row by row; "host": a NumPy
    mask, whose kept rows alone reach the kernels."""
    def build():
        rng = np.random.default_rng(N + V)
        (x,) = _tensors(rng, (N, V))
        labels = rng.integers(0, V, N)
        mask = None
        if mask_on:
            mask = (rng.random(N) < 0.6).astype(np.float64)
            mask[0], mask[-1] = 0.0, 1.0                 # some rows masked, some kept
            mask = mg.Tensor(mask) if mask_on == "device" else mask
        return [x], ops.cross_entropy(x, labels, mask)
    return build


def _embedding(V, D, ids_shape):
    """Ids as a Tensor: on a device backend they live there, and the checking kernel looks
    them up (host ids are checked on the host and take an indexing)."""
    def build():
        rng = np.random.default_rng(V + D)
        (weight,) = _tensors(rng, (V, D))
        ids = rng.integers(0, V, ids_shape)
        ids.flat[0], ids.flat[-1] = 0, V - 1             # both ends of the range
        return [weight], ops.embedding(mg.Tensor(ids), weight)
    return build


def _dropout(shape):
    def build():
        (x,) = _tensors(np.random.default_rng(3), shape)
        return [x], ops.dropout(x, 0.3)
    return build


CASES = {
    "gru B=1": _gru(1, 5), "gru odd": _gru(7, 13),
    "lstm B=1": _lstm(1, 3), "lstm odd": _lstm(5, 11),
    "additive lens": _additive(3, 1, 6, 5, np.array([2, 0, 6])),
    "additive per query": _additive(2, 3, 4, 3, np.array([[1, 4, 0], [2, 3, 4]])),
    "additive no lens": _additive(1, 2, 3, 7, None),
    "additive zero keys": _additive(2, 1, 0, 3, None),
    "softmax lens": _masked_softmax(3, 2, 5, np.array([0, 3, 5])),
    "softmax per query": _masked_softmax(2, 2, 4, np.array([[1, 3], [2, 4]])),
    "softmax no lens": _masked_softmax(1, 3, 7, None),
    "cross-entropy": _cross_entropy(9, 37, False),
    "cross-entropy masked": _cross_entropy(7, 5, "device"),
    "cross-entropy host mask": _cross_entropy(6, 5, "host"),
    "dropout": _dropout((3, 67)),
    "embedding": _embedding(7, 5, (3, 4)), "embedding D=1": _embedding(3, 1, (9,)),
}


@pytest.mark.numpy_only
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("case", list(CASES))
def test_the_kernels_on_the_host_match_the_numpy_code(case, dtype, monkeypatch):
    """The op under strict (its kernels, compiled for the host) against the same op under
    numpy (its NumPy code): outputs and every gradient."""
    expected = _run("numpy", dtype, CASES[case], monkeypatch)
    with mg.testing.counter.counting() as counts:
        got = _run("strict", dtype, CASES[case], monkeypatch)
    launched = set(counts.by_op) & set(kernels.names())
    assert launched or "zero keys" in case, f"{case}: no kernel ran under strict"
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype
        np.testing.assert_allclose(g, e, **TOLERANCE[dtype])


@pytest.mark.numpy_only
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_adam_kernel_matches_the_numpy_update(dtype):
    def steps(backend_name):
        mg.set_backend(backend_name)
        rng = np.random.default_rng(0)
        params = [mg.Tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
                  for s in [(3, 5), (7,), (1,)]]
        opt = mg.optim.Adam(params, lr=0.01, weight_decay=0.1)
        for _ in range(3):
            for p in params:
                p.grad = mg.Tensor(rng.standard_normal(p.shape).astype(dtype)).data
            opt.step()
        return [mg.backend.to_numpy(p.data) for p in params]
    with mg.testing.counter.counting() as counts:
        got = steps("strict")
    assert counts.by_op["adam"] == 3
    for e, g in zip(steps("numpy"), got):
        np.testing.assert_allclose(g, e, **TOLERANCE[dtype])
