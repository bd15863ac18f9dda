"""Embedding lookup: rows of a weight matrix picked by integer ids."""
import numpy

from minigrad import backend, kernels
from minigrad.ops import checks
from minigrad.fast_grads import SliceGrad
from minigrad.ops.dispatch import fused, path
from minigrad.ops.common import as_tensor
from minigrad.ops.shape import getitem
from minigrad.tensor import Tensor


def ids_array(ids, op, num_embeddings=None, name="ids", counted="embeddings"):
    """Integer ids (host NumPy, backend array or Tensor) as a checked backend array.

    This is an edge of the engine: host ids move to the device here. Float ids and ids outside
    [0, num_embeddings) are errors. Host ids are checked on the host (free). Ids already on a
    device are checked here only in readable mode (a read each: not the fast path); in the
    fast mode the kernel that reads them checks them without a sync (``minigrad.ops.checks``).
    ``name`` and ``counted`` are the words the errors use ("labels" out of range for 5
    "classes").
    """
    if isinstance(ids, Tensor):
        ids = ids.data
    on_host = type(ids) is numpy.ndarray or backend.array_backend(ids) in (None, "numpy")
    if on_host:
        ids = numpy.asarray(ids)            # (a list, or a NumPy scalar)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got dtype {ids.dtype}")
    if num_embeddings is not None and ids.size and (on_host or path() != "device"):
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(f"{op}: {name} contain {bad}, out of range for {num_embeddings} "
                             f"{counted} (valid {name} are 0..{num_embeddings - 1})")
    return ids if type(ids) is backend.xp.ndarray else backend.asarray(ids)   # host to device


def embedding_composed(ids, weight):
    """The readable twin of ``embedding``: weight[ids], a getitem (autograd derives dweight)."""
    return getitem(weight, ids)


def embedding(ids, weight):
    """y[..., :] = weight[ids[...], :] for ids of any shape -> ids.shape + (dim,).

    dL/dweight[v] = the sum of dL/dy over every position whose id is v (a scatter-add of rows:
    an id used twice gets both gradients). dL/dids does not exist.
    """
    weight = weight if isinstance(weight, Tensor) else as_tensor(weight, "embedding")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, dim), got {weight.shape}")
    raw = ids.data if isinstance(ids, Tensor) else ids
    on_device = (type(raw) is not numpy.ndarray and backend.is_device()
                 and backend.array_backend(raw) not in (None, "numpy"))
    ids = ids_array(ids, "embedding", weight.shape[0])
    if type(weight.data) is not type(ids) and backend.array_backend(weight.data) != backend.name:
        raise backend.BackendError(
            f"embedding: weight {weight.shape} lives on backend "
            f"{backend.array_backend(weight.data)!r} but the ids on the current backend "
            f"{backend.name!r}; create both under one backend (mg.set_backend)")
    device = _embedding_checked if on_device else _embedding_fused
    return fused(embedding_composed, device, _embedding_fused)(ids, weight)


def _embedding_fused(ids, weight):
    """The lookup with a lazy gradient (``SliceGrad``): the rows are scatter-added once,
    however many lookups of one weight add up in backward. The ids are in range (checked)."""
    y = weight.data[ids]

    def backward(g):   # the gradient of weight[ids], a getitem: a scatter-add of g's rows
        return (SliceGrad(weight.shape, g.dtype, ids, g, advanced=True),)
    return Tensor._from_op(y, (weight,), backward, "embedding")


def _embedding_checked(ids, weight):
    """The lookup of ids that live on the device, unchecked so far (greedy decoding feeds back
    its argmax): one kernel (``kernels/embedding_forward.cu``) gathers the rows and checks
    each id without a sync; an id out of range gives a NaN row, is reported when a result is
    read (``minigrad.ops.checks``), and is replaced by 0 in the ids the backward uses."""
    xp = backend.xp
    V, D = weight.shape
    if weight.dtype not in (xp.float32, xp.float64) or ids.size == 0 or D == 0:
        _check_now(ids, V)          # no kernel for these: read the ids (a sync), then look up
        return _embedding_fused(ids, weight)
    flat = kernels.contiguous(ids.reshape(-1))
    flat = flat if flat.dtype == xp.int64 else flat.astype(xp.int64)
    y = xp.empty((flat.size, D), dtype=weight.dtype)
    safe = xp.empty(flat.size, dtype=xp.int64)
    kernels.launch("embedding_forward", flat.size * D, weight.dtype,
                   kernels.contiguous(weight.data), flat, y, safe, flat.size, V, D,
                   checks.slot("embedding", "ids", 0, V - 1))
    safe = safe.reshape(ids.shape)

    def backward(g):   # as _embedding_fused's, at the checked ids
        return (SliceGrad(weight.shape, g.dtype, safe, g, advanced=True),)
    return Tensor._from_op(y.reshape(ids.shape + (D,)), (weight,), backward, "embedding")


def _check_now(ids, count):
    """Device ids read back and checked at once (a sync): for the rare lookups no kernel
    takes."""
    values = backend.to_numpy(ids)
    if values.size and (values.min() < 0 or values.max() >= count):
        checks.raise_ids_out_of_range("embedding", "ids", ids, count)
