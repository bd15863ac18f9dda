"""Tensor creation the torch way: ``tensor``, ``zeros``, ``ones``, ``full``, ``eye``,
``arange``, ``linspace``, ``rand``, ``randn``, ``normal`` and the ``*_like`` forms.

Each takes torch's keywords ``dtype=``, ``device=`` and ``requires_grad=``, and a size given
either as numbers or as one tuple (``ones(2, 3)`` and ``ones((2, 3))``). Dtypes follow torch:
float data gets the default float dtype (``mg.set_default_dtype``), Python ints int64 and
bools bool. Random numbers come from minigrad's seeded host generator (``mg.manual_seed``),
so a seeded run draws the same numbers on every backend.
"""
import numbers

import numpy

from minigrad import backend, devices
from minigrad.dtypes import to_dtype
from minigrad.tensor import Tensor


def _size(size, op):
    """``(2, 3)`` from ``(2, 3)``, ``((2, 3),)`` or ``([2, 3],)``."""
    if len(size) == 1 and not isinstance(size[0], numbers.Integral):
        size = size[0]
        if isinstance(size, Tensor):
            size = size.tolist()
    try:
        size = tuple(size)
    except TypeError:
        raise TypeError(f"{op}: expected a size as ints or one tuple of ints, got "
                        f"{size!r}") from None
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) and n >= 0
               for n in size):
        raise ValueError(f"{op}: a size must be ints >= 0, got {size!r}")
    return tuple(int(n) for n in size)


def _finish(host, dtype, device, requires_grad, op):
    """A tensor of the host array ``host`` in ``dtype`` (else: float data in the default
    float dtype), on ``device`` (else the current backend)."""
    dtype = to_dtype(dtype, op)
    if dtype is None and host.dtype.kind == "f":
        dtype = backend.get_default_dtype()
    if dtype is not None and host.dtype != dtype:
        host = host.astype(dtype)
    if device is not None:
        target = devices.as_device(device, op)
        data = host if target.type == "cpu" else devices.move_array(host, target, op)
    else:
        data = backend.xp.asarray(host)
    if requires_grad and data.dtype.kind != "f":
        raise TypeError(f"{op}: requires_grad=True needs a float dtype, got {data.dtype}; "
                        f"only float tensors have gradients")
    out = Tensor._from_op(data, (), None, None)
    out.requires_grad = bool(requires_grad)
    return out


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (numbers, nested lists, NumPy arrays, tensors).
    Python floats give the default float dtype, ints int64 and bools bool; an array or a
    tensor keeps its dtype (a float64 NumPy array stays float64), as torch."""
    if isinstance(data, Tensor):
        host = data.numpy()
    elif isinstance(data, (list, tuple)) and any(isinstance(x, Tensor) for x in data):
        host = numpy.array([x.numpy() if isinstance(x, Tensor) else x for x in data])
    elif backend.array_backend(data) not in (None, "numpy"):
        host = backend.to_numpy(data)
    else:
        try:
            host = numpy.array(data)
        except ValueError as exc:
            raise ValueError(f"tensor: the data does not form a rectangular array (nested "
                             f"lists of unequal lengths?): {exc}") from None
    if host.dtype.kind not in "biuf":
        raise TypeError(f"tensor: data must be numbers (bool, int or float), got "
                        f"{type(data).__name__} of dtype {host.dtype}")
    if host.dtype.kind in "iu" and host.dtype != numpy.int64 and not isinstance(
            data, numpy.ndarray):
        host = host.astype(numpy.int64)    # Python ints are int64 on every platform
    if dtype is None and (isinstance(data, (Tensor, numpy.ndarray, numpy.generic))
                          or backend.array_backend(data) is not None):
        dtype = host.dtype                 # an array's own dtype is kept (float64 stays)
    return _finish(host, dtype, device, requires_grad, "tensor")


def from_numpy(array):
    """A tensor over a host NumPy array: it shares the array's memory on the NumPy backend,
    as torch's ``from_numpy`` does (a device backend copies it to the device)."""
    if not isinstance(array, numpy.ndarray):
        raise TypeError(f"from_numpy: expected a numpy.ndarray, got {type(array).__name__}")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"from_numpy: dtype {array.dtype} is not supported; tensors hold "
                        f"bool, integer or float numbers")
    return Tensor._from_op(backend.xp.asarray(array), (), None, None)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor: a tensor of the right dtype and device unchanged, else a copy."""
    if isinstance(data, Tensor):
        out = data
        if dtype is not None:
            out = out.type(dtype)
        return out if device is None else out.to(device)
    return tensor(data, dtype=dtype, device=device)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of zeros, in the default float dtype unless ``dtype`` says otherwise."""
    dtype = to_dtype(dtype, "zeros") or backend.get_default_dtype()
    return _finish(numpy.zeros(_size(size, "zeros"), dtype), dtype, device, requires_grad,
                   "zeros")


def ones(*size, dtype=None, device=None, requires_grad=False):
    """A tensor of ones, in the default float dtype unless ``dtype`` says otherwise."""
    dtype = to_dtype(dtype, "ones") or backend.get_default_dtype()
    return _finish(numpy.ones(_size(size, "ones"), dtype), dtype, device, requires_grad, "ones")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    """A tensor filled with ``fill_value``; its dtype follows the value (int64 for an int,
    bool for a bool, the default float dtype for a float), as torch."""
    value = numpy.asarray(fill_value.item() if isinstance(fill_value, Tensor) else fill_value)
    if value.ndim != 0 or value.dtype.kind not in "biuf":
        raise TypeError(f"full: fill_value must be one number (bool, int or float), got "
                        f"{fill_value!r}")
    if isinstance(size, numbers.Integral):
        size = (size,)
    return _finish(numpy.full(_size((size,), "full"), value), dtype, device, requires_grad,
                   "full")


def _like(x, dtype, op):
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(x).__name__}")
    return to_dtype(dtype, op) or x.dtype


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    """Zeros of ``x``'s shape, dtype (unless given) and device (unless given)."""
    return zeros(x.shape, dtype=_like(x, dtype, "zeros_like"),
                 device=x.device if device is None else device, requires_grad=requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    """Ones of ``x``'s shape, dtype (unless given) and device (unless given)."""
    return ones(x.shape, dtype=_like(x, dtype, "ones_like"),
                device=x.device if device is None else device, requires_grad=requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    return full(x.shape, fill_value, dtype=_like(x, dtype, "full_like"),
                device=x.device if device is None else device, requires_grad=requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    """The n x m identity (m = n when omitted), in the default float dtype."""
    n, m = _size((n,) if m is None else (n, m), "eye") * (2 if m is None else 1)
    dtype = to_dtype(dtype, "eye") or backend.get_default_dtype()
    return _finish(numpy.eye(n, m, dtype=dtype), dtype, device, requires_grad, "eye")


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """start, start + step, ... below end (``arange(n)``: 0 .. n-1). int64 when every bound is
    an int, else the default float dtype, as torch."""
    if end is None:
        start, end = 0, start
    bounds = [b.item() if isinstance(b, Tensor) else b for b in (start, end, step)]
    if not all(isinstance(b, numbers.Real) for b in bounds):
        raise TypeError(f"arange: start, end and step must be numbers, got {bounds!r}")
    if bounds[2] == 0:
        raise ValueError("arange: step must be nonzero")
    if (bounds[1] - bounds[0]) * bounds[2] < 0:
        raise ValueError(f"arange: the bounds {bounds[0]} and {bounds[1]} are inconsistent with "
                         f"the sign of step {bounds[2]} (torch refuses it too)")
    integral = all(isinstance(b, numbers.Integral) for b in bounds)
    host = numpy.arange(*bounds, dtype=numpy.int64 if integral else numpy.float64)
    return _finish(host, dtype, device, requires_grad, "arange")


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    """``steps`` evenly spaced values from start to end, both included."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
        raise ValueError(f"linspace: steps must be an int >= 0, got {steps!r}")
    return _finish(numpy.linspace(start, end, int(steps)), dtype, device, requires_grad,
                   "linspace")


def _float_dtype(dtype, op):
    dtype = to_dtype(dtype, op) or backend.get_default_dtype()
    if dtype.kind != "f":
        raise TypeError(f"{op}: needs a float dtype, got {dtype}")
    return dtype


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform samples in [0, 1), drawn from minigrad's seeded generator."""
    dtype = _float_dtype(dtype, "rand")
    host = backend.host_rng().random(_size(size, "rand"))
    return _finish(host, dtype, device, requires_grad, "rand")


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal samples, drawn from minigrad's seeded generator."""
    dtype = _float_dtype(dtype, "randn")
    host = backend.host_rng().standard_normal(_size(size, "randn"))
    return _finish(host, dtype, device, requires_grad, "randn")


def randint(low, high=None, size=None, dtype=None, device=None):
    """Integers drawn uniformly from [low, high) (``randint(high, size)`` from 0), int64."""
    if high is None or (size is None and isinstance(high, (tuple, list))):
        low, high, size = 0, low, high
    if size is None:
        raise TypeError("randint: needs a size, as randint(low, high, (n, m))")
    if not all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in (low, high)):
        raise TypeError(f"randint: low and high must be integers, got {low!r} and {high!r}")
    if low >= high:
        raise ValueError(f"randint: needs low < high (draws from [low, high)), got low={low}, "
                         f"high={high}")
    host = backend.host_rng().integers(low, high, size=_size((size,), "randint"))
    return _finish(host.astype(numpy.int64), dtype, device, False, "randint")


def normal(mean=0.0, std=1.0, size=None, dtype=None, device=None, requires_grad=False):
    """Normal samples with the given mean and std: ``normal(0, 1, (2, 3))``, or with tensor
    ``mean``/``std`` (their broadcast shape), as torch."""
    means = mean.numpy() if isinstance(mean, Tensor) else numpy.asarray(mean, dtype=float)
    stds = std.numpy() if isinstance(std, Tensor) else numpy.asarray(std, dtype=float)
    if (stds < 0).any():
        raise ValueError(f"normal: std must be >= 0, got {std!r}")
    if size is None:
        shape = numpy.broadcast_shapes(means.shape, stds.shape)
    else:
        shape = _size((size,) if isinstance(size, numbers.Integral) else tuple(size), "normal")
    host = means + stds * backend.host_rng().standard_normal(shape)
    if dtype is None and isinstance(mean, Tensor):
        dtype = mean.dtype
    return _finish(numpy.asarray(host), _float_dtype(dtype, "normal"), device, requires_grad,
                   "normal")
