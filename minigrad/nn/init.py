"""In-place initialisers, as ``torch.nn.init``: ``xavier_uniform_``, ``xavier_normal_``,
``kaiming_uniform_``, ``normal_``, ``uniform_``, ``zeros_``, ``ones_``, ``constant_``.

Each fills the tensor's own array in place, outside the graph (an optimizer holding the
tensor keeps it), drawing from minigrad's seeded host generator, and returns the tensor.
For a weight (out, in, *k): fan_in = in * prod(k), fan_out = out * prod(k).
"""
import math

from minigrad import backend
from minigrad.versions import bump_version


def _fill(tensor, host):
    return constant_(tensor, backend.asarray(host, dtype=tensor.dtype))


def _fans(tensor, op):
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(f"{op}: fan in and fan out need a tensor with at least 2 dims, got "
                         f"shape {shape}")
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


def uniform_(tensor, a=0.0, b=1.0):
    return _fill(tensor, backend.host_rng().uniform(a, b, tensor.shape))


def normal_(tensor, mean=0.0, std=1.0):
    return _fill(tensor, mean + std * backend.host_rng().standard_normal(tensor.shape))


def constant_(tensor, val):
    tensor.data[...] = val
    bump_version(tensor)     # an in-place change: a graph that read it cannot backpropagate
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0)


def ones_(tensor):
    return constant_(tensor, 1)


def xavier_uniform_(tensor, gain=1.0):
    """U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_uniform_")
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return uniform_(tensor, -bound, bound)


def xavier_normal_(tensor, gain=1.0):
    """N(0, s^2) with s = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _fans(tensor, "xavier_normal_")
    std = gain * math.sqrt(2.0 / (fan_in + fan_out)) if fan_in + fan_out else 0.0
    return normal_(tensor, 0.0, std)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu"):
    """U(-b, b) with b = gain * sqrt(3 / fan), gain = sqrt(2 / (1 + a^2)) for (leaky) relu."""
    fan_in, fan_out = _fans(tensor, "kaiming_uniform_")
    fan = fan_in if mode == "fan_in" else fan_out
    gain = math.sqrt(2.0 / (1 + a * a)) if nonlinearity in ("relu", "leaky_relu") else 1.0
    bound = gain * math.sqrt(3.0 / fan) if fan else 0.0
    return uniform_(tensor, -bound, bound)
