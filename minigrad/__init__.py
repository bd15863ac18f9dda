"""minigrad: a small reverse-mode autograd engine on NumPy (CPU) or CuPy (GPU).

Reading order: tensor -> autograd (the simple backward) -> backend -> ops -> nn -> optim;
then fast_grads, the fast mode's lazy gradients. See README.md.
"""
from minigrad import flags, nn, ops, optim
from minigrad.autograd import is_grad_enabled, no_grad
from minigrad.backend import (BackendError, get_backend, get_default_dtype, is_readable,
                              manual_seed, set_backend, set_default_dtype, set_readable)
from minigrad.gradcheck import GradcheckError, gradcheck
from minigrad.graph import graph_dot, graph_scopes, graph_text
from minigrad.serialization import load, save
from minigrad.tensor import Tensor

__all__ = [
    "Tensor", "ops", "nn", "no_grad", "is_grad_enabled", "set_backend", "get_backend",
    "set_default_dtype", "get_default_dtype", "manual_seed", "gradcheck", "GradcheckError",
    "graph_text", "graph_dot", "graph_scopes", "BackendError", "optim", "save", "load",
    "set_readable", "is_readable",
]
