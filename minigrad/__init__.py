"""minigrad: a small reverse-mode autograd engine on NumPy (CPU) or CuPy (GPU).

Reading order: tensor -> autograd (the simple backward) -> backend -> ops -> nn -> optim;
then fast_grads, the fast mode's lazy gradients. See README.md.
"""
from minigrad.tensor import Tensor     # first: it loads the ops, which build Tensors
from minigrad import flags, nn, ops, optim
from minigrad.autograd import is_grad_enabled, no_grad
from minigrad.backend import (BackendError, get_backend, get_default_dtype, is_readable,
                              manual_seed, set_backend, set_default_dtype, set_readable)
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.graph import graph_dot, graph_scopes, graph_text
from minigrad.serialization import load, save
from minigrad.versions import bump_version
from minigrad import cuda, dtypes
from minigrad.creation import (arange, as_tensor, eye, from_numpy, full, full_like, linspace,
                               normal, ones, ones_like, rand, randint, randn, tensor, zeros,
                               zeros_like)
from minigrad.devices import device
from minigrad.dtypes import (bool_, double, float16, float32, float64, half, int8, int16, int32,
                             int64, long, short, uint8)
from minigrad.functions import (abs, allclose, argmax, argmin, argsort, bmm, cat, chunk, clamp,
                                clip, clone, concat, concatenate, cos, equal, exp, flatten, gather,
                                is_tensor, log, log_softmax, masked_fill, matmul, max, maximum,
                                mean, min, minimum, mm, numel, permute, pow, relu,
                                repeat_interleave, reshape, sigmoid, sin, softmax, sort, split,
                                sqrt, square, squeeze, stack, sum, tanh, transpose, unsqueeze,
                                where)

# torch's dtype names that shadow Python builtins (only as attributes of this package)
float, int, bool = float32, int32, bool_   # noqa: A001

__all__ = [
    "Tensor", "ops", "nn", "no_grad", "is_grad_enabled", "set_backend", "get_backend",
    "set_default_dtype", "get_default_dtype", "manual_seed", "gradcheck", "GradcheckError",
    "graph_text", "graph_dot", "graph_scopes", "BackendError", "optim", "save", "load",
    "set_readable", "is_readable", "bump_version",
    # the torch surface (creation, dtypes, devices, functions)
    "tensor", "as_tensor", "from_numpy", "zeros", "ones", "full", "zeros_like", "ones_like",
    "full_like", "eye", "arange", "linspace", "rand", "randn", "randint", "normal", "device",
    "cuda",
    "dtypes", "float16", "half", "float32", "float", "float64", "double", "int8", "uint8",
    "int16", "short", "int32", "int", "int64", "long", "bool", "bool_",
    "cat", "concat", "concatenate", "stack", "unsqueeze", "squeeze", "reshape", "transpose",
    "permute", "flatten", "matmul", "mm", "bmm", "sum", "mean", "max", "min", "argmax",
    "argmin", "maximum", "minimum", "clamp", "clip", "softmax", "log_softmax", "exp", "log",
    "tanh", "sigmoid", "relu", "sin", "cos", "abs", "sqrt", "square", "pow",
    "repeat_interleave", "sort", "argsort", "split", "chunk", "gather", "where",
    "masked_fill", "numel", "clone", "is_tensor", "allclose", "equal",
]
