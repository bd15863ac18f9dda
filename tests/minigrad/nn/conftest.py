"""Helpers for comparing minigrad modules with their torch.nn twins."""
import numpy as np
import pytest

import minigrad as mg

TOLERANCE = {np.dtype(np.float64): 1e-10, np.dtype(np.float32): 1e-5}


def _check_close(ours, theirs, what=""):
    """``ours`` (Tensor, backend or host array) matches ``theirs`` (torch tensor or array) to
    the tolerance of its dtype, relative to the largest magnitude of ``theirs``."""
    assert ours is not None, f"{what}: a gradient is missing"
    if isinstance(ours, mg.Tensor):
        ours = ours.numpy()
    elif not isinstance(ours, np.ndarray):
        ours = mg.backend.to_numpy(ours)          # a backend array (a .grad)
    if hasattr(theirs, "detach"):
        theirs = theirs.detach().numpy()
    assert ours is not None and theirs is not None, f"{what}: a gradient is missing"
    assert ours.shape == theirs.shape, f"{what}: shape {ours.shape} vs {theirs.shape}"
    assert ours.dtype == theirs.dtype, f"{what}: dtype {ours.dtype} vs {theirs.dtype}"
    scale = (float(np.abs(theirs).max()) if theirs.size else 0.0) or 1.0
    error = float(np.abs(ours - theirs).max()) if theirs.size else 0.0
    assert error <= TOLERANCE[theirs.dtype] * scale, f"{what}: max error {error:.3g}"


@pytest.fixture
def assert_close():
    return _check_close


def copy_from_torch(ours, theirs):
    """Load a torch module's weights into a minigrad module (through host NumPy arrays)."""
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


@pytest.fixture
def from_torch():
    return copy_from_torch
