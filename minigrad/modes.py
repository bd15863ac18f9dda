"""Readable mode: the switch between the book's code and the fast one.

With it on, every fused op runs its composed twin (``minigrad/ops/dispatch.py``), the backward
pass is the simple loop of ``minigrad/autograd.py`` with plain arrays, and the models follow
d2l's code line for line. Losses and gradients are the same as in the fast mode. It starts on
when the environment sets ``MINIGRAD_READABLE`` to 1 or true (0 or false: off; anything else
is refused in one line, see ``minigrad/env.py``).
"""
import numpy

from minigrad import env

# The flag. Hot paths read ``modes.readable``; it is set only through set_readable.
readable = env.switch("MINIGRAD_READABLE")


def set_readable(flag=True):
    """Readable mode on (or off with False): every fused op runs its composed twin, gradients
    are plain arrays and the models follow d2l's code line for line."""
    global readable
    if not isinstance(flag, (bool, int, numpy.bool_)) or flag not in (0, 1):   # not 'no'
        raise TypeError(f"set_readable: expected True or False, got {flag!r}")
    readable = bool(flag)


def is_readable():
    """True while readable mode is on (``set_readable(True)`` or ``MINIGRAD_READABLE=1``)."""
    return readable
