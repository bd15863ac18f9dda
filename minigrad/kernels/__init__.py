"""Fused CUDA kernels for the device path, and how they are launched on every backend.

Each ``*.cu`` file here holds one kernel, written in plain CUDA C over the scalar type ``T``
(float or double): one thread per element (or per row) in a grid-stride loop, with the math
in a comment that matches the op's NumPy code. The ops call ``launch`` on a device backend
(``backend.is_device()``, outside readable mode); the NumPy backend runs the NumPy code, the
readable reference the tests hold every kernel to.

- ``cupy``: the sources are compiled once per dtype by CuPy (``cupy.RawModule``) and launched
  on the GPU.
- ``strict``: the same sources are compiled for the host by a C++ compiler (see
  ``minigrad/testing/kernel_host.py``) and run over the arrays' NumPy data, the threads of
  the launch grid one after another. So a CPU run under ``MINIGRAD_BACKEND=strict`` executes
  the kernels a GPU run executes, and the counter counts one launch per kernel.

    kernels.launch("dropout", x.size, x.dtype, x, u, p, scale, y, x.size)
"""
import functools
import os
import re

import numpy

from minigrad import backend
from minigrad.testing import counter

HERE = os.path.dirname(os.path.abspath(__file__))
BLOCK = 256             # threads per block
MAX_BLOCKS = 4096       # larger launches loop (grid-stride) instead of growing the grid


class KernelError(RuntimeError):
    """A kernel could not be compiled, or was launched with arguments it cannot take."""


def names():
    """The kernels there are: one per ``*.cu`` file, named after it."""
    return sorted(f[:-3] for f in os.listdir(HERE) if f.endswith(".cu"))


@functools.lru_cache(maxsize=None)
def source(name):
    """The CUDA source of kernel ``name``."""
    path = os.path.join(HERE, name + ".cu")
    if not os.path.exists(path):
        raise KernelError(f"kernels: no kernel {name!r}; there are {', '.join(names())}")
    with open(path) as f:
        return f.read()


_SIGNATURE = re.compile(r'extern\s+"C"\s+__global__\s+void\s+(\w+)\s*\(([^)]*)\)')


@functools.lru_cache(maxsize=None)
def parameters(name):
    """The parameter types of kernel ``name``, as written: ("const T*", "long", "T", ...)."""
    found = _SIGNATURE.findall(source(name))
    if [n for n, _ in found] != [name]:
        raise KernelError(f"kernels: {name}.cu must define exactly one kernel "
                          f'`extern "C" __global__ void {name}(...)`; found {found!r}')
    types = []
    for parameter in found[0][1].split(","):
        words = parameter.replace("*", " * ").replace("__restrict__", " ").split()
        types.append(" ".join(words[:-1]).replace(" *", "*"))      # drop the name
    return tuple(types)


def all_sources():
    """Every kernel's source, in one translation unit (each kernel has its own name)."""
    return "\n".join(source(name) for name in names())


_C_TYPES = {"long": numpy.int64, "int": numpy.int32, "bool": numpy.bool_,
            "float": numpy.float32, "double": numpy.float64}    # C type -> NumPy dtype


def contiguous(array):
    """``array`` itself when C-contiguous (no launch), else a C-contiguous copy: the layout
    every kernel's indexing assumes."""
    return array if array.flags.c_contiguous else backend.xp.ascontiguousarray(array)


def _arguments(name, dtype, args):
    """``args`` checked against the kernel's parameters, scalars given their C types."""
    types = parameters(name)
    if len(args) != len(types):
        raise KernelError(f"kernels.launch({name!r}): expected {len(types)} arguments "
                          f"({', '.join(types)}), got {len(args)}")
    converted = []
    for i, (kind, arg) in enumerate(zip(types, args)):
        base = kind.replace("const ", "").rstrip("*").strip()
        if base != "T" and base not in _C_TYPES:
            raise KernelError(f"kernels.launch({name!r}): parameter {i} has C type {kind!r}; "
                              f"kernels may use T, {', '.join(_C_TYPES)} and their pointers")
        expected = numpy.dtype(dtype if base == "T" else _C_TYPES[base])
        if kind.endswith("*"):
            if not hasattr(arg, "dtype") or arg.dtype != expected or not arg.flags.c_contiguous:
                layout = "" if not hasattr(arg, "flags") or arg.flags.c_contiguous \
                    else " (not contiguous)"
                raise KernelError(
                    f"kernels.launch({name!r}): argument {i} ({kind}) must be a C-contiguous "
                    f"{expected} array, got {getattr(arg, 'dtype', type(arg).__name__)}{layout}")
            converted.append(arg)
        else:
            converted.append(expected.type(arg))
    return converted


def launch(name, size, dtype, *args):
    """Run kernel ``name`` over ``size`` threads' worth of work with ``args`` in its order.

    ``dtype`` (float32 or float64) is the kernel's ``T``. The grid is ceil(size / BLOCK)
    blocks of BLOCK threads, at most MAX_BLOCKS; the kernels' grid-stride loops cover the
    rest (the tests shrink both to make the loops wrap). An empty launch (size 0) does
    nothing.
    """
    dtype = numpy.dtype(dtype)
    if dtype not in (numpy.float32, numpy.float64):
        raise KernelError(f"kernels.launch({name!r}): T must be float32 or float64, got {dtype}")
    args = _arguments(name, dtype, args)
    if size <= 0:
        return
    block = BLOCK
    grid = min(-(-int(size) // block), MAX_BLOCKS)
    if backend.name == "cupy":
        _cupy_function(name, dtype.name)((grid,), (block,), tuple(args))
    elif backend.name == "strict":
        from minigrad.testing import kernel_host as host
        counter.record_op(name)
        host.run(name, dtype, grid, block, [getattr(a, "_array", a) for a in args])
    else:
        raise KernelError(f"kernels.launch({name!r}): kernels run on a device backend "
                          f"(cupy or strict), not {backend.name!r}")


DEVICE_PRELUDE = "typedef {ctype} T;\n"
CTYPES = {"float32": "float", "float64": "double"}


@functools.lru_cache(maxsize=None)
def _cupy_module(dtype_name):
    import cupy
    code = DEVICE_PRELUDE.format(ctype=CTYPES[dtype_name]) + all_sources()
    return cupy.RawModule(code=code, options=("-std=c++14",))


@functools.lru_cache(maxsize=None)
def _cupy_function(name, dtype_name):
    return _cupy_module(dtype_name).get_function(name)
