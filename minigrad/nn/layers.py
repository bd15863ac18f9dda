"""The simple layers: Linear, Embedding, Dropout, LayerNorm, each a thin module around one op."""
import math
import numbers

import numpy

from minigrad import ops
from minigrad.nn.module import Module, Parameter, check_sizes, uniform
from minigrad import backend


class Linear(Module):
    """y = x W^T + b, with weight (out_features, in_features) and bias (out_features,).

    PyTorch's default initialisation: W and b ~ U(-1/sqrt(in), 1/sqrt(in)).
    """

    def __init__(self, in_features, out_features, bias=True):
        super().__init__()
        check_sizes("Linear", in_features=in_features, out_features=out_features)
        self.in_features, self.out_features = in_features, out_features
        bound = 1 / math.sqrt(in_features) if in_features > 0 else 0
        self.weight = uniform((out_features, in_features), bound)
        self.bias = uniform((out_features,), bound) if bias else None

    def forward(self, x):
        return ops.linear(x, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class LazyLinear(Linear):
    """A Linear whose in_features is read from its first input, as torch's LazyLinear (d2l's
    PositionWiseFFN uses one).

    Its weight (out_features, 0) and bias exist from construction, as empty Parameters, so an
    optimizer built before the first forward holds them; that forward fills them in place,
    with Linear's initialisation for the inferred in_features, and the module becomes a plain
    ``Linear`` (as torch's does). ``state_dict`` and ``load_state_dict`` are refused until
    then, naming the fix."""

    def __init__(self, out_features, bias=True):
        Module.__init__(self)
        check_sizes("LazyLinear", out_features=out_features)
        self.in_features, self.out_features = None, out_features
        dtype = backend.get_default_dtype()
        self.weight = Parameter(numpy.empty((out_features, 0), dtype))
        self.bias = Parameter(numpy.empty((0,), dtype)) if bias else None

    @property
    def uninitialized(self):
        return self.in_features is None

    def forward(self, x):
        if self.in_features is None:
            self.materialize(x.shape[-1])
        return Linear.forward(self, x)

    def materialize(self, in_features):
        """Fill the weight and bias in place for ``in_features`` inputs (PyTorch's Linear
        initialisation, the same draws as ``Linear(in_features, out_features)``)."""
        check_sizes("LazyLinear", in_features=in_features)
        fresh = Linear(in_features, self.out_features, bias=self.bias is not None)
        self.in_features = in_features
        for name in ("weight", "bias"):
            param = getattr(self, name)
            if param is not None:
                param.data = backend.asarray(fresh._parameters[name].data, dtype=param.dtype)
                param.grad = None
        self.__class__ = Linear


class Embedding(Module):
    """Rows of ``weight`` (num_embeddings, embedding_dim) picked by integer ids; W ~ N(0, 1)."""

    def __init__(self, num_embeddings, embedding_dim):
        super().__init__()
        check_sizes("Embedding", num_embeddings=num_embeddings, embedding_dim=embedding_dim)
        self.num_embeddings, self.embedding_dim = num_embeddings, embedding_dim
        self.weight = Parameter(backend.host_rng().standard_normal(
            (num_embeddings, embedding_dim)))

    def forward(self, ids):
        return ops.embedding(ids, self.weight)

    def extra_repr(self):
        return f"{self.num_embeddings}, {self.embedding_dim}"


class Dropout(Module):
    """Inverted dropout with probability ``p`` in training mode; the identity in eval mode."""

    def __init__(self, p=0.5):
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p < 1:
            raise ValueError(f"Dropout: p must lie in [0, 1), got {p!r}")
        self.p = p

    def forward(self, x):
        return ops.dropout(x, self.p, self.training)

    def extra_repr(self):
        return f"p={self.p}"


class LayerNorm(Module):
    """Normalise each example over its last axes (``normalized_shape``), then scale and shift:
    y = (x - mean) / sqrt(var + eps) * weight + bias (see ``ops.layer_norm``).

    As ``torch.nn.LayerNorm``: weight starts at ones and bias at zeros, both of shape
    normalized_shape; ``elementwise_affine=False`` leaves them out.
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True):
        super().__init__()
        sizes = ((normalized_shape,) if isinstance(normalized_shape, numbers.Integral)
                 else normalized_shape)
        if (not isinstance(sizes, (tuple, list)) or not sizes
                or not all(isinstance(n, numbers.Integral) and n >= 1 for n in sizes)):
            raise ValueError(f"LayerNorm: normalized_shape must be a positive integer or a "
                             f"non-empty tuple of them (the sizes of the last axes), got "
                             f"{normalized_shape!r}")
        self.normalized_shape, self.eps = tuple(int(n) for n in sizes), eps
        self.weight = Parameter(numpy.ones(self.normalized_shape)) if elementwise_affine else None
        self.bias = Parameter(numpy.zeros(self.normalized_shape)) if elementwise_affine else None

    def forward(self, x):
        return ops.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.weight is not None}")
