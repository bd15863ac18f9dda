"""``minigrad.nn.functional``, torch's ``F``: the functions behind the layers, with torch's
signatures: ``F.relu``, ``F.gelu``, ``F.softmax(x, dim=)``, ``F.dropout``, ``F.linear``,
``F.cross_entropy(logits, labels, reduction=)``, ``F.mse_loss``.
"""
import numpy

from minigrad import backend, ops
from minigrad.ops import checks
from minigrad.ops.common import as_tensor
from minigrad.ops.embedding import ids_array
from minigrad.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def relu(x, inplace=False):
    return ops.relu(x)


def gelu(x, approximate="none"):
    return ops.gelu(x, approximate)


def sigmoid(x):
    return ops.sigmoid(x)


def tanh(x):
    return ops.tanh(x)


def softmax(x, dim=None, *, axis=None, dtype=None):
    x = as_tensor(x, "softmax")
    if dtype is not None:
        x = x.type(dtype)
    return ops.softmax(x, dim if dim is not None else (axis if axis is not None else -1))


def log_softmax(x, dim=None, *, axis=None):
    return ops.log_softmax(x, dim if dim is not None else (axis if axis is not None else -1))


def dropout(x, p=0.5, training=True, inplace=False):
    """Inverted dropout, as torch's F.dropout (active only when ``training``)."""
    if not 0 <= p <= 1:
        raise ValueError(f"dropout: p must lie in [0, 1], got {p}")
    if p == 1 and training:
        return ops.mul(x, 0.0)
    return ops.dropout(x, p, training)


def linear(x, weight, bias=None):
    return ops.linear(x, weight, bias)


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    return ops.layer_norm(x, shape, weight, bias, eps)


def _reduce(losses, reduction, op):
    if reduction == "mean":
        return ops.mean(losses)
    if reduction == "sum":
        return ops.sum(losses)
    if reduction == "none":
        return losses
    raise ValueError(f"{op}: reduction must be one of {', '.join(_REDUCTIONS)}, got "
                     f"{reduction!r}")


def cross_entropy(input, target, reduction="mean"):
    """torch's cross-entropy of logits ``input`` against ``target``.

    ``input`` is (N, C), (C,) or (N, C, d1, ...): the classes on axis 1, as torch. ``target``
    holds class indices ((N,), (), (N, d1, ...)) or class probabilities (``input``'s shape).
    ``reduction``: 'mean' (over every position), 'sum' or 'none' (one loss per position).

    loss_i = -log softmax(input_i)[target_i]. The (N, C) mean is the fused ``ops.cross_entropy``;
    the other forms are log_softmax and a gather, each with its own backward.
    """
    input = as_tensor(input, "cross_entropy")
    if reduction not in _REDUCTIONS:
        raise ValueError(f"cross_entropy: reduction must be one of {', '.join(_REDUCTIONS)}, "
                         f"got {reduction!r}")
    # host targets stay on the host until ids_array has checked them (free there)
    target_data = target.data if isinstance(target, Tensor) else numpy.asarray(target)
    if input.ndim == 0:
        raise ValueError("cross_entropy: input must have a class axis, got a 0-d tensor")
    if target_data.dtype.kind == "f":                     # class probabilities
        if target_data.shape != input.shape:
            raise ValueError(f"cross_entropy: probabilities of shape {target_data.shape} for "
                             f"input of shape {input.shape}; they must match")
        class_axis = 1 if input.ndim > 1 else 0
        losses = ops.neg(ops.sum(ops.mul(ops.log_softmax(input, class_axis),
                                         as_tensor(target_data.astype(input.dtype),
                                                   "cross_entropy")), class_axis))
        return _reduce(losses, reduction, "cross_entropy")
    expected = input.shape[:1] + input.shape[2:] if input.ndim > 1 else ()
    if target_data.shape != expected:
        raise ValueError(f"cross_entropy: target has shape {target_data.shape}, expected "
                         f"{expected} for input of shape {input.shape} (classes on axis 1)")
    # integers in [0, C), checked here (on the host: free), not by the gather's index error
    on_device = backend.is_device() and backend.array_backend(target_data) not in (None, "numpy")
    classes = input.shape[1 if input.ndim > 1 else 0]
    target_data = ids_array(target_data, "cross_entropy", classes, name="labels",
                            counted="classes")
    if reduction == "mean" and input.ndim == 2:
        return ops.cross_entropy(input, target_data)
    bad = None
    if on_device and target_data.size:     # no sync: flagged as the kernels do (ops/checks.py)
        target_data, bad = _device_labels(target_data, classes)
    logits = input
    if input.ndim > 2:                                    # (N, C, d...) -> (N, d..., C)
        logits = ops.transpose(input, (0,) + tuple(range(2, input.ndim)) + (1,))
    log_probs = ops.log_softmax(logits, -1)
    if input.ndim == 1:
        picked = ops.getitem(log_probs, target_data)
    else:
        picked = ops.gather(log_probs, target_data[..., None], -1)
        picked = ops.reshape(picked, target_data.shape)
    if bad is not None:                    # a bad label's loss is NaN, read as the flag's error
        picked = ops.masked_fill(picked, Tensor(bad), float("nan"))
    return _reduce(ops.neg(picked), reduction, "cross_entropy")


def _device_labels(labels, classes):
    """Labels on a device, checked without a sync, as the fused kernels check theirs: one
    outside [0, classes) is looked up as 0 (CuPy's indexing would wrap it around), its loss is
    made NaN, and the value is written to the op's check slot, which the first read of the NaN
    reports. Returns (safe labels, the bad positions)."""
    xp = backend.xp
    bad = (labels < 0) | (labels >= classes)
    flagged = checks.slot("cross_entropy", "labels", 0, classes - 1)
    flagged[...] = xp.maximum(flagged, xp.where(bad, labels, checks.NONE).max())
    return xp.where(bad, 0, labels), bad


def mse_loss(input, target, reduction="mean"):
    """(input - target)^2, averaged ('mean'), summed ('sum') or kept ('none')."""
    diff = ops.sub(input, target)
    return _reduce(ops.mul(diff, diff), reduction, "mse_loss")


def one_hot(labels, num_classes=-1):
    data = labels.data if isinstance(labels, Tensor) else backend.asarray(labels)
    if num_classes < 0:
        num_classes = int(data.max()) + 1
    out = (data[..., None] == backend.xp.arange(num_classes)).astype("int64")
    return Tensor._from_op(out, (), None, "one_hot")
