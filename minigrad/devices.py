"""Devices the torch way: ``mg.device('cpu' | 'cuda' | 'cuda:0')``, ``x.device``, ``x.to(...)``.

How a device maps onto minigrad's one global backend
----------------------------------------------------
minigrad computes with one array library at a time, ``backend.xp``. A tensor's device is
read from its array: a host NumPy array is on ``cpu``; a device array (CuPy's, or the strict
backend's stand-in for it) is on ``cuda:0``. So ``x.device`` costs nothing and never lies.

- ``x.to('cuda')`` / ``x.cuda()`` copies the data to the device library. If the engine is
  still on the host backend ("numpy") it first switches the global backend to the device one
  ("cupy"; "strict" when the process runs under ``MINIGRAD_BACKEND=strict``, so CI, which has
  no GPU, exercises every device branch). On a machine without CuPy or a GPU that switch is one
  ``BackendError`` saying what is missing.
- ``model.to(device)`` moves every parameter and buffer in place (the same Parameter objects,
  so an optimizer built before keeps working) and makes ``device`` the engine's: 'cuda' as
  above, 'cpu' switches the global backend back to "numpy".
- ``x.to('cpu')`` / ``x.cpu()`` copies the data to the host and leaves the backend as it is:
  it is how results leave the device (for printing, plotting, ``.numpy()``).

This is the book's GPU flag: ``model.to(d2l.try_gpu())`` plus each batch's ``.to(device)``
puts the whole computation on the GPU when there is one, and leaves everything on the CPU when
``try_gpu()`` gives the CPU. New tensors are created on the engine's current backend.

An op given tensors of two devices raises an error naming both (``ops.common``); an op on a
host tensor while the engine is on the device (or the reverse) is refused by the array
library. Only ``minigrad.backend`` imports CuPy.
"""
import numbers
import os

from minigrad import backend, rng

def cuda_backend():
    """The backend that stands for 'cuda': the current one when it is a device backend, else
    "strict" when the process asked for it (``MINIGRAD_BACKEND=strict``, CI's stand-in for a
    GPU), else "cupy". Decided afresh each time, so it never depends on what ran before."""
    if backend.name != "numpy":
        return backend.name
    return "strict" if os.environ.get("MINIGRAD_BACKEND") == "strict" else "cupy"


class device:
    """A device, as ``torch.device``: ``device('cpu')``, ``device('cuda')``, ``device('cuda:0')``
    or ``device('cuda', 0)``. Compares equal to its string (``x.device == 'cpu'``)."""
    __slots__ = ("type", "index")

    def __init__(self, spec, index=None):
        if isinstance(spec, device):
            spec, index = spec.type, spec.index if index is None else index
        if not isinstance(spec, str):
            raise TypeError(f"device: expected 'cpu', 'cuda' or 'cuda:N', got {spec!r}")
        kind, _, number = spec.partition(":")
        if kind not in ("cpu", "cuda") or (number and not number.isdigit()):
            raise ValueError(f"device: unknown device {spec!r}; minigrad has 'cpu' and "
                             f"'cuda' (or 'cuda:0'), the CuPy backend")
        if number:
            index = int(number)
        if index is not None and (isinstance(index, bool) or not isinstance(index, numbers.Integral)
                                  or index < 0):
            raise ValueError(f"device: the index must be an int >= 0, got {index!r}")
        if kind == "cpu" and index not in (None, 0):
            raise ValueError(f"device: 'cpu' has no index {index}")
        self.type = kind
        self.index = None if kind == "cpu" or index is None else int(index)

    def __repr__(self):
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self):
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other):
        if isinstance(other, str):
            try:
                other = device(other)
            except ValueError:
                return False
        if not isinstance(other, device):
            return NotImplemented
        return self.type == other.type and (self.index or 0) == (other.index or 0)

    def __hash__(self):
        return hash((self.type, self.index or 0))


CPU = device("cpu")
CUDA = device("cuda", 0)


def device_of(array):
    """The device an array lives on: cpu for host NumPy, cuda:0 for a device array."""
    return CPU if backend.array_backend(array) == "numpy" else CUDA


def is_device_spec(arg):
    """Whether a positional argument of ``to(...)`` names a device (else it is a dtype):
    a device, 'cpu', 'cuda', 'cuda:N', or an int GPU number."""
    if isinstance(arg, device):
        return True
    if isinstance(arg, str):
        return arg.split(":")[0] in ("cpu", "cuda")
    return isinstance(arg, numbers.Integral) and not isinstance(arg, bool)


def as_device(spec, op="to"):
    """``spec`` (a device, 'cpu', 'cuda:0', or an int GPU number as torch accepts) as a device.
    Only one GPU is used: 'cuda:N' with N > 0 is refused."""
    if isinstance(spec, numbers.Integral) and not isinstance(spec, bool):
        spec = device("cuda", int(spec))
    result = device(spec)
    if result.type == "cuda" and (result.index or 0) != 0:
        raise backend.BackendError(f"{op}: minigrad uses one GPU, cuda:0; got {result}")
    return CUDA if result.type == "cuda" else CPU


def use(target, op="to"):
    """Make ``target``'s backend the engine's: 'cuda' the device backend, 'cpu' NumPy.
    The one place a device choice switches the global backend."""
    wanted = cuda_backend() if target.type == "cuda" else "numpy"
    if backend.name != wanted:
        # set_backend re-seeds the host generator after manual_seed; a move mid-program must
        # not rewind it (the next draws would repeat the model's initial weights), so its
        # state is kept across the switch
        host_rng = rng._host_rng
        try:
            backend.set_backend(wanted)
        except backend.BackendError as exc:
            raise backend.BackendError(f"{op}({str(target)!r}): {exc} (or keep the tensors "
                                       f"on 'cpu': d2l's try_gpu() gives it when no GPU "
                                       f"is usable)") from None
        rng._host_rng = host_rng


def move_array(array, target, op="to"):
    """``array`` on device ``target``: itself when it is there already, else a copy.
    Moving to 'cuda' switches the engine to the device backend first (see the docstring)."""
    if device_of(array) == target:
        return array
    if target.type == "cpu":
        return backend.to_numpy(array)
    use(target, op)
    return backend.xp.asarray(array)


def device_count():
    """How many GPUs minigrad can use: 1 with CuPy and a GPU (or under the strict backend,
    which stands in for one), else 0. Never raises."""
    if cuda_backend() == "strict":
        return 1
    if backend.name == "cupy":
        return 1
    try:
        backend._load_cupy()
    except backend.BackendError:
        return 0
    return 1


def is_available():
    """Whether 'cuda' can be used here (``torch.cuda.is_available``)."""
    return device_count() > 0
