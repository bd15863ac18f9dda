"""Choosing the backend, moving data across the host edge, mixing backends, seeding."""
import os
import subprocess
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, ops
from engine_checks import host


def test_unknown_backend_lists_the_choices():
    before = mg.get_backend()
    with pytest.raises(mg.BackendError, match="set_backend: unknown backend 'jax'; choose one of "
                                              "numpy, cupy, strict"):
        mg.set_backend("jax")
    assert mg.get_backend() == before


@pytest.mark.numpy_only
def test_cupy_without_cupy_fails_at_once_and_says_how_to_install():
    try:
        import cupy  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("CuPy is installed here")
    before = mg.get_backend()
    with pytest.raises(mg.BackendError, match=r"backend 'cupy' needs CuPy, which is not "
                                              r"installed: install it with `pip install -e "
                                              r"\.\[gpu\]`"):
        mg.set_backend("cupy")
    assert mg.get_backend() == before   # unchanged


@pytest.mark.numpy_only
def test_environment_variable_chooses_the_backend():
    env = dict(os.environ, MINIGRAD_BACKEND="strict")
    out = subprocess.run([sys.executable, "-c", "import minigrad; print(minigrad.get_backend())"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "strict"


@pytest.mark.numpy_only
def test_an_unusable_environment_backend_fails_the_import_naming_the_variable():
    env = dict(os.environ, MINIGRAD_BACKEND="jax")
    out = subprocess.run([sys.executable, "-c", "import minigrad"], env=env,
                         capture_output=True, text=True)
    assert out.returncode != 0
    assert out.stderr.strip().splitlines()[-1] == (
        "minigrad.backend.BackendError: MINIGRAD_BACKEND=jax: set_backend: unknown backend "
        "'jax'; choose one of numpy, cupy, strict")


def test_get_backend_names_the_current_one(request):
    assert mg.get_backend() == request.node.callspec.params["backend"]


def test_asarray_brings_host_data_to_the_backend():
    a = backend.asarray(np.array([1.0, 2.0]))
    assert backend.is_array(a) and a.dtype == np.float32
    assert backend.asarray([1, 2]).dtype == np.int64
    assert backend.asarray(np.array([1.0]), dtype=np.float64).dtype == np.float64
    np.testing.assert_array_equal(backend.to_numpy(a), [1.0, 2.0])
    assert type(backend.to_numpy(a)) is np.ndarray


@pytest.mark.numpy_only
def test_an_array_of_another_device_backend_is_refused():
    mg.set_backend("strict")
    device_array = backend.asarray(np.ones(3))
    mg.set_backend("numpy")
    with pytest.raises(mg.BackendError, match="asarray: the array lives on backend 'strict' but "
                                              "the current backend is 'numpy'"):
        mg.Tensor(device_array)


def _two_backends():
    """One tensor made under numpy, one under strict; the strict backend stays current."""
    mg.set_backend("numpy")
    a = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    mg.set_backend("strict")
    b = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    return a, b


MIXED = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: b / a,
    "pow": lambda a, b: a ** b,
    "matmul": lambda a, b: a @ b.T,
    "linear": lambda a, b: ops.linear(a, b),
    "concat": lambda a, b: ops.concat([a, b]),
    "stack": lambda a, b: ops.stack([b, a]),
    "embedding": lambda a, b: ops.embedding(np.array([0, 1]), a),
    "gru_cell": lambda a, b: ops.gru_cell(ops.concat([b, b, b], 1), a, mg.Tensor(np.ones((9, 3)))),
}


@pytest.mark.numpy_only
@pytest.mark.parametrize("op", MIXED)
def test_tensors_from_two_backends_in_one_op(op):
    a, b = _two_backends()
    with pytest.raises(mg.BackendError, match=rf"{op}: .*numpy.*strict|{op}: .*strict.*numpy"):
        MIXED[op](a, b)


def test_manual_seed_reproduces_dropout_and_initial_weights():
    def draw():
        mg.manual_seed(42)
        weights = backend.host_rng().uniform(-1, 1, 5)
        mask = host(ops.dropout(mg.Tensor(np.ones(64)), 0.5))
        return weights, mask
    (w1, m1), (w2, m2) = draw(), draw()
    np.testing.assert_array_equal(w1, w2)
    np.testing.assert_array_equal(m1, m2)


@pytest.mark.numpy_only
def test_the_seeded_streams_are_the_same_on_numpy_and_strict():
    results = []
    for name in ("numpy", "strict"):
        mg.set_backend(name)
        mg.manual_seed(7)
        results.append((backend.host_rng().standard_normal(3),
                        host(ops.dropout(mg.Tensor(np.ones(32)), 0.5))))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
