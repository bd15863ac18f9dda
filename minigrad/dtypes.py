"""torch's dtype names for NumPy dtypes: ``mg.float32``, ``mg.long``, ``mg.bool``, ...

A tensor's ``dtype`` is a NumPy dtype, so ``x.dtype == mg.float32`` and ``x.type(mg.long)``
read as in torch. ``to_dtype`` turns any spelling (``mg.long``, ``"int64"``, ``numpy.int64``,
Python's ``float``) into one NumPy dtype, with one error for anything else.
"""
import numpy

float16 = half = numpy.dtype(numpy.float16)
float32 = numpy.dtype(numpy.float32)
float64 = double = numpy.dtype(numpy.float64)
int8 = numpy.dtype(numpy.int8)
uint8 = numpy.dtype(numpy.uint8)
int16 = short = numpy.dtype(numpy.int16)
int32 = numpy.dtype(numpy.int32)
int64 = long = numpy.dtype(numpy.int64)
bool_ = numpy.dtype(numpy.bool_)

# The names that shadow Python builtins (float, int, bool) are set in minigrad/__init__.py,
# where no code uses the builtins: ``mg.float`` is float32 and ``mg.int`` is int32, as in torch.
TORCH_NAMES = {"float": float32, "double": float64, "half": float16, "int": int32,
               "long": int64, "short": int16, "bool": bool_}


def to_dtype(dtype, op="dtype"):
    """``dtype`` as a NumPy dtype. Python's ``float`` means float64, ``int`` int64 and
    ``bool`` bool, as in torch (``torch.tensor([1], dtype=float)`` is float64); None stays
    None."""
    if dtype is None:
        return None
    if dtype is float:
        return float64
    if dtype is int:
        return int64
    if dtype is bool:
        return bool_
    if isinstance(dtype, str) and dtype in TORCH_NAMES:
        return TORCH_NAMES[dtype]
    try:
        dtype = numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"{op}: {dtype!r} is not a dtype; expected one such as mg.float32, "
                        f"mg.float64, mg.long, mg.int32 or mg.bool") from None
    if dtype.kind not in "biuf":
        raise TypeError(f"{op}: dtype {dtype} is not supported; tensors hold bool, integer "
                        f"or float numbers")
    return dtype
