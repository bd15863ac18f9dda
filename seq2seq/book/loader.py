"""``ArrayLoader``: the minibatches of both editions' data (d2l 1.0's
``DataModule.get_tensorloader`` and the 0.17 API's ``load_array``), over a few equally long
arrays or tensors.

Each pass yields tuples of minigrad Tensors, the same rows of every array, ``len()`` batches of
``batch_size`` rows (the last may be shorter). With ``shuffle`` the rows come in a new order
on every pass, drawn from minigrad's seeded host generator, so ``mg.manual_seed`` repeats it.
Batches are cut from host copies; a batch becomes a Tensor on the engine's current backend.
"""
import numpy

import minigrad as mg


class ArrayLoader:
    """Minibatches of rows of ``arrays`` (NumPy arrays, lists or Tensors of one length).
    ``name`` is the book's function that made the loader, for the error messages."""

    def __init__(self, arrays, batch_size, shuffle=True, name="load_array"):
        host = [a.numpy() if isinstance(a, mg.Tensor) else numpy.asarray(a) for a in arrays]
        lengths = {len(a) for a in host}
        if len(lengths) != 1:
            raise ValueError(f"{name}: the arrays need one length (rows), got shapes "
                             f"{[a.shape for a in host]}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"{name}: batch_size must be an int >= 1, got {batch_size!r}")
        self.arrays, self.batch_size, self.shuffle = host, batch_size, shuffle
        self.num_rows = lengths.pop()

    def __len__(self):
        return -(-self.num_rows // self.batch_size)

    def __iter__(self):
        order = (mg.backend.host_rng().permutation(self.num_rows) if self.shuffle
                 else numpy.arange(self.num_rows))
        for start in range(0, self.num_rows, self.batch_size):
            rows = order[start:start + self.batch_size]
            yield tuple(mg.Tensor(a[rows]) for a in self.arrays)
