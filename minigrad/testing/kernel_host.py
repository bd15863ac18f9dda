"""The host harness: the kernels' CUDA source compiled by a C++ compiler and run on the CPU.

A kernel that uses one thread per element and no shared memory means the same thing when its
threads run one after another, so four shims turn CUDA C into C++: ``__global__`` is empty,
and ``threadIdx``, ``blockIdx``, ``blockDim`` and ``gridDim`` are host variables that a loop
over the launch grid sets before each call. Every kernel gets a launcher,

    extern "C" void launch_NAME(unsigned grid, unsigned block, void** args)

that runs that loop and calls the kernel with its arguments unpacked from ``args`` (the same
convention as CUDA's ``cuLaunchKernel``). The library is built once per dtype and source, in
a cache folder (``MINIGRAD_KERNEL_CACHE``, else ``~/.cache/minigrad/kernels``), and loaded
with ctypes.
"""
import contextlib
import ctypes
import functools
import hashlib
import os
import shutil
import subprocess
import tempfile

import numpy

from minigrad import kernels

HOST_PRELUDE = r"""
#include <cmath>
struct minigrad_dim3 { unsigned int x, y, z; };
static minigrad_dim3 threadIdx, blockIdx, blockDim, gridDim;
#define __global__
#define __device__
#define __forceinline__ inline
using std::exp; using std::log; using std::tanh; using std::sqrt; using std::fabs;
using std::fmax; using std::fmin;
"""
FLAGS = ("-O2", "-std=c++14", "-shared", "-fPIC", "-x", "c++")
_CTYPES = {"T*": ctypes.c_void_p, "long": ctypes.c_int64, "int": ctypes.c_int32,
           "float": ctypes.c_float, "double": ctypes.c_double}


def compiler():
    """The host C++ compiler: ``$CXX``, else g++ or c++; None when there is none."""
    for candidate in (os.environ.get("CXX"), "g++", "c++"):
        if candidate and shutil.which(candidate):
            return shutil.which(candidate)
    return None


def _launcher(name):
    types = kernels.parameters(name)
    unpacked = ", ".join(f"*({t}*)args[{i}]" for i, t in enumerate(types))
    return (f'extern "C" void launch_{name}(unsigned int grid, unsigned int block, '
            f'void** args) {{\n'
            f"    gridDim.x = grid; gridDim.y = gridDim.z = 1;\n"
            f"    blockDim.x = block; blockDim.y = blockDim.z = 1;\n"
            f"    blockIdx.y = blockIdx.z = threadIdx.y = threadIdx.z = 0;\n"
            f"    for (unsigned int b = 0; b < grid; ++b) {{\n"
            f"        blockIdx.x = b;\n"
            f"        for (unsigned int t = 0; t < block; ++t) {{\n"
            f"            threadIdx.x = t;\n"
            f"            {name}({unpacked});\n"
            f"        }}\n    }}\n}}\n")


def host_source(dtype):
    """The C++ translation unit for ``dtype``: shims, ``T``, every kernel and its launcher."""
    ctype = kernels.CTYPES[numpy.dtype(dtype).name]
    return (HOST_PRELUDE + kernels.DEVICE_PRELUDE.format(ctype=ctype) + kernels.all_sources()
            + "\n" + "".join(_launcher(name) for name in kernels.names()))


def _cache_dir():
    folder = os.environ.get("MINIGRAD_KERNEL_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "minigrad",
        "kernels")
    try:
        os.makedirs(folder, exist_ok=True)
        if os.access(folder, os.W_OK):
            return folder
    except OSError:
        pass
    return tempfile.gettempdir()


@functools.lru_cache(maxsize=None)
def library(dtype_name):
    """The compiled host library for one dtype (built on first use, then cached on disk)."""
    cxx = compiler()
    if cxx is None:
        raise kernels.KernelError(
            "kernels: the strict backend runs the CUDA kernels on the host and needs a C++ "
            "compiler (g++ or c++, or set CXX); none was found")
    code = host_source(dtype_name)
    digest = hashlib.sha256((code + cxx + " ".join(FLAGS)).encode()).hexdigest()[:16]
    path = os.path.join(_cache_dir(), f"minigrad_kernels_{dtype_name}_{digest}.so")
    if not _intact(path):       # missing, or cut short (a killed copy, a full disk): rebuild
        _build(cxx, code, path)
    try:
        return ctypes.CDLL(path)
    except OSError as exc:      # a file that passed its checksum but not the loader
        raise kernels.KernelError(f"kernels: cannot load the host library {path}: {exc}; "
                                  f"delete it to rebuild") from None


def _checksum(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def _intact(path):
    """A cached library is loaded only when its bytes match the checksum written beside it
    after it was built (a truncated .so mapped by the loader kills the process: SIGBUS)."""
    try:
        with open(path + ".sha256") as f:
            return f.read().strip() == _checksum(path)
    except OSError:
        return False


def _build(cxx, code, path):
    """Compile ``code`` into ``path``, then write its checksum; a failed build is one line
    (the compiler's whole output goes to a log file it names)."""
    with tempfile.TemporaryDirectory() as work:
        src = os.path.join(work, "kernels.cpp")
        with open(src, "w") as f:
            f.write(code)
        built = os.path.join(work, "kernels.so")
        result = subprocess.run([cxx, *FLAGS, src, "-o", built], capture_output=True,
                                text=True)
        if result.returncode != 0:
            log = path[:-3] + ".build.log"
            with contextlib.suppress(OSError), open(log, "w") as f:
                f.write(result.stdout + result.stderr)
            first = next((line for line in result.stderr.splitlines() if "error" in line),
                         result.stderr.strip().splitlines()[0] if result.stderr.strip()
                         else "no output")
            raise kernels.KernelError(f"kernels: the host build with {cxx} failed (exit "
                                      f"{result.returncode}): {first.strip()} (full log: "
                                      f"{log})")
        try:
            temporary = f"{path}.{os.getpid()}.tmp"
            shutil.copyfile(built, temporary)
            os.replace(temporary, path)          # atomic: readers see all of it or none
            with open(temporary, "w") as f:
                f.write(_checksum(path) + "\n")
            os.replace(temporary, path + ".sha256")
        except OSError as exc:                   # a full disk or a read-only cache
            raise kernels.KernelError(f"kernels: cannot write the host library into "
                                      f"{os.path.dirname(path)}: {exc} (set "
                                      f"MINIGRAD_KERNEL_CACHE to a writable folder)") from None


@functools.cache
def _pointer_array(length):
    """The ctypes type ``void*[length]``, made once: a ctypes type is a cycle of objects."""
    return ctypes.c_void_p * length


def run(name, dtype, grid, block, args):
    """Launch kernel ``name`` on the host over NumPy ``args`` (already checked by
    ``kernels.launch``): pointers for arrays, C scalars for numbers."""
    dtype = numpy.dtype(dtype)
    values = []
    for kind, arg in zip(kernels.parameters(name), args):
        if kind.endswith("*"):
            values.append(ctypes.c_void_p(arg.ctypes.data))
        else:
            base = kind.replace("const ", "").strip()
            if base == "T":
                base = kernels.CTYPES[dtype.name]
            values.append(_CTYPES[base](arg.item()))
    # addressof, not cast(pointer(v)): a cast ties its result and its source in a reference
    # cycle, which only the cyclic collector frees (tests/minigrad/test_memory.py runs with
    # it off). ``values`` keeps the C values alive until the call returns.
    pointers = _pointer_array(len(values))(*[ctypes.addressof(v) for v in values])
    getattr(library(dtype.name), f"launch_{name}")(ctypes.c_uint(grid), ctypes.c_uint(block),
                                                   pointers)
