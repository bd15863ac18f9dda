"""The book's device helpers: ``cpu()``, ``gpu(i)``, ``num_gpus()``, ``try_gpu(i)``,
``try_all_gpus()``, over minigrad's torch-style devices (``minigrad.device``).

minigrad computes on one array library at a time: NumPy on the CPU, CuPy on the GPU
('cuda'). ``try_gpu()`` is the book's GPU switch: it gives 'cuda' where CuPy sees a GPU and the
CPU everywhere else, so ``model.to(d2l.try_gpu())`` and ``Trainer(num_gpus=1)`` train on the
GPU when there is one and on the CPU when there is none, as in the book. minigrad uses one GPU.
"""
import minigrad as mg


def cpu():
    """The CPU device."""
    return mg.device("cpu")


def gpu(i=0):
    """GPU number ``i`` (minigrad uses one: ``i`` must be 0)."""
    return mg.device("cuda", i)


def num_gpus():
    """How many GPUs minigrad can use here: 1 with CuPy and a GPU, else 0."""
    from minigrad import devices
    return devices.device_count()


def try_gpu(i=0):
    """``gpu(i)`` if it exists, else ``cpu()``."""
    return gpu(i) if num_gpus() >= i + 1 else cpu()


def try_all_gpus():
    """Every usable GPU, or ``[cpu()]`` when there is none."""
    return [gpu(i) for i in range(num_gpus())] or [cpu()]
