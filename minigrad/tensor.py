"""``Tensor``: an array of the current backend plus what autograd needs to differentiate it.

A tensor made by an op while grad mode is on and some input requires grad remembers its inputs
(``_parents``) and the function that sends its gradient back to them (``_backward``). All the
math lives in ``minigrad.ops``; the operators and methods here only forward to it.
"""
import numbers

import numpy

from minigrad import autograd, backend, versions


class Tensor:
    __slots__ = ("data", "grad", "requires_grad", "_parents", "_backward", "_op", "name",
                 "_version", "_created", "__weakref__")
    __array_priority__ = 1000   # so ``numpy_array + tensor`` calls Tensor.__radd__

    def __init__(self, data, requires_grad=False):
        """A tensor holding a copy of ``data`` (as ``torch.tensor``): later changes to the
        caller's array never reach it, nor an op's saved inputs. ``from_numpy`` shares."""
        if isinstance(data, Tensor):
            data = data.data
        try:
            self.data = backend.asarray(data)
        except ValueError as exc:   # NumPy's reply to [[1, 2], [3]]
            raise ValueError(f"Tensor: the data does not form a rectangular array (nested "
                             f"lists of unequal lengths?): {exc}") from None
        if self.data.dtype.kind not in "biuf":   # None, strings, objects: garbage for any op
            raise TypeError(f"Tensor: data must be numbers (bool, int or float), got "
                            f"{type(data).__name__} of dtype {self.data.dtype}")
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"Tensor: requires_grad=True needs float data, got dtype "
                            f"{self.data.dtype}; only float tensors have gradients")
        if self.data is data:   # the caller's own array (asarray made none): our own copy
            self.data = self.data.copy()
        self._version = 0
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._parents = ()
        self._backward = None
        self._op = None
        self.name = None    # a parameter's dotted name, set by Module.named_parameters()

    @staticmethod
    def _from_op(data, parents, backward, op):
        """The output of an op. It joins the graph only when an input requires grad."""
        out = Tensor.__new__(Tensor)
        out.data = data
        out.grad = out.name = None
        out._op = op
        if autograd.grad_mode.enabled:
            for parent in parents:
                if parent.requires_grad:
                    out.requires_grad = True
                    out._parents = parents
                    out._backward = backward
                    out._created = versions.clock   # see minigrad/versions.py
                    return out
        out.requires_grad = False
        out._parents = ()
        out._backward = None
        return out

    # -- information ----------------------------------------------------------------------
    @property
    def shape(self):
        return self.data.shape

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        """Walks the first axis, as torch does: ``for row in x`` gives ``x[0], x[1], ...``."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __bool__(self):
        """The truth value of a one-element tensor; any other size is ambiguous (torch)."""
        if self.data.size != 1:
            raise RuntimeError(f"bool: the truth value of a tensor of shape {self.shape} "
                               f"({self.data.size} elements) is ambiguous; use "
                               f"(x != 0).numpy().any() or .all(), or x.item() for one element")
        return bool(self.data.item())

    def __array__(self, dtype=None, copy=None):
        """``numpy.asarray(x)``: the data itself on the CPU backend. A device array is
        refused, as CuPy refuses it: the copy to the host is spelled ``x.numpy()``."""
        owner = backend.array_backend(self.data)
        if owner != "numpy":
            raise TypeError(f"numpy.asarray: the tensor of shape {self.shape} lives on backend "
                            f"{owner!r}; an implicit copy to the host is refused, use "
                            f"x.numpy()")
        return numpy.asarray(self.data, dtype=dtype)

    def __repr__(self):
        grad = ", requires_grad=True" if self.requires_grad else ""
        op = f", op={self._op}" if self._op else ""
        name = f", name={self.name!r}" if self.name else ""
        return f"Tensor({self.numpy()!r}{grad}{op}{name})"

    def __float__(self):
        """``float(x)`` of a one-element tensor, as torch (``x.item()`` as a float)."""
        return float(self._one_element("float()"))

    def __int__(self):
        return int(self._one_element("int()"))

    def __index__(self):
        """``range(x)``, ``list[x]``: a one-element integer tensor, as torch."""
        if self.data.dtype.kind not in "iub":
            raise TypeError(f"a tensor used as an index (range(), a list index) must hold an "
                            f"integer, got dtype {self.data.dtype}; use int(x)")
        return int(self._one_element("an index"))

    def _one_element(self, what):
        if self.data.size != 1:
            raise TypeError(f"{what} of a tensor needs one element, got shape {self.shape} "
                            f"({self.data.size} elements)")
        return self.data.item()

    def numpy(self):
        """A host NumPy copy of the data."""
        return backend.to_numpy(self.data)

    def item(self):
        """The single element as a Python number."""
        if self.data.size != 1:
            raise ValueError(f"item: needs a one-element tensor, got shape {self.shape}")
        value = self.data.item()
        if value != value and backend.is_device():   # NaN: a bad index found on the device?
            from minigrad.ops import checks
            checks.raise_pending()
        return value

    def detach(self):
        """The same data, cut from the graph (no copy)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.requires_grad = self.data, None, False
        out._parents, out._backward, out._op, out.name = (), None, None, None
        return out

    def requires_grad_(self, requires_grad=True):
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"requires_grad_: needs float data, got dtype {self.data.dtype}")
        self.requires_grad = requires_grad
        return self

    # -- autograd -------------------------------------------------------------------------
    def backward(self, grad=None):
        """Fill ``.grad`` of every leaf this tensor was computed from.

        ``grad`` is d(something)/d(self); it may be omitted only for a one-element tensor
        (a loss), where it is 1.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad; no input of the "
                               "ops that made it had requires_grad=True (or grad mode was off)")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: the tensor has shape {self.shape}; a gradient "
                                   f"can be implied only for a one-element tensor, so pass "
                                   f"grad of shape {self.shape}")
            grad = backend.xp.ones_like(self.data)
        else:
            grad = grad.data if isinstance(grad, Tensor) else backend.asarray(grad, self.dtype)
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape}, expected the "
                                 f"tensor's shape {self.shape}")
        autograd.backward(self, grad)

    # -- operators, forwarded to minigrad.ops ----------------------------------------------
    def __add__(self, other):
        return ops.add(self, other)

    def __radd__(self, other):
        return ops.add(other, self)

    def __sub__(self, other):
        return ops.sub(self, other)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __mul__(self, other):
        return ops.mul(self, other)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __truediv__(self, other):
        return ops.div(self, other)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __neg__(self):
        return ops.neg(self)

    def __pow__(self, exponent):
        return ops.pow(self, exponent)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __matmul__(self, other):
        return ops.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

    def __getitem__(self, index):
        return ops.getitem(self, index)

    # == != < <= > >= compare elementwise and give bool tensors, with no gradient (torch).
    # Defining __eq__ would drop the inherited hash, so it is kept: tensors are graph nodes,
    # hashed (in sets and dict keys) by identity, not value.
    __hash__ = object.__hash__

    def __eq__(self, other):
        return _compare(self, other, "eq")

    def __ne__(self, other):
        return _compare(self, other, "ne")

    def __lt__(self, other):
        return _compare(self, other, "lt")

    def __le__(self, other):
        return _compare(self, other, "le")

    def __gt__(self, other):
        return _compare(self, other, "gt")

    def __ge__(self, other):
        return _compare(self, other, "ge")

    # -- methods, forwarded to minigrad.ops ------------------------------------------------
    def sum(self, axis=None, keepdims=False):
        return ops.sum(self, axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return ops.mean(self, axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return ops.max(self, axis, keepdims)

    def exp(self):
        return ops.exp(self)

    def log(self):
        return ops.log(self)

    def tanh(self):
        return ops.tanh(self)

    def sigmoid(self):
        return ops.sigmoid(self)

    def relu(self):
        return ops.relu(self)

    def reshape(self, *shape):
        return ops.reshape(self, shape[0] if len(shape) == 1 else shape)

    def transpose(self, *dims):
        """torch's transpose: ``x.transpose(dim0, dim1)`` swaps two axes (negative dims count
        from the end), as d2l writes ``keys.transpose(1, 2)``. For a full permutation (NumPy's
        ``transpose``) use ``x.permute(...)``; ``x.T`` reverses all axes."""
        if len(dims) != 2 or not all(isinstance(d, numbers.Integral) for d in dims):
            raise TypeError(f"Tensor.transpose: expected two axes to swap, transpose(dim0, dim1) "
                            f"as in torch, got transpose{dims!r} for a tensor of shape "
                            f"{self.shape}; for a full permutation of the axes use "
                            f"permute(...)")
        dim0, dim1 = (ops.common.normalize_axis(d, self.ndim, "transpose") for d in dims)
        return ops.swapaxes(self, dim0, dim1)

    def permute(self, *axes):
        """A full permutation of the axes, NumPy's ``transpose``: ``x.permute(1, 0, 2)`` or
        ``x.permute((1, 0, 2))``."""
        return ops.transpose(self, _axes_argument(axes))

    @property
    def T(self):
        return ops.transpose(self, None)

    def squeeze(self, axis=None):
        return ops.squeeze(self, axis)

    def unsqueeze(self, axis):
        return ops.unsqueeze(self, axis)

    def argmax(self, axis=-1):
        """Indices of the maxima along ``axis`` (None: of the flattened tensor), as an integer
        tensor (not differentiable)."""
        if axis is not None:
            if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
                raise TypeError(f"argmax: axis must be an int or None, got {axis!r} "
                                f"({type(axis).__name__}) for a tensor of shape {self.shape}")
            axis = ops.common.normalize_axis(int(axis), self.ndim, "argmax")
        if self.data.size == 0 or (axis is not None and self.shape[axis] == 0):
            raise ValueError(f"argmax: no maximum along axis {axis} of an empty tensor of "
                             f"shape {self.shape}")
        return Tensor._from_op(self.data.argmax(axis=axis), (), None, "argmax")

    def softmax(self, axis=-1):
        return ops.softmax(self, axis)

    def log_softmax(self, axis=-1):
        return ops.log_softmax(self, axis)


_COMPARISONS = {"eq": "__eq__", "ne": "__ne__", "lt": "__lt__", "le": "__le__",
                "gt": "__gt__", "ge": "__ge__"}


def _compare(a, b, op):
    """a <op> b elementwise, as a bool tensor outside the graph (a comparison has no
    gradient). An operand that is neither a tensor, a number nor a backend array gives
    NotImplemented, so Python falls back as usual (``x == None`` is False)."""
    try:
        a, b = ops.common.binary_operands(a, b, op)
    except TypeError:
        return NotImplemented
    try:
        y = getattr(a.data, _COMPARISONS[op])(b.data)
    except ValueError:
        raise ops.common.broadcast_error(op, a, b) from None
    return Tensor._from_op(y, (), None, op)


def _axes_argument(axes):
    """The axes of ``transpose(1, 0)`` or ``transpose((1, 0))`` as one sequence."""
    return axes[0] if len(axes) == 1 and not isinstance(axes[0], numbers.Integral) else axes


from minigrad import ops  # noqa: E402  (the ops build Tensors, so they load after the class)

