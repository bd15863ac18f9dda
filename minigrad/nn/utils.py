"""Training helpers that act on gradients: ``clip_grad_norm_``, as ``torch.nn.utils``."""
import math

from minigrad.tensor import Tensor


def clip_grad_norm_(params, max_norm):
    """Rescale gradients in place so that their global L2 norm is at most ``max_norm``.

        norm = sqrt(sum over every parameter p of sum(p.grad ** 2))
        if norm > max_norm:  p.grad *= max_norm / (norm + 1e-6)   for every p

    The norm is taken over all gradients together, so clipping keeps their direction; it
    guards RNN training against exploding gradients. Parameters without a gradient are
    skipped. Returns the norm before clipping, as a Python float (``params`` may be one
    tensor or an iterable of them, as in PyTorch).
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
    # sum(g * g) as the dot product g . g: one pass over g, without a temporary g * g as
    # large as an embedding matrix; the sum stays on the device, one scalar crosses to the host
    squares = sum(g.ravel() @ g.ravel() for g in grads)
    norm = math.sqrt(float(squares))
    if norm > max_norm:
        scale = max_norm / (norm + 1e-6)
        for g in grads:
            g *= scale
    return norm
