"""Embedding lookup: rows of a weight matrix picked by integer ids."""
from minigrad import backend
from minigrad.fast_grads import SliceGrad
from minigrad.ops.dispatch import fused
from minigrad.ops.common import as_tensor
from minigrad.ops.shape import getitem
from minigrad.tensor import Tensor


def ids_array(ids, op, num_embeddings=None, name="ids", counted="embeddings"):
    """Integer ids (host NumPy, backend array or Tensor) as a checked backend array.

    This is an edge of the engine: host ids move to the device here. Float ids and ids outside
    [0, num_embeddings) are errors. Host ids are checked on the host (free); on a device backend, device
    ids are not range-checked, since that would wait for the GPU at every call. ``name`` and
    ``counted`` are the words the errors use ("labels" out of range for 5 "classes").
    """
    if isinstance(ids, Tensor):
        ids = ids.data
    owner = backend.array_backend(ids)
    on_host = owner is None or owner == "numpy"
    if on_host:
        import numpy
        ids = numpy.asarray(ids)
    if ids.dtype.kind not in "iu":
        raise TypeError(f"{op}: {name} must be integers, got dtype {ids.dtype}")
    if num_embeddings is not None and ids.size and (on_host or not backend.is_device()):
        low, high = int(ids.min()), int(ids.max())
        if low < 0 or high >= num_embeddings:
            bad = low if low < 0 else high
            raise IndexError(f"{op}: {name} contain {bad}, out of range for {num_embeddings} "
                             f"{counted} (valid {name} are 0..{num_embeddings - 1})")
    return backend.asarray(ids) if on_host else ids


def embedding_composed(ids, weight):
    """The readable twin of ``embedding``: weight[ids], a getitem (autograd derives dweight)."""
    return getitem(weight, ids)


def embedding(ids, weight):
    """y[..., :] = weight[ids[...], :] for ids of any shape -> ids.shape + (dim,).

    dL/dweight[v] = the sum of dL/dy over every position whose id is v (a scatter-add of rows:
    an id used twice gets both gradients). dL/dids does not exist.
    """
    weight = as_tensor(weight, "embedding")
    if weight.ndim != 2:
        raise ValueError(f"embedding: weight must be (num_embeddings, dim), got {weight.shape}")
    ids = ids_array(ids, "embedding", weight.shape[0])
    if type(weight.data) is not type(ids) and backend.array_backend(weight.data) != backend.name:
        raise backend.BackendError(
            f"embedding: weight {weight.shape} lives on backend "
            f"{backend.array_backend(weight.data)!r} but the ids on the current backend "
            f"{backend.name!r}; create both under one backend (mg.set_backend)")
    return fused(embedding_composed, _embedding_fused, _embedding_fused)(ids, weight)


def _embedding_fused(ids, weight):
    """The lookup with a lazy gradient (``SliceGrad``): the rows are scatter-added once,
    however many lookups of one weight add up in backward."""
    try:
        y = weight.data[ids]
    except IndexError:   # device ids out of range (strict refuses them here; CuPy would wrap)
        from minigrad.ops import checks
        checks.raise_ids_out_of_range("embedding", "ids", ids, weight.shape[0])

    def backward(g):   # the gradient of weight[ids], a getitem: a scatter-add of g's rows
        return (SliceGrad(weight.shape, g.dtype, ids, g, advanced=True),)
    return Tensor._from_op(y, (weight,), backward, "embedding")
