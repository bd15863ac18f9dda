"""Shared test set-up: every test runs on a fresh backend, dtype and seed.

Every test runs twice on a CPU machine: on ``numpy`` and on ``strict``, the device-like backend whose arrays refuse silent conversion to
NumPy (see minigrad/testing/strict.py), so code that would break on CuPy fails here too. With
MINIGRAD_BACKEND set (``cupy`` on a GPU machine) they run on that backend only. Mark a test
``numpy_only`` when it is about host-side code and a second run would add nothing.

With MINIGRAD_READABLE=1 the suite runs in readable mode (every op its composed twin). Mark a
test ``fused`` when it is about the fast path itself (its kernels, its launch counts): it runs
with readable mode off whatever the environment says.
"""
import os

import numpy as np
import pytest

import minigrad as mg
from minigrad import env
from minigrad.ops import checks

REQUESTED = os.environ.get("MINIGRAD_BACKEND")
READABLE = env.switch("MINIGRAD_READABLE")
BACKENDS = [REQUESTED] if REQUESTED else ["numpy", "strict"]


def pytest_generate_tests(metafunc):
    names = BACKENDS
    if metafunc.definition.get_closest_marker("numpy_only"):
        names = [REQUESTED or "numpy"]
    metafunc.parametrize("backend", names, indirect=True)


@pytest.fixture(autouse=True)
def backend(request):
    """The backend this test runs on (set for the test, restored afterwards)."""
    mg.set_backend(request.param)
    yield request.param


@pytest.fixture(autouse=True)
def fresh_state(request):
    """Each test starts with the float32 default, a fixed seed, grad mode on and readable mode
    as MINIGRAD_READABLE asks (off for a ``fused`` test)."""
    mg.set_default_dtype("float32")
    mg.set_readable(READABLE and not request.node.get_closest_marker("fused"))
    mg.manual_seed(0)
    yield
    checks._slots.clear()     # a device index flag one test left unread must not surface later
    mg.set_default_dtype("float32")
    mg.set_backend(REQUESTED or "numpy")
    mg.set_readable(READABLE)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture
def float64():
    """Switch the default float dtype to float64 for this test (gradchecks, tight parity)."""
    mg.set_default_dtype("float64")
    yield
