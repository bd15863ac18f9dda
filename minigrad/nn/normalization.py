"""Batch normalisation, as torch's ``nn.BatchNorm1d`` and ``nn.LazyBatchNorm1d``.

For an input (N, C) or (N, C, L), each channel c is normalised over the batch (and length):

    y = (x - mean_c) / sqrt(var_c + eps) * weight_c + bias_c

In training mode mean_c and var_c are the batch's (var biased, divided by n), and the running
statistics move towards them: running = (1 - momentum) * running + momentum * batch, with the
unbiased variance (divided by n - 1) for running_var, as torch. In eval mode the running
statistics are used. It is composed of ops (mean, sub, mul, ...), so autograd gives its
gradient and a learner can step through it.
"""
import numpy

from minigrad import autograd, backend, ops
from minigrad.nn.module import Module, Parameter, check_sizes
from minigrad.tensor import Tensor


def _buffer(array):
    return Tensor(array)


class BatchNorm1d(Module):
    """BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True). ``momentum=None``: the running statistics are plain averages
    over all batches so far. State: weight, bias, running_mean, running_var,
    num_batches_tracked, under torch's names."""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True):
        super().__init__()
        check_sizes(type(self).__name__, num_features=num_features)
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = backend.get_default_dtype()
        self.weight = Parameter(numpy.ones(num_features, dtype)) if affine else None
        self.bias = Parameter(numpy.zeros(num_features, dtype)) if affine else None
        if track_running_stats:
            self.register_buffer("running_mean", _buffer(numpy.zeros(num_features, dtype)))
            self.register_buffer("running_var", _buffer(numpy.ones(num_features, dtype)))
            self.register_buffer("num_batches_tracked", _buffer(numpy.array(0, numpy.int64)))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def _check(self, x):
        name = type(self).__name__
        if x.ndim not in (2, 3) or x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected input (N, {self.num_features}) or "
                             f"(N, {self.num_features}, L), got shape {x.shape}")

    def forward(self, x):
        self._check(x)
        axes = (0,) if x.ndim == 2 else (0, 2)              # every axis but the channels
        shape = (1, -1) if x.ndim == 2 else (1, -1, 1)      # (C,) -> broadcast against x
        count = x.shape[0] * (1 if x.ndim == 2 else x.shape[2])
        use_batch = self.training or not self.track_running_stats
        if use_batch:
            if self.training and count <= 1:
                raise ValueError(f"{type(self).__name__}: training needs more than 1 value per "
                                 f"channel, got input of shape {x.shape}")
            mean = ops.mean(x, axes, keepdims=True)
            centered = ops.sub(x, mean)
            var = ops.mean(ops.mul(centered, centered), axes, keepdims=True)
            if self.training and self.track_running_stats:
                self._update_running(mean, var, count)
        else:
            centered = ops.sub(x, ops.reshape(self.running_mean, shape))
            var = ops.reshape(self.running_var, shape)
        y = ops.div(centered, ops.pow(ops.add(var, self.eps), 0.5))
        if self.affine:
            y = ops.add(ops.mul(y, ops.reshape(self.weight, shape)),
                        ops.reshape(self.bias, shape))
        return y

    def _update_running(self, mean, var, count):
        with autograd.no_grad():
            self.num_batches_tracked.data = self.num_batches_tracked.data + 1
            momentum = self.momentum
            if momentum is None:                            # a cumulative average
                momentum = 1.0 / float(self.num_batches_tracked.data)
            batch_mean = mean.data.reshape(-1)
            batch_var = var.data.reshape(-1) * (count / max(count - 1, 1))   # unbiased
            self.running_mean.data = ((1 - momentum) * self.running_mean.data
                                      + momentum * batch_mean).astype(self.running_mean.dtype)
            self.running_var.data = ((1 - momentum) * self.running_var.data
                                     + momentum * batch_var).astype(self.running_var.dtype)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class LazyBatchNorm1d(BatchNorm1d):
    """A BatchNorm1d whose num_features is read from its first input (axis 1). Its weight,
    bias and buffers exist from construction, empty, and are filled in place at the first
    forward, after which it is a plain ``BatchNorm1d`` (as in torch)."""

    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True):
        BatchNorm1d.__init__(self, 0, eps, momentum, affine, track_running_stats)
        self.num_features = None

    @property
    def uninitialized(self):
        return self.num_features is None

    def forward(self, x):
        if self.num_features is None:
            if x.ndim not in (2, 3):
                raise ValueError(f"LazyBatchNorm1d: expected input (N, C) or (N, C, L), got "
                                 f"shape {x.shape}")
            self.materialize(x.shape[1])
        return BatchNorm1d.forward(self, x)

    def materialize(self, num_features):
        fresh = BatchNorm1d(num_features, self.eps, self.momentum, self.affine,
                            self.track_running_stats)
        self.num_features = num_features
        for name, tensor in list(self._parameters.items()) + list(self._buffers.items()):
            if tensor is not None:
                source = (fresh._parameters[name] if name in fresh._parameters
                          else fresh._buffers[name])
                tensor.data = backend.asarray(source.data, dtype=tensor.dtype)
        self.__class__ = BatchNorm1d
