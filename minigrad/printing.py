"""How a tensor prints: as torch prints it, so a learner can hold our output next to the
book's: ``tensor([[1., 2.]])``, four decimals for non-integer floats, the dtype named when it
is not the default one for its kind, and the tensor's place in the graph
(``requires_grad=True`` for a leaf, ``grad_fn=<MulBackward0>`` for an op's output).
"""
import numpy

from minigrad import backend, devices

_DEFAULT_INTEGER = numpy.dtype(numpy.int64)


def _body(array):
    """The numbers, formatted by NumPy with torch's choices."""
    options = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3,
               "max_line_width": 80}
    if array.dtype.kind == "f" and array.size:
        finite = array[numpy.isfinite(array)]
        if finite.size and not (finite == numpy.round(finite)).all():
            options.update(precision=4, floatmode="fixed")
        magnitudes = numpy.abs(finite[finite != 0])
        if magnitudes.size and (magnitudes.max() >= 1e8 or magnitudes.min() < 1e-4):
            options.update(floatmode="maxprec_equal")
    return numpy.array2string(array, **options)


def tensor_repr(x, kind="tensor"):
    """``tensor([...], dtype=..., device=..., requires_grad=True | grad_fn=<...>)``."""
    array = backend.to_numpy(x.data)
    if backend.is_device():   # printing reads the data too: a flagged NaN is named, as numpy()
        from minigrad.ops import checks
        checks.read_back(array)
    extras = []
    if array.dtype.kind == "f" and array.dtype != backend.get_default_dtype():
        extras.append(f"dtype=minigrad.{array.dtype}")
    elif array.dtype.kind in "iu" and array.dtype != _DEFAULT_INTEGER:
        extras.append(f"dtype=minigrad.{array.dtype}")
    if devices.device_of(x.data).type == "cuda":
        extras.append("device='cuda:0'")
    if x.requires_grad and x._parents:
        extras.append(f"grad_fn=<{str(x._op).title().replace('_', '')}Backward0>")
    elif x.requires_grad:
        extras.append("requires_grad=True")
    if x.name:
        extras.append(f"name={x.name!r}")
    text = "tensor(" + _body(array) + "".join(", " + e for e in extras) + ")"
    if kind == "parameter":
        return "Parameter containing:\n" + text
    return text
