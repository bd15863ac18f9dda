"""Where a fused op picks its path: the one place the ops read the readable flag.

A fused op (the GRU and LSTM cells, masked softmax, the additive score, cross-entropy, layer
norm, the embedding lookup, dropout) has up to three implementations of the same math:

- ``composed``: its readable twin, written from primitive ops as the book writes it;
  autograd derives its backward. Readable mode (``mg.set_readable(True)``) runs it.
- ``device``: its CUDA kernels (``minigrad/kernels/*.cu``), on a device backend (CuPy, and
  the strict test backend, which stands in for it on the CPU).
- ``host``: NumPy arrays with a hand-written backward, on the CPU.

The tests hold the last two to the first.
"""
from minigrad import backend, modes


def path():
    """The path fused ops take now: "composed", "device" or "host"."""
    if modes.readable:
        return "composed"
    return "device" if backend.is_device() else "host"


def fused(composed, device, host):
    """The implementation of a fused op to run now (see the module docstring)."""
    if modes.readable:
        return composed
    return device if backend.is_device() else host
