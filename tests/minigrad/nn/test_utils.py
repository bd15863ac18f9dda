"""clip_grad_norm_ against torch.nn.utils.clip_grad_norm_."""
import math

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])               # clips / leaves alone
def test_matches_torch(dtype, max_norm, rng, assert_close):
    mg.set_default_dtype(dtype)
    shapes = [(3, 4), (4,), (2, 2, 2)]
    grads = [rng.standard_normal(s).astype(dtype) for s in shapes]
    ours = [mg.Tensor(np.zeros(s), requires_grad=True) for s in shapes]
    theirs = [torch.zeros(s, dtype=getattr(torch, dtype), requires_grad=True) for s in shapes]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = mg.Tensor(g).data, torch.from_numpy(g.copy())
    ours.append(mg.Tensor(np.zeros(2), requires_grad=True))       # no grad: skipped
    theirs.append(torch.zeros(2, requires_grad=True))
    norm = mg.nn.utils.clip_grad_norm_(ours, max_norm)
    t_norm = torch.nn.utils.clip_grad_norm_(theirs, max_norm)
    assert isinstance(norm, float)
    assert abs(norm - float(t_norm)) <= 1e-6 * norm
    assert (norm > max_norm) == (max_norm == 0.5)
    for p, tp in zip(ours[:-1], theirs[:-1]):
        assert_close(p.grad, tp.grad, "clipped grad")
    assert ours[-1].grad is None
    clipped = np.sqrt(sum(float((mg.backend.to_numpy(p.grad) ** 2).sum()) for p in ours[:-1]))
    assert clipped == pytest.approx(min(norm, max_norm), rel=1e-5)


def test_single_tensor_and_no_grads():
    w = mg.Tensor(np.zeros(2), requires_grad=True)
    tw = torch.zeros(2, requires_grad=True)
    assert mg.nn.utils.clip_grad_norm_(w, 1.0) == float(torch.nn.utils.clip_grad_norm_(tw, 1.0))
    w.grad, tw.grad = mg.Tensor(np.array([3.0, 4.0])).data, torch.tensor([3.0, 4.0])
    norm = mg.nn.utils.clip_grad_norm_(w, 1.0)
    assert norm == pytest.approx(float(torch.nn.utils.clip_grad_norm_(tw, 1.0)), rel=1e-6)
    assert norm > 1.0                                              # so it clipped
    np.testing.assert_allclose(mg.backend.to_numpy(w.grad), tw.grad.numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="clip_grad_norm_: max_norm must be positive, got 0"):
        mg.nn.utils.clip_grad_norm_(w, 0)


def test_a_module_or_other_items_are_refused_naming_what_to_pass():
    model = mg.nn.Linear(2, 3)
    expected = r"clip_grad_norm_: expected a Tensor or an iterable of Tensors \(such as " \
               r"model\.parameters\(\)\), got "
    with pytest.raises(TypeError, match=expected + "Linear$"):
        mg.nn.utils.clip_grad_norm_(model, 1.0)
    with pytest.raises(TypeError, match=expected + "items of type ndarray$"):
        mg.nn.utils.clip_grad_norm_([model.weight, np.zeros(3)], 1.0)
    assert mg.nn.utils.clip_grad_norm_(iter(model.parameters()), 1.0) == 0.0   # no grads yet


def test_clip_grad_norm_is_exact_for_finite_float32_gradients_that_overflow_when_squared():
    # (torch's own float32 norm overflows here to inf; the exact norm is 5e19)
    p = mg.Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    p.grad = mg.backend.asarray(np.array([3e19, 4e19], dtype=np.float32))
    norm = mg.nn.utils.clip_grad_norm_([p], 1.0)
    np.testing.assert_allclose(norm, 5e19, rtol=1e-6)
    np.testing.assert_allclose(mg.backend.to_numpy(p.grad), [0.6, 0.8], rtol=1e-5)
    tiny = mg.Tensor(np.zeros(2, dtype=np.float32), requires_grad=True)
    tiny.grad = mg.backend.asarray(np.array([3e-30, 4e-30], dtype=np.float32))
    np.testing.assert_allclose(mg.nn.utils.clip_grad_norm_([tiny], 1.0), 5e-30, rtol=1e-5)


def test_clip_grad_norm_error_if_nonfinite():
    p = mg.Tensor(np.zeros(2), requires_grad=True)
    p.grad = mg.backend.asarray(np.array([1.0, np.nan]))
    with pytest.raises(RuntimeError, match="clip_grad_norm_: the total norm of the gradients "
                                           "is nan, not finite"):
        mg.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert math.isnan(mg.nn.utils.clip_grad_norm_([p], 1.0))   # the default: no error
