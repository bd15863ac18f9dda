"""The one module that chooses the array library.

Every op asks this module for ``xp``, the array namespace of the current backend:

- ``numpy``: the CPU, the default.
- ``cupy``: an NVIDIA GPU through CuPy (``pip install -e .[gpu]``).
- ``strict``: NumPy dressed up as a device library (see ``minigrad.testing.strict``, test
  scaffolding). Its arrays refuse to turn into NumPy arrays silently and its namespace holds
  only what CuPy also has, so the CPU test suite catches code that would break on a GPU.

Choose with ``set_backend(name)`` or the environment variable ``MINIGRAD_BACKEND``. Host NumPy
arrays (token ids, valid lengths) move to the device only at the edge, through ``asarray``;
nothing else converts between host and device.

The engine's other global switches each have a module of their own: the default float dtype
(``minigrad/default_dtype.py``), the random generators (``minigrad/rng.py``) and readable mode
(``minigrad/modes.py``). Their functions are also reachable here, as ``backend.manual_seed``
and so on, for the code written before the split.
"""
import contextlib
import os
import sys

import numpy

BACKENDS = ("numpy", "cupy", "strict")

xp = numpy              # the current array namespace; ops read ``backend.xp``
name = "numpy"          # the current backend's name


class BackendError(RuntimeError):
    """The requested backend cannot be used here (unknown name, CuPy or GPU missing)."""


def _load_cupy():
    try:
        import cupy
    except ImportError as exc:
        raise BackendError(
            "backend 'cupy' needs CuPy, which is not installed: install it with "
            "`pip install -e .[gpu]` (or the cupy-cudaXXx wheel matching your CUDA), "
            "or use set_backend('numpy')") from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:  # CUDA driver missing or broken: say so, with CuPy's reason
        raise BackendError(f"backend 'cupy': CuPy is installed but no usable GPU was found "
                           f"({exc}); use set_backend('numpy')") from exc
    if count == 0:
        raise BackendError("backend 'cupy': CuPy is installed but no GPU was found; "
                           "use set_backend('numpy')")
    return cupy


def set_backend(backend_name):
    """Make ``backend_name`` ("numpy", "cupy" or "strict") the array library of every op."""
    global xp, name
    if backend_name not in BACKENDS:
        raise BackendError(f"set_backend: unknown backend {backend_name!r}; "
                           f"choose one of {', '.join(BACKENDS)}")
    if backend_name == "numpy":
        xp = numpy
    elif backend_name == "cupy":
        xp = _load_cupy()
    else:
        from minigrad.testing import strict
        xp = strict
    name = backend_name
    rng.backend_changed()          # the device generator belongs to the backend


def get_backend():
    """The current backend's name."""
    return name


_host_branches = False


def is_device():
    """True on a device backend ("cupy", and "strict", which stands in for it on the CPU).

    Ops branch on this, never on the name "cupy", so that the strict backend runs every
    branch the GPU runs and CI exercises the GPU's code path.
    """
    return name != "numpy" and not _host_branches


@contextlib.contextmanager
def host_branches():
    """Inside, the strict backend takes the NumPy backend's branches (``is_device()`` is
    False), so that ``minigrad.testing.counter`` can count the operations of the NumPy path."""
    global _host_branches
    if name == "cupy":
        raise BackendError("host_branches: only for the strict backend; CuPy needs its own")
    outer, _host_branches = _host_branches, True
    try:
        yield
    finally:
        _host_branches = outer


# ----------------------------------------------------------------------------- arrays

def array_backend(array):
    """Which backend an array belongs to: "numpy", "cupy" or "strict" (None for anything else)."""
    module = type(array).__module__
    if module == "numpy":
        return "numpy"
    if module.startswith("cupy"):
        return "cupy"
    if module == "minigrad.testing.strict":
        return "strict"
    return None


def is_array(x):
    """True for an array (or array scalar) of the current backend."""
    return array_backend(x) == name


def asarray(data, dtype=None):
    """Bring ``data`` onto the current backend: the one place host data crosses to the device.

    Accepts Python numbers and lists, host NumPy arrays and arrays already on the backend.
    Float data without an explicit ``dtype`` becomes the default float dtype; integer and
    boolean data keep their dtype. An array of another device backend is an error.
    """
    if type(data) is xp.ndarray and dtype is None and (
            data.dtype.kind != "f" or data.dtype == default_dtype.default):
        return data                         # already an array of the backend: as it is
    owner = array_backend(data)
    if owner is not None and owner != "numpy" and owner != name:
        raise BackendError(f"asarray: the array lives on backend {owner!r} but the current "
                           f"backend is {name!r}; convert it with .numpy() first")
    if owner is None or owner == "numpy":
        data = numpy.asarray(data)
    if dtype is None and data.dtype.kind == "f" and data.dtype != default_dtype.default:
        dtype = default_dtype.default
    return xp.asarray(data, dtype=dtype)


def to_numpy(array):
    """A host NumPy copy of a backend array (the one explicit device-to-host transfer)."""
    owner = array_backend(array)
    if owner == "cupy":
        return array.get()
    if owner == "strict":
        return array.to_numpy()
    return numpy.array(array)


def overflow_ignored():
    """A block in which float overflow is not reported, for formulas where overflowing to inf
    gives the right result (exp(-x) in the sigmoid). NumPy, and the strict backend built on
    it, would warn; CuPy does not check."""
    if name == "cupy":
        return contextlib.nullcontext()
    return numpy.errstate(over="ignore")


def scatter_add(target, index, values):
    """target[index] += values with repeated indices adding up (in place), as numpy.add.at."""
    if name == "cupy":
        import cupyx
        cupyx.scatter_add(target, index, values)
    else:
        xp.add.at(target, index, values)
    return target


def scatter_add_rows(target, ids, rows):
    """target[ids[i]] += rows[i] for 1-D ids, 2-D rows and a C-contiguous 2-D target (the
    embedding backward), in place.

    The fastest correct choice per backend, measured in benchmarks/bench_embedding.py: on the
    GPU ``cupyx.scatter_add`` (atomic adds); on the CPU ``add.at`` on the flat arrays, with
    one index per element (row id * dim + column). NumPy's ``add.at`` has a fast path for 1-D
    arrays that it lacks for rows, and this form beats both the row ``add.at`` and sorting the
    ids to sum runs of equal ids with ``add.reduceat`` by 2-4x at these sizes.
    """
    if is_device():    # one scatter on a device, a single kernel launch
        scatter_add(target, ids, rows)
        return target
    dim = rows.shape[1]
    flat_index = (ids.astype(xp.int64)[:, None] * dim + xp.arange(dim)).reshape(-1)  # N * dim
    xp.add.at(target.reshape(-1), flat_index, rows.reshape(-1))
    return target



from minigrad import default_dtype, rng   # noqa: E402  (rng reads this module's xp and name)
from minigrad.default_dtype import get_default_dtype, set_default_dtype   # noqa: E402,F401
from minigrad.modes import is_readable, set_readable   # noqa: E402,F401
from minigrad.rng import host_rng, manual_seed, random_uniform   # noqa: E402,F401

_requested = os.environ.get("MINIGRAD_BACKEND")
if _requested:
    try:
        set_backend(_requested)
    except BackendError as exc:   # name the variable: the user may not know it is set
        # Raised while importing, before any program can catch it: if nothing does, Python
        # reports it as one line on stderr (exit status 1), not a traceback of the imports.
        _previous_hook = sys.excepthook

        def _one_line(kind, value, traceback):
            if kind is BackendError:
                print(f"minigrad.backend.BackendError: {value}", file=sys.stderr)
            else:
                _previous_hook(kind, value, traceback)
        sys.excepthook = _one_line
        raise BackendError(f"MINIGRAD_BACKEND={_requested}: {exc}") from None
