"""The torch-style methods of ``Tensor`` that are not arithmetic: sizes, dtypes, devices,
copies, item assignment and the ops torch offers as methods (``x.repeat``, ``x.sin()``, ...).

``Tensor`` inherits them from ``TorchMethods``, so ``tensor.py`` keeps the core of the class:
its data, its place in the graph and its operators. Each method only parses torch's arguments
and forwards to an op in ``minigrad.ops``.
"""
import numbers
import weakref

import minigrad   # the package: minigrad.ops is read at call time (ops imports tensor, then us)
from minigrad import autograd, devices, versions
from minigrad import tensor as tensor_module   # partly loaded now; read at call time
from minigrad.dtypes import to_dtype


def _sizes(args, op):
    """``(2, 3)`` from ``repeat(2, 3)`` or ``repeat((2, 3))``."""
    if len(args) == 1 and not isinstance(args[0], numbers.Integral):
        args = tuple(args[0])
    if not all(isinstance(n, numbers.Integral) and not isinstance(n, bool) for n in args):
        raise TypeError(f"{op}: expected ints or one tuple of ints, got {args!r}")
    return tuple(int(n) for n in args)


class TorchMethods:
    __slots__ = ()

    # -- sizes ----------------------------------------------------------------------------
    def size(self, dim=None):
        """The shape (``x.size()``) or the size of one axis (``x.size(1)``), as torch."""
        if dim is None:
            return self.data.shape
        return self.data.shape[minigrad.ops.common.normalize_axis(dim, self.data.ndim, "size")]

    def dim(self):
        """The number of axes (torch's ``x.dim()``; also ``x.ndim``)."""
        return self.data.ndim

    ndimension = dim

    def numel(self):
        """The number of elements."""
        return int(self.data.size)

    def tolist(self):
        """The data as nested Python lists (a number for a 0-d tensor)."""
        return self.numpy().tolist()

    def __int__(self):
        return int(self.item())

    def __float__(self):
        return float(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iub" or self.data.size != 1:
            raise TypeError(f"only a one-element integer tensor can be used as an index, got "
                            f"dtype {self.data.dtype} and shape {self.data.shape}")
        return int(self.item())

    # -- dtypes ---------------------------------------------------------------------------
    def type(self, dtype=None):
        """``x.type(mg.float32)``: a copy in that dtype (differentiable between floats);
        ``x.type()``: the dtype's name."""
        if dtype is None:
            return f"minigrad.{self.data.dtype}"
        return minigrad.ops.astype(self, to_dtype(dtype, "type"))

    def float(self):
        return self.type(minigrad.dtypes.float32)

    def double(self):
        return self.type(minigrad.dtypes.float64)

    def half(self):
        return self.type(minigrad.dtypes.float16)

    def long(self):
        return self.type(minigrad.dtypes.int64)

    def int(self):
        return self.type(minigrad.dtypes.int32)

    def bool(self):
        return self.type(minigrad.dtypes.bool_)

    def type_as(self, other):
        return self.type(other.dtype)

    # -- devices --------------------------------------------------------------------------
    @property
    def device(self):
        """Where the data lives: cpu (a host array) or cuda:0 (a device array); see
        ``minigrad.devices`` for how devices map onto the backend."""
        return devices.device_of(self.data)

    @property
    def is_cuda(self):
        return self.device.type == "cuda"

    def to(self, *args, **kwargs):
        """torch's ``to``: ``x.to(device)``, ``x.to(dtype)``, ``x.to(other)`` (its device and
        dtype), ``x.to(device, dtype)`` or keywords ``device=``, ``dtype=``. Returns ``x``
        itself when nothing changes, else a new tensor."""
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        copy = kwargs.pop("copy", False)
        if kwargs:
            raise TypeError(f"Tensor.to: unexpected keyword {sorted(kwargs)[0]!r}")
        for arg in args:
            if isinstance(arg, tensor_module.Tensor):
                device, dtype = arg.device, arg.dtype
            elif devices.is_device_spec(arg):
                device = arg
            else:
                dtype = arg
        out = self
        if dtype is not None and to_dtype(dtype, "to") != self.data.dtype:
            out = out.type(dtype)
        if device is not None:
            out = _moved(out, devices.as_device(device, "to"))
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        """A copy on the host (``self`` when already there); the backend is left as it is."""
        return _moved(self, devices.CPU)

    def cuda(self, device=None):
        """A copy on the GPU (the CuPy backend; the strict backend stands in under CI)."""
        return _moved(self, devices.as_device("cuda" if device is None else device, "cuda"))

    # -- copies ---------------------------------------------------------------------------
    def clone(self):
        """A copy of the data; differentiable (the gradient passes through unchanged)."""
        return minigrad.ops.clone(self)

    def contiguous(self):
        return self

    def view(self, *shape):
        return self.reshape(*shape)

    def flatten(self, start_dim=0, end_dim=-1):
        """The axes start_dim..end_dim merged into one."""
        ndim = max(self.data.ndim, 1)
        start = minigrad.ops.common.normalize_axis(start_dim, ndim, "flatten")
        end = minigrad.ops.common.normalize_axis(end_dim, ndim, "flatten")
        shape = self.data.shape or (1,)
        return self.reshape(shape[:start] + (-1,) + shape[end + 1:])

    def fill_(self, value):
        """Fill in place (outside the graph, like every in-place write here)."""
        _check_in_place(self, "fill_")
        self.data[...] = value.data if isinstance(value, tensor_module.Tensor) else value
        versions.bump_version(self)
        return self

    def zero_(self):
        return self.fill_(0)

    # -- item assignment ------------------------------------------------------------------
    def __setitem__(self, index, value):
        """``x[index] = value`` with torch's semantics (see ``ops.index_put``):

        - a tensor outside the graph (no gradient needed) is written in place; views share
          the write, as in torch;
        - a tensor computed in the graph, or any tensor given a value that requires grad,
          becomes a new node, ``index_put(old x, index, value)``: the assigned positions get
          no gradient from the old x, and a tensor value gets its own gradient. The Python
          object ``x`` is re-pointed at that node.
        - either way x's version moves on (``minigrad.versions``): an op that read x before
          the assignment refuses backward with a clear error, rather than send its gradient
          through the new node or use the overwritten values. (torch refuses only where the
          op saved x; we refuse every earlier use: never a wrong gradient.)
        - a leaf that requires grad (a weight), or a view of one, is refused, as torch
          refuses it, unless grad mode is off (``with mg.no_grad():``).
        - in the graph, a write into a reshape of a tensor reaches that tensor too, as in
          torch, and so does a later write into either: each becomes the new values
          reshaped (``_sharing_memory``). A write into another kind of view of a computed
          tensor (a slice, a transpose) is refused. A tensor outside the graph given a
          value that requires grad is also written in place, so its views see the values.
          Not seen: a view taken from a computed tensor before a write into that tensor
          keeps the old values (its backward refuses; torch's view sees the write).
        """
        Tensor = tensor_module.Tensor
        value_in_graph = isinstance(value, Tensor) and value.requires_grad
        if (self.requires_grad or value_in_graph) and autograd.is_grad_enabled():
            if self.requires_grad and not self._parents:
                raise RuntimeError(
                    f"x[index] = value: x is a leaf tensor that requires grad (shape "
                    f"{self.shape}); writing into it in place would break its gradient, as "
                    f"torch refuses too: write under `with mg.no_grad():`, or assign into a "
                    f"copy (x.clone())")
            weight = _viewed_leaf(self)
            if weight is not None:
                raise RuntimeError(
                    f"x[index] = value: x (shape {self.shape}) is a view of a leaf tensor that "
                    f"requires grad ({weight.name or 'shape ' + str(weight.shape)}), made by "
                    f"{self._op}; writing into it would write into that leaf, which torch "
                    f"refuses too: write under `with mg.no_grad():`, or assign into a copy "
                    f"(x.clone())")
            if not self._parents:              # outside the graph: its views see the values
                minigrad.ops.index_put_(self, index, value.detach() if value_in_graph
                                        else value)
                versions.bump_version(self)    # (an op that saved it refuses backward)
            family = _sharing_memory(self)             # the tensors that see the write
            old = _renamed(self)                       # the node x was, under a new name
            _become(self, minigrad.ops.index_put(old, index, value))
            versions.bump_version(self)
            self._created = versions.clock     # the new node holds the new values itself
            olds = {id(self): old, **{id(other): _renamed(other) for other in family}}
            for node in olds.values():         # the nodes as they were read each other
                node._parents = tuple(olds.get(id(p), p) for p in node._parents)
            for other in family:               # each one: the new values, reshaped
                _become(other, minigrad.ops.reshape(self, other.shape))
                other._version = versions.clock    # its earlier readers refuse backward
                other._bases = [weakref.ref(t) for t in [self] + family if t is not other]
            if family:
                self._bases = [weakref.ref(t) for t in family]   # a later write reaches them
        else:
            minigrad.ops.index_put_(self, index, value)
            versions.bump_version(self)

    def masked_fill(self, mask, value):
        return minigrad.ops.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        self[mask] = value
        return self

    # -- ops as methods -------------------------------------------------------------------
    def repeat(self, *sizes):
        """torch's ``repeat``: tile the tensor ``sizes[i]`` times along axis i."""
        return minigrad.ops.repeat(self, _sizes(sizes, "repeat"))

    def expand(self, *sizes):
        """A broadcast view to ``sizes`` (-1 keeps an axis), as torch."""
        return minigrad.ops.expand(self, _sizes(sizes, "expand"))

    def expand_as(self, other):
        return minigrad.ops.expand(self, other.shape)

    def repeat_interleave(self, repeats, dim=None):
        return minigrad.ops.repeat_interleave(self, repeats, dim)

    def sort(self, dim=-1, descending=False):
        return minigrad.ops.sort(self, dim, descending)

    def split(self, split_size, dim=0):
        return minigrad.ops.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        if isinstance(chunks, bool) or not isinstance(chunks, numbers.Integral) or chunks < 1:
            raise ValueError(f"chunk: chunks must be an integer >= 1, got {chunks!r}")
        size = self.size(dim)
        return minigrad.ops.split(self, -(-size // chunks) if size else 1, dim)

    def sin(self):
        return minigrad.ops.sin(self)

    def cos(self):
        return minigrad.ops.cos(self)

    def abs(self):
        return minigrad.ops.abs(self)

    __abs__ = abs

    def sqrt(self):
        return minigrad.ops.sqrt(self)

    def square(self):
        return minigrad.ops.mul(self, self)

    def pow(self, exponent):
        return minigrad.ops.pow(self, exponent)

    def neg(self):
        return minigrad.ops.neg(self)

    def add(self, other):
        return minigrad.ops.add(self, other)

    def sub(self, other):
        return minigrad.ops.sub(self, other)

    def mul(self, other):
        return minigrad.ops.mul(self, other)

    def div(self, other):
        return minigrad.ops.div(self, other)

    def matmul(self, other):
        return minigrad.ops.matmul(self, other)

    def bmm(self, other):
        return minigrad.ops.bmm(self, other)

    def mm(self, other):
        return minigrad.ops.matmul(self, other)

    def maximum(self, other):
        return minigrad.ops.maximum(self, other)

    def minimum(self, other):
        return minigrad.ops.minimum(self, other)

    def clamp(self, min=None, max=None):
        return minigrad.ops.clamp(self, min, max)

    clip = clamp

    # -- logic on bool tensors (masks) ------------------------------------------------------
    def __invert__(self):
        """``~mask``: logical not of a bool tensor (bitwise not of an integer one)."""
        return tensor_module.Tensor._from_op(~self.data, (), None, "invert")

    def __and__(self, other):
        return _logical(self, other, "and")

    def __or__(self, other):
        return _logical(self, other, "or")

    def __xor__(self, other):
        return _logical(self, other, "xor")

    def logical_not(self):
        return tensor_module.Tensor._from_op(self.data == 0, (), None, "logical_not")

    def any(self):
        return tensor_module.Tensor._from_op(self.data.any(), (), None, "any")

    def all(self):
        return tensor_module.Tensor._from_op(self.data.all(), (), None, "all")


def _renamed(tensor):
    """A new Python object for the graph node ``tensor`` is (its slots copied)."""
    copy = tensor_module.Tensor.__new__(tensor_module.Tensor)
    for slot in _SLOTS:
        if hasattr(tensor, slot):
            setattr(copy, slot, getattr(tensor, slot))
    return copy


def _become(tensor, node):
    """Re-point the Python object ``tensor`` at the graph node ``node`` (keeping its grad,
    name and version)."""
    for slot in _SLOTS:
        if slot not in ("grad", "name", "_version") and hasattr(node, slot):
            setattr(tensor, slot, getattr(node, slot))


def _reshaped_from(tensor):
    """The tensors whose memory ``tensor`` views in the graph, nearest first: torch's write
    into a view reaches them, so each becomes the new values reshaped back. Only reshapes
    (``reshape``, ``view``, ``squeeze``, ``unsqueeze``) are followed; a write into another
    view of a computed tensor (a slice, a transpose) is refused rather than left unseen."""
    bases, node, key = [], tensor, versions.owner(tensor.data)
    while True:
        shared = [p for p in node._parents if versions.owner(p.data) == key]
        if not shared:
            return bases
        if node._op != "reshape":
            raise RuntimeError(
                f"x[index] = value: x (shape {tensor.shape}) is a view, made by {node._op}, of "
                f"a tensor of shape {shared[0].shape} computed in the graph; minigrad passes "
                f"such a write on only through reshapes. Assign into that tensor itself, or "
                f"into a copy (x.clone())")
        bases.append(shared[0])
        node = shared[0]


def _sharing_memory(tensor):
    """The tensors that must see a write into ``tensor`` in the graph: those it is a reshape
    of (``_reshaped_from``), and those an earlier write tied to it or to them (``_bases``)."""
    family = _reshaped_from(tensor)
    todo, seen = [tensor] + family, {id(tensor)} | {id(t) for t in family}
    while todo:
        for ref in getattr(todo.pop(), "_bases", ()):   # weak: a tie keeps nothing alive
            other = ref()
            if other is not None and id(other) not in seen:
                seen.add(id(other))
                family.append(other)
                todo.append(other)
    return family


def _viewed_leaf(tensor):
    """The leaf that requires grad whose memory ``tensor`` shares through view ops (a
    ``reshape`` or slice of a weight), or None. Only nodes on the same memory are followed."""
    owner = versions.owner(tensor.data)
    todo, seen = list(tensor._parents), set()
    while todo:
        node = todo.pop()
        if id(node) in seen or versions.owner(node.data) != owner:
            continue
        seen.add(id(node))
        if not node._parents:
            return node if node.requires_grad else None
        todo.extend(node._parents)
    return None


_SLOTS = ("data", "grad", "_requires_grad", "_parents", "_backward", "_op", "name", "_version",
          "_created", "_scope")   # a Tensor's state (the last three only where they are set;
#                           _bases, a view's written-through tensors, stays with its object)


def _logical(a, b, op):
    a, b = minigrad.ops.common.binary_operands(a, b, op)
    y = {"and": a.data & b.data, "or": a.data | b.data, "xor": a.data ^ b.data}[op]
    return tensor_module.Tensor._from_op(y, (), None, op)


def _check_in_place(x, op):
    if x.requires_grad and autograd.is_grad_enabled():
        raise RuntimeError(f"{op}: x requires grad (shape {x.shape}); an in-place write "
                           f"would break its gradient: use `with mg.no_grad():`")


def _moved(x, target):
    """``x`` on device ``target`` (itself when there already). A leaf keeps requires_grad;
    a tensor computed in the graph cannot cross devices (move the inputs and the model)."""
    if devices.device_of(x.data) == target:
        return x
    if x.requires_grad and x._parents and autograd.is_grad_enabled():
        raise RuntimeError(f"to({str(target)!r}): this tensor of shape {x.shape} was computed "
                           f"in the graph on {x.device}; minigrad moves only inputs and "
                           f"parameters: move them (and the model) before the forward pass, "
                           f"or .detach() first")
    out = tensor_module.Tensor._from_op(devices.move_array(x.data, target), (), None, None)
    out.requires_grad = x.requires_grad
    return out
