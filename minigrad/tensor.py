"""``Tensor``: an array of the current backend plus what autograd needs to differentiate it.

A tensor made by an op while grad mode is on and some input requires grad remembers its inputs
(``_parents``) and the function that sends its gradient back to them (``_backward``). All the
math lives in ``minigrad.ops``: the operators and the simplest methods ARE the ops (``bind_ops``,
at the end of this file, so ``a + b`` steps straight into ``ops.add``); the other methods
forward to them.
"""
import numbers
import operator
from typing import Callable

import numpy

from minigrad import autograd, backend, printing, scopes, versions
from minigrad.tensor_methods import TorchMethods

_requires_grad_of = operator.attrgetter("_requires_grad")
_Op = Callable[..., "Tensor"]     # an op of minigrad.ops, bound as a method (see bind_ops)


class Tensor(TorchMethods):
    __slots__ = ("data", "grad", "_requires_grad", "_parents", "_backward", "_op", "name",
                 "_version", "_created", "_scope", "_bases", "__weakref__")
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
        self._requires_grad, self._version, self._parents = bool(requires_grad), 0, ()
        self.grad = self._backward = self._op = None
        self.name = None    # a parameter's dotted name, set when its model is built

    @staticmethod
    def _from_op(data, parents, backward, op):
        """The output of an op. It joins the graph only when grad mode is on and an input
        requires grad: then it keeps its inputs and its backward, and is stamped with the
        version clock's time and the module running (minigrad/versions.py, scopes.py)."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.name, out._op = data, None, None, op
        if autograd.grad_mode.enabled and any(map(_requires_grad_of, parents)):
            out._requires_grad, out._parents, out._backward = True, parents, backward
            out._created, out._scope = versions.clock, scopes.state.current
        else:
            out._requires_grad, out._parents, out._backward = False, (), None
        return out

    # -- information (properties read in C: a debugger does not stop in them) -------------
    shape = property(operator.attrgetter("data.shape"), doc="The shape of the data (a tuple).")
    dtype = property(operator.attrgetter("data.dtype"), doc="The dtype of the data.")
    ndim = property(operator.attrgetter("data.ndim"), doc="The number of axes.")

    def _set_requires_grad(self, flag):
        """``x.requires_grad = flag``, refused where torch refuses it: a flag that is not a
        bool, True on a tensor that is not float, False on a tensor computed in the graph."""
        if not isinstance(flag, (bool, numpy.bool_)):
            raise RuntimeError(f"requires_grad must be a bool (True or False), got "
                               f"{type(flag).__name__} {flag!r}")
        if flag and self.data.dtype.kind != "f":
            raise RuntimeError(f"requires_grad = True: only float tensors can require grad, "
                               f"this one has dtype {self.data.dtype}")
        if not flag and getattr(self, "_parents", ()):
            raise RuntimeError(f"requires_grad = False: only a leaf's flag can be changed; "
                               f"this tensor was computed by {self._op}. Use x.detach() for "
                               f"a tensor outside the graph")
        self._requires_grad = bool(flag)

    requires_grad = property(operator.attrgetter("_requires_grad"), _set_requires_grad,
                             doc="Whether gradients are computed for this tensor.")

    def __len__(self):
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self):
        """Walks the first axis, as torch does: ``for row in x`` gives ``x[0], x[1], ...``."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return map(self.__getitem__, range(self.data.shape[0]))

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
        """As torch prints it (see ``minigrad.printing``)."""
        return printing.tensor_repr(self)

    def numpy(self):
        """A host NumPy copy of the data."""
        array = backend.to_numpy(self.data)
        if backend.is_device():     # a NaN: a bad index found on the device? (ops/checks.py)
            from minigrad.ops import checks
            checks.read_back(array)
        return array

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
        out.data, out.grad, out._requires_grad = self.data, None, False
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
            try:
                grad = grad.data if isinstance(grad, Tensor) else backend.asarray(grad, self.dtype)
            except (TypeError, ValueError) as exc:   # backward('abc'): one line, naming us
                raise TypeError(f"backward: grad must be a Tensor or array of numbers of shape "
                                f"{self.shape}, got {type(grad).__name__} ({exc})") from None
            if grad.shape != self.shape:
                raise ValueError(f"backward: grad has shape {grad.shape}, expected the "
                                 f"tensor's shape {self.shape}")
        autograd.backward(self, grad)

    # -- operators and the simplest methods: the ops themselves ----------------------------
    # a + b runs ops.add(a, b), x.reshape(2, 3) runs ops.reshape(x, 2, 3): ``bind_ops`` at the
    # end of this file makes each of them its op (the ops import this class, so they load
    # after it), and a debugger steps from ``a + b`` straight into ``ops.add``. Declared here
    # for editors; the reflected forms below swap their operands.
    __add__: _Op
    __sub__: _Op
    __mul__: _Op
    __truediv__: _Op
    __neg__: _Op
    __pow__: _Op
    __matmul__: _Op
    __getitem__: _Op
    exp: _Op
    log: _Op
    tanh: _Op
    sigmoid: _Op
    relu: _Op
    reshape: _Op
    permute: _Op
    squeeze: _Op
    unsqueeze: _Op

    def __radd__(self, other):
        return ops.add(other, self)

    def __rsub__(self, other):
        return ops.sub(other, self)

    def __rmul__(self, other):
        return ops.mul(other, self)

    def __rtruediv__(self, other):
        return ops.div(other, self)

    def __rpow__(self, base):
        return ops.pow(base, self)

    def __rmatmul__(self, other):
        return ops.matmul(other, self)

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
    # torch's dim=/keepdim= and NumPy's axis=/keepdims= are both accepted (``_dim``).
    def sum(self, axis=None, keepdims=False, *, dim=None, keepdim=None, dtype=None):
        axis, keepdims = _dim(axis, keepdims, dim, keepdim)
        out = ops.sum(self, axis, keepdims)
        return out if dtype is None else out.type(dtype)

    def mean(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        axis, keepdims = _dim(axis, keepdims, dim, keepdim)
        return ops.mean(self, axis, keepdims)

    def max(self, *args, **kwargs):
        """``x.max()``: the largest element. ``x.max(dim)`` / ``x.max(dim=d, keepdim=...)``:
        torch's (values, indices) pair. ``x.max(axis=d, keepdims=...)`` (NumPy's spelling, or
        ``x.max(d, keepdims=...)``): the values only, as before."""
        return _max_or_min(self, "max", args, kwargs)

    def min(self, *args, **kwargs):
        """As ``max``, for the smallest elements."""
        return _max_or_min(self, "min", args, kwargs)

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

    @property
    def T(self):
        return ops.transpose(self, None)

    def argmax(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        """Indices of the maxima along ``dim`` (None: of the flattened tensor), as an integer
        tensor (not differentiable), as torch's argmax."""
        return _arg(self, "argmax", *_dim(axis, keepdims, dim, keepdim))

    def argmin(self, axis=None, keepdims=False, *, dim=None, keepdim=None):
        return _arg(self, "argmin", *_dim(axis, keepdims, dim, keepdim))

    def softmax(self, axis=-1, *, dim=None):
        return ops.softmax(self, dim if dim is not None else axis)

    def log_softmax(self, axis=-1, *, dim=None):
        return ops.log_softmax(self, dim if dim is not None else axis)


def _dim(axis, keepdims, dim, keepdim):
    """The axis and keepdims of a reduction from NumPy's or torch's keywords."""
    if dim is not None:
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    if keepdims is not True and keepdims is not False and keepdims not in (0, 1):
        raise TypeError(f"keepdim must be True or False, got {keepdims!r}")   # 'no' is truthy
    return (tuple(axis) if isinstance(axis, list) else axis), bool(keepdims)


def _arg(x, op, axis, keepdims):
    """argmax / argmin along ``axis`` (None: the flattened tensor)."""
    if axis is not None:
        if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
            raise TypeError(f"{op}: dim must be an int or None, got {axis!r} "
                            f"({type(axis).__name__}) for a tensor of shape {x.shape}")
        axis = ops.common.normalize_axis(int(axis), x.ndim, op)
    if x.data.size == 0 or (axis is not None and x.shape[axis] == 0):
        raise ValueError(f"{op}: no extreme along dim {axis} of an empty tensor of "
                         f"shape {x.shape}")
    y = getattr(x.data, op)(axis=axis)
    if keepdims:
        y = y.reshape(tuple(1 if axis is None or i == axis else n
                            for i, n in enumerate(x.shape)))
    return Tensor._from_op(y.astype(numpy.int64, copy=False), (), None, op)


def _max_or_min(x, op, args, kwargs):
    """``x.max()`` / ``x.min()`` in both spellings: with ``dim`` (positional or keyword) and no
    NumPy keyword, torch's (values, indices); else the reduced values (NumPy's form)."""
    numpy_style = "axis" in kwargs or "keepdims" in kwargs
    if len(args) == 1 and isinstance(args[0], Tensor):      # x.max(other): elementwise
        return ops.maximum(x, args[0]) if op == "max" else ops.minimum(x, args[0])
    names = ("axis", "keepdims") if numpy_style else ("dim", "keepdim")
    if len(args) > 2:
        raise TypeError(f"Tensor.{op}: at most 2 positional arguments, got {len(args)}")
    kwargs = dict(kwargs, **dict(zip(names, args)))
    unknown = set(kwargs) - {"axis", "keepdims", "dim", "keepdim"}
    if unknown:
        raise TypeError(f"Tensor.{op}: unexpected keyword {sorted(unknown)[0]!r}")
    axis, keepdims = _dim(kwargs.get("axis"), kwargs.get("keepdims", False),
                          kwargs.get("dim"), kwargs.get("keepdim"))
    reduce = ops.max if op == "max" else ops.min
    if numpy_style or axis is None:
        return reduce(x, axis, keepdims)
    return ops.max_with_indices(x, axis, keepdims, largest=(op == "max"))


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


from minigrad import ops  # noqa: E402  (the ops build Tensors, so they load after the class)

# The operators and the simplest methods ARE the ops: ``a + b`` runs ``ops.add(a, b)`` and
# ``x.permute(1, 0, 2)`` runs ``ops.permute(x, 1, 0, 2)``, with no method in between.
OPS_AS_METHODS = {
    "__add__": "add", "__sub__": "sub", "__mul__": "mul", "__truediv__": "div",
    "__neg__": "neg", "__pow__": "pow", "__matmul__": "matmul", "__getitem__": "getitem",
    "exp": "exp", "log": "log", "tanh": "tanh", "sigmoid": "sigmoid", "relu": "relu",
    "reshape": "reshape", "permute": "permute", "squeeze": "squeeze", "unsqueeze": "unsqueeze",
}


def bind_ops():
    """Make each method named in ``OPS_AS_METHODS`` the op it names in ``minigrad.ops``; run
    again by a tool that replaces ops (``benchmarks/profile_training.py`` times them)."""
    for method, op in OPS_AS_METHODS.items():
        setattr(Tensor, method, getattr(ops, op))


bind_ops()
