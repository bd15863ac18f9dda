"""Device-side checks: ids, labels, valid lengths and masks that live on the device are checked
by the kernels that read them, without a sync.

Reading a device value to check it would wait for the GPU at every call. Instead, a kernel
that meets an id or label outside [0, V), a length outside [0, K] or a mask value other than 0
and 1 never indexes with it: it makes that row NaN and writes the value into a one-element
device slot of its op (``slot``, ``mask_slot``). The NaN reaches the result; when a result
read back to the host holds a NaN (``Tensor.item``, the step's one sync, or ``Tensor.numpy``;
``read_back``), ``raise_pending`` reads the slots (more reads, only on this failure path),
clears every flagged one and raises an error naming the op, the value and the allowed range.
So a flag is reported at the first read that sees its NaN, and never left behind to surface
at a later, unrelated read. A NaN with no flagged slot is a NaN of the numbers, left to the
caller (``train``'s NonFiniteLoss).

Readable mode (the composed ops, on any backend) checks device values at once instead, with a
read each: clearer, and it is not the fast path.
"""
import numpy

from minigrad import backend

NONE = numpy.iinfo(numpy.int64).min      # an index slot's value while no bad index was seen
_slots = {}   # (backend, op, what, low, high) -> the device slot (shape (1,)): int64 for an
#               index (NONE while clean), float64 for a mask (low, high None; 0 while clean)


def slot(op, what, low, high):
    """The device slot where ``op``'s kernel writes a bad ``what`` (allowed: low..high). One
    slot per allowed range, so a flagged value is reported with the range it broke."""
    key = (backend.name, op, what, low, high)
    if key not in _slots:
        _slots[key] = backend.xp.full(1, NONE, dtype=backend.xp.int64)
    return _slots[key]


def mask_slot(op):
    """The device slot (float64) where ``op``'s kernel writes a mask value neither 0 nor 1.
    It holds 0 while none was seen: 0 is a valid mask value, so never a flagged one."""
    key = (backend.name, op, "mask", None, None)
    if key not in _slots:
        _slots[key] = backend.xp.zeros(1, dtype=backend.xp.float64)
    return _slots[key]


def read_back(array):
    """After ``array`` was read back to the host (a NumPy array): if it is a float array that
    holds a NaN, on a device backend, report a flagged device check (``raise_pending``)."""
    if array.dtype.kind == "f" and backend.is_device() and array.size:
        # one pass over the host copy: a NaN anywhere makes the sum NaN (an inf - inf too,
        # which only costs the slots' reads)
        if numpy.isnan(array.sum()):
            raise_pending()


def raise_pending():
    """Raise for every flagged slot of the current backend, clearing them all: an IndexError
    for an index, a ValueError for a mask, naming the op, the value and the allowed values
    (the first flagged; the others are named after it)."""
    found = []
    for (name, op, what, low, high), flagged in _slots.items():
        if name != backend.name:
            continue
        value = backend.to_numpy(flagged)[0]
        if low is None and value != 0:                   # a mask slot (NaN != 0 too)
            flagged[...] = 0
            found.append((ValueError, f"{op}: mask must be boolean or 0/1, got the value "
                                      f"{float(value)!r} (found on the device, where the "
                                      f"row was set to NaN); pass mask > 0 for a boolean one"))
        elif low is not None and int(value) != NONE:
            flagged[...] = NONE
            found.append((IndexError, f"{op}: {what} contain {int(value)}, out of range "
                                      f"(allowed {low}..{high}); found on the device, where "
                                      f"the row was set to NaN"))
    if found:
        kind, message = found[0]
        others = "; ".join(m.split(";")[0] for _, m in found[1:])
        raise kind(message + (f" (also flagged: {others})" if others else ""))


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
