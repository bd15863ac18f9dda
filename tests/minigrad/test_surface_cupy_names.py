"""Every call the torch surface's ops make on the array module exists in the real CuPy, with
its keywords (as tests/minigrad/test_cupy_names.py checks for the models)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import nn
from minigrad.testing import strict
from minigrad.nn import functional as F

pytest.importorskip("cupy", reason="CuPy is not installed; the names cannot be checked")
from tests.minigrad.test_cupy_names import calls_cupy_lacks  # noqa: E402

pytestmark = pytest.mark.numpy_only


def _surface_calls():
    mg.set_backend("strict")
    rng = np.random.default_rng(0)
    with strict.recording_calls() as calls:
        x = mg.tensor(rng.standard_normal((4, 3)), requires_grad=True)
        y = (x * 2).reshape(-1, 3)
        y[~(mg.arange(3)[None, :] < mg.tensor([1, 2, 3, 3])[:, None])] = -1e6
        parts = [mg.sin(x), mg.cos(x), mg.abs(x), mg.sqrt(x * x + 1), mg.maximum(x, y),
                 mg.minimum(x, 0.5), x.clamp(-1, 1), F.gelu(x), F.gelu(x, "tanh"),
                 x.masked_fill(x > 0, 0.0), x.repeat(2, 1)[:4], x.repeat_interleave(2, dim=0)[:4],
                 mg.sort(x, descending=True)[0], x.max(dim=1, keepdim=True)[0] * x,
                 x.min(dim=0)[0] * x, mg.where(x > 0, x, y), x.split(2)[0].repeat(2, 1),
                 F.softmax(y, dim=-1), x.type(mg.float64).float(), x.clone()]
        total = sum(p.sum() for p in parts)
        total = total + F.cross_entropy(x, mg.tensor([0, 1, 2, 0]), reduction="none").sum()
        total = total + F.cross_entropy(x.reshape(2, 3, 2), mg.tensor([[0, 1], [2, 0]])).sum()
        norm = nn.BatchNorm1d(3)
        total = total + norm(x).sum() + F.mse_loss(x, y * 0)
        total.backward()
        x.argmax(), x.argmin(dim=1), mg.zeros(2), mg.randn(2, 3), mg.eye(3), mg.arange(4)
        (x @ x[0]).tolist()
    return calls


def test_every_call_the_surface_makes_exists_in_cupy_with_its_keywords():
    calls = _surface_calls()
    assert len(calls) > 20
    assert calls_cupy_lacks(calls) == []
