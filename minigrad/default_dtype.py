"""The default float dtype: what float data becomes when no dtype is given (float32)."""
import numpy

default = numpy.dtype(numpy.float32)   # read by backend.asarray


def set_default_dtype(dtype):
    """Float data becomes this dtype ("float32", the default, or "float64")."""
    global default
    if dtype is None:           # numpy.dtype(None) would quietly mean float64
        raise TypeError("set_default_dtype: expected float32 or float64, got None")
    try:
        dtype = numpy.dtype(dtype)
    except TypeError:
        raise TypeError(f"set_default_dtype: expected float32 or float64, got "
                        f"{dtype!r}") from None
    if dtype not in (numpy.float32, numpy.float64):
        raise TypeError(f"set_default_dtype: expected float32 or float64, got {dtype}")
    default = dtype


def get_default_dtype():
    return default
