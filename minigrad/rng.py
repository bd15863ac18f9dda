"""The random generators: a host NumPy generator for initial weights (the same stream on every
backend) and a device one for dropout masks, both seeded by ``manual_seed``."""
import numbers

import numpy

from minigrad import backend

_seed = None
_host_rng = numpy.random.default_rng()
_device_rng = None      # created lazily for the current backend


def backend_changed():
    """A new backend needs its own device generator, seeded again if a seed was set."""
    global _device_rng
    _device_rng = None
    if _seed is not None:
        manual_seed(_seed)


def manual_seed(seed):
    """Seed parameter initialisation (host) and dropout (device) for reproducible runs."""
    global _seed, _host_rng, _device_rng
    if not isinstance(seed, numbers.Integral):      # a bool is 0 or 1, as in torch
        raise TypeError(f"manual_seed: expected an integer seed, got {seed!r}")
    _seed = int(seed)
    unsigned = _seed % 2**64     # a negative seed is fine, as in torch
    _host_rng = numpy.random.default_rng(unsigned)
    _device_rng = None
    if backend.name == "cupy":
        backend.xp.random.seed(unsigned)


def host_rng():
    """The NumPy generator that draws initial weights, the same stream on every backend."""
    return _host_rng


def random_uniform(shape, dtype):
    """Uniform [0, 1) samples drawn on the device (dropout masks)."""
    global _device_rng
    if backend.name == "cupy":
        return backend.xp.random.random_sample(shape, dtype=dtype)
    if _device_rng is None:
        _device_rng = numpy.random.default_rng(_host_rng.integers(2**63))
    sample = _device_rng.random(shape, dtype=dtype)
    return sample if backend.name == "numpy" else backend.xp.asarray(sample)
