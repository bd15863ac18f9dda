"""What the engine's op tests share: twin inputs for minigrad and PyTorch, and the comparisons.

``compare_with_torch`` runs an op in minigrad and its reference in PyTorch on the same arrays,
then sends the same random upstream gradient back through both, and holds the output and every
input's gradient to the tolerance of the dtype. ``check_gradients`` is ``mg.gradcheck`` on
float64 copies of the arrays. Both work on any backend: results come back to the host only
through ``Tensor.numpy()`` and ``backend.to_numpy``.
"""
import numpy as np
import torch

import minigrad as mg
from minigrad import backend

DTYPES = ["float64", "float32"]

# float64: about 1e-10 relative; float32: about 1e-5 (both libraries round differently).
TOLERANCES = {
    "float64": dict(rtol=1e-10, atol=1e-12),
    "float32": dict(rtol=1e-5, atol=1e-6),
}


def host(x):
    """A host NumPy array of a minigrad Tensor, a backend array or a torch tensor."""
    if isinstance(x, mg.Tensor):
        return x.numpy()
    if isinstance(x, torch.Tensor):
        return x.detach().numpy()
    if backend.array_backend(x) is not None:
        return backend.to_numpy(x)
    return np.asarray(x)


def assert_close(actual, expected, dtype, what="", **tolerances):
    """``actual`` equals ``expected`` to the dtype's tolerance (overridable), shapes included."""
    actual, expected = host(actual), host(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, err_msg=what,
                               **{**TOLERANCES[str(dtype)], **tolerances})


def twins(arrays, dtype, requires_grad=True):
    """The same arrays as minigrad tensors (under the default dtype ``dtype``) and torch leaves."""
    mg.set_default_dtype(dtype)
    arrays = [np.asarray(a, dtype=dtype) for a in arrays]
    ours = [mg.Tensor(a, requires_grad=requires_grad) for a in arrays]
    theirs = [torch.tensor(a, requires_grad=requires_grad) for a in arrays]
    return ours, theirs


def compare_with_torch(mg_fn, torch_fn, arrays, dtype, seed=0, **tolerances):
    """Forward and backward of ``mg_fn`` against ``torch_fn`` on the float ``arrays``.

    Both functions take one tensor per array. The output is compared, then both outputs are
    differentiated with the same random upstream gradient and every input's gradient compared.
    Returns the minigrad inputs and output for further checks.
    """
    ours, theirs = twins(arrays, dtype)
    out, ref = mg_fn(*ours), torch_fn(*theirs)
    assert out.dtype == np.dtype(dtype), f"output dtype {out.dtype}, expected {dtype}"
    assert_close(out, ref, dtype, "forward", **tolerances)
    upstream = np.random.default_rng(seed).standard_normal(tuple(ref.shape)).astype(dtype)
    out.backward(upstream)
    ref.backward(torch.from_numpy(upstream))
    for i, (t, r) in enumerate(zip(ours, theirs)):
        if r.grad is None:
            assert t.grad is None or not host(t.grad).any(), f"input {i} should get no gradient"
            continue
        assert t.grad is not None, f"input {i} got no gradient"
        assert t.grad.dtype == np.dtype(dtype), f"gradient of input {i} has dtype {t.grad.dtype}"
        assert_close(t.grad, r.grad, dtype, f"gradient of input {i}", **tolerances)
    return ours, out


def check_gradients(fn, arrays, **options):
    """``mg.gradcheck`` of ``fn`` at float64 copies of ``arrays`` (all of them require grad)."""
    mg.set_default_dtype("float64")
    inputs = [mg.Tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert mg.gradcheck(fn, inputs, **options) is True


def compare_twins(fast_fn, composed_fn, arrays, dtype="float64", seed=0, **tolerances):
    """A fused op against its composed twin: forward and every input's gradient."""
    fast_inputs, slow_inputs = twins(arrays, dtype)[0], twins(arrays, dtype)[0]
    fast, slow = fast_fn(*fast_inputs), composed_fn(*slow_inputs)
    assert_close(fast, slow, dtype, "forward", **tolerances)
    upstream = np.random.default_rng(seed).standard_normal(fast.shape).astype(dtype)
    fast.backward(upstream)
    slow.backward(upstream)
    for i, (a, b) in enumerate(zip(fast_inputs, slow_inputs)):
        assert (a.grad is None) == (b.grad is None), f"input {i}: only one twin has a gradient"
        if a.grad is not None:
            assert_close(a.grad, b.grad, dtype, f"gradient of input {i}", **tolerances)
