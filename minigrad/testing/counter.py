"""Counting array operations and device syncs, the figures that decide speed on a GPU.

On a GPU every array operation is a kernel launch (about 10 µs of CuPy overhead each) and every
device-to-host read (``int(a)``, ``float(a)``, ``a.item()``, boolean-mask indexing...) stalls the
stream until the device catches up. At d2l's sizes a training step is bound by their number,
not by flops. Counts are exact, unlike timings, so tests may pin bounds on them.

The strict backend reports each operation and sync here while a ``counting()`` block is open::

    with counter.counting() as counts:
        loss = model.loss(X, X_len, dec_X, Y, Y_len)
    counts.ops, counts.syncs          # totals
    counts.by_op.most_common(5)       # [("matmul", 610), ...]
    counts.sync_sites                 # {"minigrad/ops/softmax.py:67 masked_softmax": 80, ...}

Outside a ``counting()`` block recording costs one ``is None`` test.
"""
import collections
import contextlib
import os
import sys


class Counts:
    """What one ``counting()`` block saw: array operations and syncs, by op and by call site."""

    def __init__(self):
        self.by_op = collections.Counter()       # op name -> operations
        self.op_sites = collections.Counter()    # "file:line function" -> operations
        self.sync_kinds = collections.Counter()  # "int", "float", "bool", "item", "mask"...
        self.sync_sites = collections.Counter()  # "file:line function" -> syncs
        self.phase = None                        # set by ``phase()``: counts split by phase
        self.by_phase = collections.Counter()     # phase -> operations
        self.syncs_by_phase = collections.Counter()

    @property
    def ops(self):
        return sum(self.by_op.values())

    @property
    def syncs(self):
        return sum(self.sync_kinds.values())

    @contextlib.contextmanager
    def in_phase(self, name):
        """Attribute what runs inside to phase ``name`` ("forward", "backward", ...)."""
        outer, self.phase = self.phase, name
        try:
            yield self
        finally:
            self.phase = outer

    def __repr__(self):
        return f"Counts(ops={self.ops}, syncs={self.syncs})"


_active = None   # the Counts of the innermost open counting() block, or None

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))
_SKIP = (os.path.join(_PACKAGE_DIR, "strict.py"), os.path.abspath(__file__),
         os.path.join(_PACKAGE_DIR, "kernels", "__init__.py"))


def _call_site():
    """'file:line function' of the first frame outside the strict backend and this module."""
    frame = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename) in _SKIP:
        frame = frame.f_back
    if frame is None:
        return "?"
    path = frame.f_code.co_filename
    root = os.path.dirname(_PACKAGE_DIR)
    if path.startswith(root):
        path = os.path.relpath(path, root)
    return f"{path}:{frame.f_lineno} {frame.f_code.co_name}"


def record_op(name, count=1):
    """One array operation (one kernel launch on CuPy) named ``name``."""
    counts = _active
    if counts is None:
        return
    counts.by_op[name] += count
    counts.op_sites[_call_site()] += count
    if counts.phase is not None:
        counts.by_phase[counts.phase] += count


def record_sync(kind):
    """One device-to-host sync of kind ``kind`` ("int", "float", "bool", "item", "mask"...)."""
    counts = _active
    if counts is None:
        return
    counts.sync_kinds[kind] += 1
    counts.sync_sites[_call_site()] += 1
    if counts.phase is not None:
        counts.syncs_by_phase[counts.phase] += 1


@contextlib.contextmanager
def counting():
    """Count the array operations and syncs of the strict backend inside the block."""
    global _active
    outer, _active = _active, Counts()
    try:
        yield _active
    finally:
        _active = outer
