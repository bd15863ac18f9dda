"""Training helpers that act on gradients: ``clip_grad_norm_``, as ``torch.nn.utils``."""
import math

from minigrad import backend
from minigrad.tensor import Tensor


def clip_grad_norm_(params, max_norm, error_if_nonfinite=False):
    """Rescale gradients in place so that their global L2 norm is at most ``max_norm``.

        norm = sqrt(sum over every parameter p of sum(p.grad ** 2))
        if norm > max_norm:  p.grad *= max_norm / (norm + 1e-6)   for every p

    The norm is taken over all gradients together, so clipping keeps their direction; it
    guards RNN training against exploding gradients. Parameters without a gradient are
    skipped. Returns the norm before clipping, as a Python float (``params`` may be one
    tensor or an iterable of them, as in PyTorch).

    The norm is exact for any finite gradients: when the plain sum of squares overflows
    (float32 [3e19, 4e19]: 2.5e39 > 3.4e38) or underflows to 0, it is taken again on the
    gradients divided by their largest magnitude a: norm = a * sqrt(sum((g / a) ** 2)).
    With ``error_if_nonfinite`` a NaN or infinite norm raises instead (as in PyTorch).
    """
    if isinstance(params, Tensor):
        params = [params]
    expected = ("clip_grad_norm_: expected a Tensor or an iterable of Tensors (such as "
                "model.parameters()), got ")
    if not hasattr(params, "__iter__"):      # a Module, a number, ...: say what to pass
        raise TypeError(expected + type(params).__name__)
    params = list(params)
    others = sorted({type(p).__name__ for p in params if not isinstance(p, Tensor)})
    if others:
        raise TypeError(expected + "items of type " + ", ".join(others))
    max_norm = float(max_norm)
    if not max_norm > 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be positive, got {max_norm}")
    grads = [p.grad for p in params if p.grad is not None]
    if not grads:
        return 0.0
    squares = float(_sum_of_squares(grads))   # one scalar crosses from the device to the host
    norm = math.sqrt(squares) if math.isfinite(squares) and squares > 0 else _scaled_norm(grads)
    if error_if_nonfinite and not math.isfinite(norm):
        raise RuntimeError(f"clip_grad_norm_: the total norm of the gradients is {norm}, not "
                           f"finite (a NaN or infinite gradient); pass error_if_nonfinite=False "
                           f"to clip anyway")
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads:
            g *= scale
    return norm


def _sum_of_squares(grads):
    """sum(g * g) over all the gradients, as dot products g . g: one pass over each g, without
    a temporary g * g as large as an embedding matrix. On a device, where each product is a
    kernel launch and a launch costs more than copying every gradient (about 10 us against
    4 MB of gradients at 1 TB/s), it is one product of all the gradients concatenated: two
    launches instead of two per parameter."""
    if backend.is_device() and len(grads) > 1:
        flat = backend.xp.concatenate([g.ravel() for g in grads])
        return flat @ flat
    return sum(g.ravel() @ g.ravel() for g in grads)


def _scaled_norm(grads):
    """The global L2 norm without overflow: scale by the largest magnitude before squaring."""
    largest = max(float(abs(g).max()) if g.size else 0.0 for g in grads)
    if largest == 0 or not math.isfinite(largest):
        return largest if largest == 0 or math.isinf(largest) else float("nan")
    total = 0.0
    for g in grads:
        scaled = g.ravel() / largest         # |scaled| <= 1: its squares cannot overflow
        total += float(scaled @ scaled)
    return largest * math.sqrt(total)
