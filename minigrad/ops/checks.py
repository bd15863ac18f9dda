"""Device-side index checks: labels and valid lengths that live on the device are checked by
the kernels that read them, without a sync.

Reading a device value to check it would wait for the GPU at every call. Instead, a kernel
that meets a label outside [0, V) or a length outside [0, K] never indexes with it: it makes
that row NaN and writes the value into a one-element device slot of its op (``slot``). The
NaN reaches the loss; when the loss is read (``Tensor.item``, the step's one sync) and is NaN,
``raise_pending`` reads the slots (a second read, only on this failure path) and raises an
IndexError naming the op, the value and the allowed range. A NaN with no flagged slot is a
NaN of the numbers, left to the caller (``train``'s NonFiniteLoss).
"""
import numpy

from minigrad import backend

NONE = numpy.iinfo(numpy.int64).min      # a slot's value while no bad index was seen
_slots = {}       # (backend, op, what, low, high) -> the device slot (int64, shape (1,))


def slot(op, what, low, high):
    """The device slot where ``op``'s kernel writes a bad ``what`` (allowed: low..high). One
    slot per allowed range, so a flagged value is reported with the range it broke."""
    key = (backend.name, op, what, low, high)
    if key not in _slots:
        _slots[key] = backend.xp.full(1, NONE, dtype=backend.xp.int64)
    return _slots[key]


def raise_pending():
    """Raise IndexError for the first flagged slot of the current backend (and clear it)."""
    for (name, op, what, low, high), flagged in _slots.items():
        if name != backend.name:
            continue
        value = int(backend.to_numpy(flagged)[0])
        if value != NONE:
            flagged[...] = NONE
            raise IndexError(f"{op}: {what} contain {value}, out of range (allowed "
                             f"{low}..{high}); found on the device, where the row was "
                             f"set to NaN")


def host_mask(mask, op):
    """A mask known on the host must be boolean or hold only 0 and 1 (free: no device)."""
    mask = numpy.asarray(mask)
    if mask.dtype.kind == "b":
        return
    if mask.dtype.kind not in "iuf":
        raise TypeError(f"{op}: mask must be boolean or 0/1 numbers, got dtype {mask.dtype}")
    bad = mask[(mask != 0) & (mask != 1)]
    if bad.size:
        raise ValueError(f"{op}: mask must be boolean or 0/1, got the value "
                         f"{bad.flat[0].item()!r} "
                         f"({bad.size} entries neither 0 nor 1); pass mask > 0 for a "
                         f"boolean one")


def raise_ids_out_of_range(op, what, ids, count):
    """After a device lookup refused ``ids`` (the failure path, so reading them is free of
    cost to a step): raise IndexError naming the op, a bad value and the range."""
    values = backend.to_numpy(ids)
    bad = values[(values < 0) | (values >= count)]
    value = bad.flat[0] if bad.size else "?"
    raise IndexError(f"{op}: {what} contain {value}, out of range (allowed 0..{count - 1})") \
        from None
