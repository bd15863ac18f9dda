"""A strict stand-in for a device array library, for testing on a machine without a GPU.

CI has no GPU, yet code that works on NumPy can still break on CuPy: a stray ``numpy.`` call on
a device array, an implicit conversion to a host array, a function NumPy has and CuPy lacks, a
host array mixed into device arithmetic. Under ``MINIGRAD_BACKEND=strict`` every op runs on
``StrictArray``, which behaves the way a CuPy array does in those respects and louder:

- ``numpy.asarray(a)``, ``numpy.array(a)`` and every ``numpy.<function>(a)`` raise TypeError;
- mixing a ``StrictArray`` with a host ``numpy.ndarray`` in arithmetic or indexing raises;
- this module, used as the namespace ``xp``, offers only names that CuPy offers as well;
- what CuPy refuses is refused: a device array as a Python index (``range(a)``, ``lst[a]``),
  Python lists or tuples as ufunc operands, and the keywords CuPy's functions lack
  (``initial=`` and ``where=`` on reductions, ``stable=`` on ``argsort``, ``mode=`` on
  ``take``, ``min=``/``max=`` on ``xp.clip``); ``allclose`` and ``array_equal`` return 0-d
  device arrays, as CuPy's do, so ``if xp.allclose(a, b)`` costs a sync.

The data lives in a plain NumPy array inside, so results are NumPy's; the fused CUDA kernels
of the device path (``minigrad.kernels``) run compiled for the host and agree to rounding.

Every operation that would be a kernel launch on CuPy, and every read that would make the host
wait for the device (a sync), is reported to ``minigrad.testing.counter``; inside a
``counter.counting()`` block they are counted, with their call sites. Inside a
``recording_calls()`` block every call on the namespace and its arrays is recorded with its
keywords, so that a test can check each against the real CuPy (tests/minigrad/test_cupy_names.py).
"""
import contextlib

import numpy

from minigrad.testing import counter

# Names of this namespace: all exist in CuPy with NumPy's semantics. Anything else raises.
_FUNCTIONS = """
abs absolute add all allclose any arange argmax argmin argsort array array_equal asarray
ascontiguousarray broadcast_to clip concatenate copy cos cumsum divide dot einsum empty
empty_like equal exp expand_dims expm1 eye flip floor full full_like greater greater_equal
isclose isfinite isinf isnan less less_equal linspace log log1p logaddexp logical_and
logical_not logical_or matmul max maximum mean min minimum moveaxis multiply negative
nonzero not_equal ones ones_like outer power prod repeat reshape result_type sign sin sqrt square
squeeze stack subtract sum swapaxes take take_along_axis tanh tensordot tile transpose
tril triu true_divide where zeros zeros_like
""".split()
_CONSTANTS = """
bool_ dtype e float16 float32 float64 inf int8 int16 int32 int64 nan newaxis pi uint8
""".split()


# Keywords NumPy takes and CuPy's function of the same name lacks (checked against CuPy 14).
_REDUCTIONS = "sum prod max min mean any all var std".split()
_REFUSED_KEYWORDS = {**{name: ("initial", "where") for name in _REDUCTIONS},
                     "argsort": ("stable",), "take": ("mode",),
                     "clip": ("min", "max")}   # xp.clip(a, a_min, a_max); the method takes min=
_REFUSED_METHOD_KEYWORDS = {**{name: ("initial", "where") for name in _REDUCTIONS},
                            "take": ("mode",)}
_REFUSED_UFUNC_KEYWORDS = {"reduce": ("initial", "where"), "accumulate": ("where",)}

# Functions that return a Python bool in NumPy and a 0-d device array in CuPy.
_RETURN_DEVICE_BOOL = ("allclose", "array_equal")


def _refuse_keywords(where, kwargs, refused):
    for keyword in refused:
        if keyword in kwargs:
            raise TypeError(f"strict backend: {where}(..., {keyword}=...) is refused: CuPy's "
                            f"{where} has no {keyword}= keyword; write the call without it")


def _refuse_sequences(where, operands):
    """CuPy's ufuncs take arrays and scalars, not Python lists or tuples."""
    for x in operands:
        if isinstance(x, (list, tuple)):
            raise TypeError(f"strict backend: {where} got a Python {type(x).__name__} as an "
                            f"operand, which CuPy refuses; make it a device array first "
                            f"(backend.asarray) or pass a scalar")


_calls = None   # while a recording_calls() block is open: the set of calls seen


@contextlib.contextmanager
def recording_calls():
    """Record every call on this namespace and its arrays inside the block.

    Yields a set of ``(kind, name, keywords)``: kind "function" (``xp.name(...)``), "method"
    (``a.name(...)``) or "ufunc" (``xp.add.at(...)``, name "add.at"); keywords a sorted tuple
    of the keyword names passed.
    """
    global _calls
    outer, _calls = _calls, set()
    try:
        yield _calls
    finally:
        if outer is not None:
            outer.update(_calls)
        _calls = outer


def _record_call(kind, name, kwargs):
    if _calls is not None:
        _calls.add((kind, name, tuple(sorted(kwargs))))


def _is_host_array(x):
    return isinstance(x, numpy.ndarray)


def _unwrap(x, where):
    """The NumPy array inside, refusing host arrays: a device library would refuse them too."""
    if isinstance(x, StrictArray):
        return x._array
    if _is_host_array(x):
        raise TypeError(f"strict backend: {where} got a host numpy.ndarray {x.shape} mixed "
                        f"with device arrays; move it with backend.asarray first")
    if isinstance(x, (list, tuple)):
        return type(x)(_unwrap(item, where) for item in x)
    return x


def _wrap(x):
    if isinstance(x, (numpy.ndarray, numpy.generic)):
        return StrictArray(numpy.asarray(x))
    if isinstance(x, tuple):
        return tuple(_wrap(item) for item in x)
    if isinstance(x, list):
        return [_wrap(item) for item in x]
    return x


def _index(key):
    """Indices may be Python ints, slices, None, Ellipsis or device arrays, never host arrays."""
    return _unwrap(key, "indexing")


# Functions and methods that only make a view, read metadata or allocate: no kernel launch.
_VIEWS = frozenset("""
reshape transpose swapaxes squeeze expand_dims broadcast_to moveaxis result_type dtype
empty empty_like
""".split())    # (empty and empty_like allocate memory, which launches no kernel)


def _record_index(key, name):
    """Record indexing: a view for basic indices; one launch for array indices, plus a sync
    for a boolean mask (CuPy reads the number of True elements back to size the result)."""
    items = key if isinstance(key, tuple) else (key,)
    arrays = [item for item in items if isinstance(item, numpy.ndarray)]
    if arrays or name == "setitem":
        counter.record_op(name)
    if any(item.dtype == numpy.bool_ and item.ndim > 0 for item in arrays) and name == "getitem":
        counter.record_sync("mask")


class StrictArray:
    """A device-like array: NumPy inside, no silent way out."""
    __slots__ = ("_array",)

    def __init__(self, array):
        self._array = array

    # -- no silent conversion to NumPy ---------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError("strict backend: implicit conversion of a device array to a NumPy "
                        "array (numpy.asarray/array or a NumPy function); use "
                        "backend.to_numpy(a) or Tensor.numpy()")

    def __array_function__(self, func, types, args, kwargs):
        raise TypeError(f"strict backend: numpy.{func.__name__} called on a device array; "
                        f"call it through the backend namespace (xp.{func.__name__})")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        # ``numpy.float32(2) * a`` lands here through the scalar's operator; CuPy accepts it.
        if method == "__call__" and any(isinstance(x, numpy.generic) for x in inputs):
            return _call(ufunc, inputs, kwargs)
        raise TypeError(f"strict backend: numpy.{ufunc.__name__} called on a device array; "
                        f"call it through the backend namespace (xp.{ufunc.__name__})")

    def to_numpy(self):
        """The explicit device-to-host copy (cupy's ``.get()``)."""
        counter.record_sync("get")
        return self._array.copy()

    get = to_numpy

    # -- attributes -----------------------------------------------------------------------
    shape = property(lambda self: self._array.shape)
    dtype = property(lambda self: self._array.dtype)
    ndim = property(lambda self: self._array.ndim)
    size = property(lambda self: self._array.size)
    nbytes = property(lambda self: self._array.nbytes)
    itemsize = property(lambda self: self._array.itemsize)
    strides = property(lambda self: self._array.strides)
    flags = property(lambda self: self._array.flags)
    T = property(lambda self: StrictArray(self._array.T))

    def __len__(self):
        return len(self._array)

    def __repr__(self):
        return "StrictArray(" + repr(self._array)[6:]

    # explicit scalar conversions synchronise on a GPU but are allowed there, so here too
    def item(self):
        counter.record_sync("item")
        return self._array.item()

    def tolist(self):
        counter.record_sync("tolist")
        return self._array.tolist()

    def __float__(self):
        counter.record_sync("float")
        return float(self._array)

    def __int__(self):
        counter.record_sync("int")
        return int(self._array)

    def __bool__(self):
        counter.record_sync("bool")
        return bool(self._array)

    def __index__(self):    # CuPy arrays have no __index__: range(a), lst[a] fail there
        raise TypeError(f"strict backend: a device array {self.shape} used as a Python index "
                        f"(range(a), lst[a], a slice bound, operator.index): CuPy arrays refuse "
                        f"this; use int(a) explicitly, which is a sync")

    def __iter__(self):
        return (_wrap(row) for row in self._array)

    # -- indexing -------------------------------------------------------------------------
    def __getitem__(self, key):
        key = _index(key)
        _record_index(key, "getitem")
        return _wrap(self._array[key])

    def __setitem__(self, key, value):
        key = _index(key)
        _record_index(key, "setitem")
        self._array[key] = _unwrap(value, "assignment")

    # -- methods: forwarded, with device arrays unwrapped and results wrapped ---------------
    def _method(name):
        def method(self, *args, **kwargs):
            _record_call("method", name, kwargs)
            _refuse_keywords(f"ndarray.{name}", kwargs, _REFUSED_METHOD_KEYWORDS.get(name, ()))
            _record_method(self, name, args, kwargs)
            args = _unwrap(args, f".{name}()")
            kwargs = {k: _unwrap(v, f".{name}()") for k, v in kwargs.items()}
            return _wrap(getattr(self._array, name)(*args, **kwargs))
        method.__name__ = name
        return method

    for _name in ("reshape transpose swapaxes sum mean max min argmax argmin any all astype "
                  "copy ravel fill cumsum prod clip squeeze take repeat var std "
                  "__neg__ __pos__ __abs__ __invert__").split():
        locals()[_name] = _method(_name)

    def _binary(name):
        def operator(self, other):
            _refuse_sequences(f"operator {name}", (other,))
            counter.record_op(name.strip("_"))
            return _wrap(getattr(self._array, name)(_unwrap(other, f"operator {name}")))
        operator.__name__ = name
        return operator

    for _name in ("add sub mul truediv floordiv mod pow matmul and or xor lt le gt ge "
                  "eq ne").split():
        for _dunder in (f"__{_name}__", f"__r{_name}__", f"__i{_name}__"):
            if hasattr(numpy.ndarray, _dunder) and _dunder != "__imatmul__":   # CuPy lacks it
                locals()[_dunder] = _binary(_dunder)
    del _name, _dunder, _method, _binary

    __hash__ = None


def _record_method(array, name, args, kwargs):
    """A method call: a launch unless it only makes a view (or a no-op astype / ravel)."""
    if name in _VIEWS:
        return
    if name == "astype" and args and numpy.dtype(args[0]) == array.dtype \
            and kwargs.get("copy", True) is False:
        return
    if name == "ravel" and array._array.flags.c_contiguous:
        return
    counter.record_op(name)


class _StrictUfunc:
    """A NumPy ufunc that takes and returns device arrays (with ``.at``, ``.reduce``...)."""

    def __init__(self, ufunc):
        self._ufunc = ufunc
        self.__name__ = ufunc.__name__

    # The positions of a ufunc method's array operands (``at``'s indices may be a tuple).
    _OPERANDS = {"at": (0, 2), "reduce": (0,), "accumulate": (0,), "outer": (0, 1),
                 "reduceat": (0,)}

    def __call__(self, *args, **kwargs):
        _record_call("function", self.__name__, kwargs)
        _refuse_sequences(f"xp.{self.__name__}", args)
        return _call(self._ufunc, args, kwargs)

    def __getattr__(self, method):
        name = f"{self.__name__}.{method}"

        def ufunc_method(*args, **kwargs):
            _record_call("ufunc", name, kwargs)
            _refuse_sequences(f"xp.{name}", [args[i] for i in self._OPERANDS.get(method, ())
                                             if i < len(args)])
            _refuse_keywords(f"xp.{name}", kwargs, _REFUSED_UFUNC_KEYWORDS.get(method, ()))
            return _call(getattr(self._ufunc, method), args, kwargs, name)
        return ufunc_method


def _call(function, args, kwargs, name=None):
    name = name or getattr(function, "__name__", str(function))
    where = f"xp.{name}"
    if name == "nonzero":
        counter.record_sync("nonzero")   # the count of nonzero elements sizes the result
    if name not in _VIEWS:
        counter.record_op(name)
    args = _unwrap(args, where)
    kwargs = {k: _unwrap(v, where) for k, v in kwargs.items()}
    result = function(*args, **kwargs)
    if name in _RETURN_DEVICE_BOOL:
        return StrictArray(numpy.asarray(result))
    return _wrap(result)


def asarray(a, dtype=None):
    """Host data (lists, scalars, NumPy arrays) to the device: the explicit transfer."""
    _record_call("function", "asarray", {"dtype": dtype} if dtype is not None else {})
    if isinstance(a, StrictArray):
        if dtype is None or a.dtype == dtype:
            return a
        counter.record_op("astype")
        return StrictArray(a._array.astype(dtype))
    counter.record_op("asarray")     # a host-to-device copy
    return StrictArray(numpy.array(a, dtype=dtype))


def array(a, dtype=None):
    _record_call("function", "array", {"dtype": dtype} if dtype is not None else {})
    return asarray(a, dtype).copy() if isinstance(a, StrictArray) else asarray(a, dtype)


ndarray = StrictArray


def __getattr__(name):
    if name in _CONSTANTS:
        return getattr(numpy, name)
    if name in _FUNCTIONS:
        function = getattr(numpy, name)
        if isinstance(function, numpy.ufunc):
            return _StrictUfunc(function)

        def call(*args, **kwargs):
            _record_call("function", name, kwargs)
            _refuse_keywords(f"xp.{name}", kwargs, _REFUSED_KEYWORDS.get(name, ()))
            return _call(function, args, kwargs)
        call.__name__ = name
        return call
    raise AttributeError(f"strict backend: xp.{name} is not in the CuPy-compatible namespace; "
                         f"use a function CuPy has too, or add it to minigrad/testing/strict.py after "
                         f"checking that CuPy offers it with the same semantics")
