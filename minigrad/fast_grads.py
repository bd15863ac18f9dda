"""The fast mode's gradients: lazy sums that finish themselves late, and the backward walk
that accumulates them. Read ``minigrad/autograd.py`` first: readable mode runs its simple walk
and nothing of this module.

``autograd.backward`` hands the walk to ``backward`` below when readable mode is off: the one
seam between the two. The walk is the same topological order and the same closures; what
changes is what flows along it. A closure may hand back, instead of a plain array:

- ``SliceGrad``: the gradient of ``x[index]`` (values at ``index``, 0 elsewhere);
  ``SliceGrads`` several of them, summed when needed (T time steps taken one by one);
- ``WeightGrad``: a weight's gradient as products a^T b, summed as one large product over
  every time step that used the weight;
- ``BiasGrad``: a bias's gradient as rows, summed as one sum over every step;
- ``RowGrad``: a gradient that is 0 but on some rows (a masked loss), which ``linear`` takes
  as it is (its backward is marked ``takes_rows``).

The ops ask for these through ``ops.common.slice_grad``, ``weight_grad`` and ``bias_grad``,
which give plain arrays in readable mode, so that the simple walk only ever adds arrays.
"""
import math

import numpy

from minigrad import backend, versions
from minigrad.autograd import _graph_released, topological_order


def takes_rows(backward_function):
    """Whether an op's backward takes a ``RowGrad`` as it is (marked ``takes_rows = True``)."""
    return getattr(backward_function, "takes_rows", False)


def _owned(g):
    """A fresh array holding ``g``, safe to add into in place."""
    return g.dense() if type(g) in _LAZY else backend.xp.array(g)



class SliceGrad:
    """The gradient of ``x[index]`` with respect to ``x``: ``values`` at ``index``, 0 elsewhere.

    Kept unmaterialised until needed: a loop that takes the T time steps of one (T, B, F)
    tensor then adds T slices into one buffer instead of summing T full-size arrays, O(T)
    instead of O(T^2). ``advanced`` marks integer-array indices, which may repeat an element
    and therefore need a scatter-add rather than ``+=`` (a boolean mask never repeats one).
    """
    __slots__ = ("shape", "dtype", "index", "values", "advanced")

    def __init__(self, shape, dtype, index, values, advanced):
        self.shape, self.dtype, self.index = shape, dtype, index
        self.values, self.advanced = values, advanced

    def add_into(self, buffer):
        if (self.advanced and backend.is_array(self.index) and buffer.size
                and buffer.flags.c_contiguous):
            # whole rows picked by one integer array, x[ids] (an embedding lookup): the
            # faster row scatter-add, on the (rows, everything else) view of the buffer
            rows = buffer.reshape(buffer.shape[0], -1)
            backend.scatter_add_rows(rows, self.index.reshape(-1),
                                     self.values.reshape(self.index.size, rows.shape[1]))
        elif self.advanced:
            backend.scatter_add(buffer, self.index, self.values)
        elif _basic(self.index):
            # basic indexing gives a view: one in-place add into it (``buffer[index] += values``
            # would also write the view back onto itself, a second kernel on a GPU). With a
            # trailing ``...`` even one element is a 0-d view (NumPy's x[i, j] is a copy).
            index = self.index if type(self.index) is tuple else (self.index,)
            target = buffer[index if Ellipsis in index else index + (Ellipsis,)]
            target += self.values
        else:       # a boolean mask: buffer[mask] is a copy, so add and write it back
            buffer[self.index] += self.values
        return buffer

    def whole(self):
        """``values`` as the whole gradient when the index took all of x: x[0] or x[-1] of an x
        whose first axis has size 1 (a GRU layer's gates for one decoder step). Else None."""
        if (type(self.index) is int and self.index in (0, -1) and self.shape[0] == 1
                and self.values.shape == tuple(self.shape[1:])
                and self.values.dtype == self.dtype):
            return self.values.reshape(self.shape)
        return None

    def dense(self):
        return self.add_into(backend.xp.zeros(self.shape, dtype=self.dtype))

    def __repr__(self):
        kind = "scatter-add" if self.advanced else "slice"
        return (f"SliceGrad(shape={tuple(self.shape)}, {kind} of values "
                f"{tuple(self.values.shape)} at index {_index_text(self.index)}, "
                f"dtype={self.dtype})")


_BASIC = (int, slice, type(None), type(Ellipsis))


def _basic(index):
    """Whether ``x[index]`` is basic indexing (integers, slices, None, ...): a view of x."""
    if type(index) is tuple:
        return all(type(i) in _BASIC for i in index)
    return type(index) in _BASIC


def _index_text(index):
    if backend.is_array(index):
        return f"<int array {tuple(index.shape)}>"
    if isinstance(index, tuple):
        return "(" + ", ".join(_index_text(i) for i in index) + ")"
    if isinstance(index, slice):
        return ":" if index == slice(None) else f"{index.start}:{index.stop}:{index.step}"
    return repr(index)


class _RunningSum:
    """What ``WeightGrad`` and ``BiasGrad`` share: a sum held as pending terms plus a running
    ``total``, into which each class folds its terms (as one product, or one sum of rows)."""
    __slots__ = ()

    def _add_to_total(self, value, ours=False):
        """Add ``value`` to the running total. An array of ``ours`` (just made by this sum) may
        become the total; another sum's total is copied first, as it is not ours to change."""
        if self.total is None:
            self.total = value if ours else value.copy()
        else:
            self.total += value

    def add_into(self, buffer):
        buffer += self.dense()
        return buffer


class WeightGrad(_RunningSum):
    """The gradient of a weight matrix as a sum of products, a_1^T b_1 + a_2^T b_2 + ...

    A layer's weight W gets dL/dW = g^T x from each use y = x W^T (``linear``: a = g, b = x;
    for ``matmul``'s a @ W it is a = a, b = g). An RNN uses its weights at every time step, so
    they receive T such products of small (B, out) and (B, in) factors. Kept as factors, their
    sum is one product of the stacked factors, [a_1; ...; a_T]^T [b_1; ...; b_T]: a single
    large matmul, which runs near the machine's best rate, instead of T small ones and T - 1
    additions of (out, in) arrays.

    Factors keep their arrays alive, so once they hold ``rows_per_product`` rows they are
    multiplied out into a running total: the memory they hold stays bounded however long the
    sequence, and each product is still large. Factors that are that large from the start
    (a layer applied to a whole sequence at once) are multiplied out at once.
    """
    __slots__ = ("lefts", "rights", "rows", "total")
    rows_per_product = 1024

    def __init__(self, left, right):
        self.lefts, self.rights, self.rows, self.total = [left], [right], left.shape[0], None
        if self.rows >= self.rows_per_product:
            self._multiply_out()

    def copy(self):
        """A WeightGrad of our own with the same sum, to add more products into."""
        twin = WeightGrad.__new__(WeightGrad)
        twin.lefts, twin.rights, twin.rows = list(self.lefts), list(self.rights), self.rows
        twin.total = None if self.total is None else self.total.copy()
        return twin

    def add(self, other):
        """Add the products of ``other`` to this sum, in place."""
        self.lefts += other.lefts
        self.rights += other.rights
        self.rows += other.rows
        if other.total is not None:
            self._add_to_total(other.total)
        if self.rows >= self.rows_per_product:
            self._multiply_out()

    def _multiply_out(self):
        """Move the factors into ``total`` as one product."""
        xp = backend.xp
        if len(self.lefts) == 1:
            product = self.lefts[0].T @ self.rights[0]
        else:
            product = xp.concatenate(self.lefts).T @ xp.concatenate(self.rights)
        self._add_to_total(product, ours=True)
        self.lefts, self.rights, self.rows = [], [], 0

    def dense(self):
        """The sum as one (out, in) array, fresh (safe to add into in place)."""
        if self.lefts:
            self._multiply_out()
        return self.total

    @property
    def shape(self):
        if self.total is not None:
            return tuple(self.total.shape)
        return (self.lefts[0].shape[1], self.rights[0].shape[1])

    def __repr__(self):
        return (f"WeightGrad(shape={self.shape}: sum of {len(self.lefts)} pending products "
                f"a^T b over {self.rows} rows"
                f"{' plus a multiplied-out total' if self.total is not None else ''})")


class BiasGrad(_RunningSum):
    """The gradient of a bias added to every row, y = x W^T + b: the sum over the rows of
    dL/dy, kept as its (rows, out) terms until the sum is needed.

    An RNN adds its biases at every time step, so each bias receives T sums over B rows,
    and T - 1 additions of them. Kept as terms, the whole gradient is one concatenation and
    one sum over all T B rows: two array operations (kernel launches on a GPU) instead of
    about 2T. Like ``WeightGrad``, the terms are summed into a running total once they hold
    ``rows_per_sum`` rows, so the memory they keep alive stays bounded (and they are the
    arrays that the weight's ``WeightGrad`` keeps anyway).
    """
    __slots__ = ("parts", "rows", "total")
    rows_per_sum = 1024

    def __init__(self, rows):
        self.parts, self.rows, self.total = [rows], rows.shape[0], None
        if self.rows >= self.rows_per_sum:
            self._sum_out()

    def copy(self):
        """A BiasGrad of our own with the same sum, to add more terms into."""
        twin = BiasGrad.__new__(BiasGrad)
        twin.parts, twin.rows = list(self.parts), self.rows
        twin.total = None if self.total is None else self.total.copy()
        return twin

    def add(self, other):
        """Add the terms of ``other`` to this sum, in place."""
        self.parts += other.parts
        self.rows += other.rows
        if other.total is not None:
            self._add_to_total(other.total)
        if self.rows >= self.rows_per_sum:
            self._sum_out()

    def _sum_out(self):
        """Move the terms into ``total`` as one sum over their rows."""
        rows = self.parts[0] if len(self.parts) == 1 else backend.xp.concatenate(self.parts)
        self._add_to_total(rows.sum(axis=0), ours=True)
        self.parts, self.rows = [], 0

    def dense(self):
        """The sum as one (out,) array, fresh (safe to add into in place)."""
        if self.parts:
            self._sum_out()
        return self.total

    @property
    def shape(self):
        return tuple(self.total.shape) if self.total is not None else (self.parts[0].shape[1],)

    def __repr__(self):
        return (f"BiasGrad(shape={self.shape}: sum over {self.rows} pending rows in "
                f"{len(self.parts)} terms"
                f"{' plus a summed-out total' if self.total is not None else ''})")


class SliceGrads:
    """Several ``SliceGrad`` of one tensor, summed when the sum is needed.

    A layer that takes the T time steps of a (T, B, F) tensor one by one sends back T slices.
    When they are the T rows, each once (the usual case), their sum is their stack: one array
    operation (one kernel launch on a GPU) instead of a zero fill and T additions.
    """
    __slots__ = ("parts",)

    def __init__(self, first):
        self.parts = [first]

    def __repr__(self):
        part = self.parts[0]
        return (f"SliceGrads({len(self.parts)} slices of a gradient of shape {part.shape}, "
                f"{part.dtype})")

    def _rows(self):
        """The sum of the parts for each row i, in row order, when every part is one whole row
        x[i] (an integer i) and every row has at least one; else None."""
        first = self.parts[0]
        shape = tuple(first.shape)
        if not shape or len(self.parts) < shape[0]:
            return None
        by_row = {}
        for part in self.parts:
            if (type(part.index) is not int or part.advanced
                    or part.values.shape != shape[1:] or part.values.dtype != first.dtype):
                return None
            row = part.index % shape[0]
            # a second part of one row (x[-1] after x[1]: the decoder's query and its top
            # layer's state) is added in arrival order, as add_into would into zeros
            by_row[row] = part.values if row not in by_row else by_row[row] + part.values
        return None if len(by_row) != shape[0] else [by_row[i] for i in range(shape[0])]

    def dense(self):
        rows = self._rows()
        if rows is not None:
            return backend.xp.stack(rows)
        return self.add_into(backend.xp.zeros(self.parts[0].shape, dtype=self.parts[0].dtype))

    def add_into(self, buffer):
        for part in self.parts:
            part.add_into(buffer)
        return buffer


class RowGrad:
    """A gradient that is 0 except on some rows: for x (..., F), seen as its (N, F) rows,
    ``values`` (n, F) at the distinct row numbers ``rows`` (n,), and 0 at every other row.

    ``cross_entropy`` with a mask hands one back (a masked-out position, such as a padded
    token, gets no gradient), and ``linear``'s backward takes it as it is (its backward has
    ``takes_rows``): its two products then run over the n rows, so the padded positions of
    d2l's ``masked_cross_entropy(model(X, dec_X, X_valid_len), Y, Y_valid_len)`` cost the
    output layer no backward work. Every other op is handed the dense array.
    """
    __slots__ = ("shape", "dtype", "rows", "values")

    def __init__(self, shape, rows, values):
        self.shape, self.dtype = tuple(shape), values.dtype
        self.rows, self.values = rows, values

    def dense(self):
        flat = backend.xp.zeros((math.prod(self.shape[:-1]), self.shape[-1]), dtype=self.dtype)
        flat[self.rows] = self.values
        return flat.reshape(self.shape)

    def add_into(self, buffer):
        if not buffer.flags.c_contiguous:    # reshape would copy: add the dense array
            buffer += self.dense()
            return buffer
        flat = buffer.reshape(-1, self.shape[-1])
        flat[self.rows] += self.values       # distinct rows: no repeats to scatter-add
        return buffer

    def __repr__(self):
        return (f"RowGrad(shape={self.shape}: values {tuple(self.values.shape)} at "
                f"{self.values.shape[0]} of its {math.prod(self.shape[:-1])} rows, "
                f"dtype={self.dtype})")


_LAZY = (SliceGrad, WeightGrad, BiasGrad, SliceGrads, RowGrad)
_SUMS = (WeightGrad, BiasGrad)   # lazy sums that merge with another of their kind


def backward(root, grad):
    """``autograd.backward`` in the fast mode: the same walk, with lazy gradients.

    ``grad`` is the gradient flowing into ``root`` (ones for a scalar loss). Gradients of
    intermediate tensors live only in a dict during the walk; a node's saved arrays are
    released as soon as its gradient has been passed on (a ``WeightGrad`` keeps the ones it
    multiplies, up to its ``rows_per_product``, and a ``BiasGrad`` the rows it sums, up to its
    ``rows_per_sum``), so memory does not grow across steps.
    A gradient that arrives from several consumers is summed into one buffer of our own
    (``owned``); one that arrives once is passed on as it is, without a copy.
    """
    grads, owned = {id(root): grad}, set()
    clock = versions.clock      # no in-place change since a node was made: nothing to check
    for node in reversed(topological_order(root)):
        key = id(node)
        g = grads.pop(key, None)
        if g is None:               # no path from this node to root carries a gradient
            continue
        if type(g) in _LAZY and not (type(g) is RowGrad and takes_rows(node._backward)):
            g = g.dense()
            owned.add(key)
        if node._backward is None:  # a leaf: a parameter or an input that requires grad
            if node.data.shape != g.shape or (node.grad is not None and getattr(
                    node.grad, "shape", None) != g.shape):
                versions.check_leaf(node, g)    # .data or .grad replaced since the forward
            if g.dtype != node.data.dtype or g.ndim == 0:   # float64 data met a float32
                # leaf on the way, or a 0-d leaf's gradient came out a NumPy scalar: its grad
                # is an array of its own dtype, as in torch (and readable mode)
                g = backend.xp.array(g, dtype=node.data.dtype)   # (a copy: ours)
                owned.add(key)
            if node.grad is None:
                node.grad = g if key in owned else g.copy()  # g may be shared elsewhere
            else:
                node.grad += g
            continue
        if node._created != clock:
            versions.check_inputs_unchanged(node)
        parent_grads = node._backward(g)
        for parent, parent_grad in zip(node._parents, parent_grads):
            if parent_grad is None or not parent.requires_grad:
                continue
            if type(parent_grad) is SliceGrad and (whole := parent_grad.whole()) is not None:
                parent_grad = whole             # x[0] of a (1, ...) x: a reshape of values
            parent_key = id(parent)
            current = grads.get(parent_key)
            if current is None:
                grads[parent_key] = parent_grad
                continue
            if type(current) in _SUMS and type(parent_grad) is type(current):
                if parent_key not in owned:   # the second product (or rows) for this weight
                    current = grads[parent_key] = current.copy()
                    owned.add(parent_key)
                current.add(parent_grad)
                continue
            if type(parent_grad) is SliceGrad and type(current) in (SliceGrad, SliceGrads):
                if type(current) is SliceGrad:   # the second slice: keep them all, lazily
                    current = grads[parent_key] = SliceGrads(current)
                current.parts.append(parent_grad)
                continue
            if (parent_key not in owned and type(current) not in _LAZY
                    and type(parent_grad) not in _LAZY and current.shape == parent_grad.shape
                    and current.dtype == parent_grad.dtype):
                total = current + parent_grad               # the buffer and the sum: one op
                if isinstance(total, numpy.generic):   # NumPy makes a 0-d sum a scalar,
                    total = numpy.asarray(total)      # which a later in-place add cannot change
                grads[parent_key] = total
                owned.add(parent_key)
                continue
            if parent_key not in owned or type(current) in _SUMS:   # make a buffer
                current = grads[parent_key] = _owned(current)
                owned.add(parent_key)
            if type(parent_grad) in _LAZY:
                parent_grad.add_into(current)
            else:
                current += parent_grad
        node._parents = ()
        node._backward = _graph_released
