"""``gradcheck``: compare autograd's gradients with central finite differences.

For a function f of tensors x_1..x_n we check the scalar L = sum(f(x) * R) for a fixed random
R, so one backward pass gives every input's analytic gradient dL/dx_i. Then, in float64:

- small inputs (at most ``max_elements``): every element e, numerically
  (L(x + eps e) - L(x - eps e)) / (2 eps);
- larger inputs: ``directions`` random unit directions d, numerically
  (L(x + eps d) - L(x - eps d)) / (2 eps) against the analytic dL/dx . d.
"""
import math

import numpy

from minigrad import autograd, backend
from minigrad.tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numeric gradients disagree; the message says where and by how much."""


def _loss(fn, inputs, weights):
    out = fn(*inputs)
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: fn must return a Tensor, got {type(out).__name__}")
    return out, (out * weights).sum() if weights is not None else None


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, max_elements=64, directions=8,
              seed=0, raise_exception=True):
    """True when every input's gradient matches finite differences; else raises (or False).

    ``inputs`` are float64 tensors; those with ``requires_grad`` are checked, and ``fn`` is
    called as ``fn(*inputs)`` with their data perturbed in place. On failure the report names
    the input, the worst element or direction, and the numeric and analytic values.
    """
    if isinstance(inputs, Tensor) or not isinstance(inputs, (list, tuple)):
        what = (f"one Tensor of shape {inputs.shape}" if isinstance(inputs, Tensor)
                else type(inputs).__name__)
        raise TypeError(f"gradcheck: inputs must be a list or tuple of tensors (the arguments "
                        f"of fn), got {what}; wrap a single input as [x]")
    inputs = list(inputs)
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, nothing to check")
    for i in checked:
        if inputs[i].dtype != numpy.float64:
            raise TypeError(f"gradcheck: input {i} has dtype {inputs[i].dtype}; central "
                            f"differences need float64 (mg.set_default_dtype('float64'))")
    rng = numpy.random.default_rng(seed)
    with autograd.no_grad():
        out, _ = _loss(fn, inputs, None)
    weights = Tensor(rng.standard_normal(out.shape))

    for i in checked:
        inputs[i].grad = None
    _, loss = _loss(fn, inputs, weights)
    loss.backward()
    analytic = {i: backend.to_numpy(inputs[i].grad) if inputs[i].grad is not None
                else numpy.zeros(inputs[i].shape) for i in checked}

    def loss_at(i, flat_index=None, direction=None, step=0.0):
        data = inputs[i].data
        original = data.copy()
        if direction is None:
            data[numpy.unravel_index(flat_index, data.shape)] += step
        else:
            data += step * direction
        with autograd.no_grad():
            value = float(_loss(fn, inputs, weights)[1].item())
        data[...] = original
        return value

    failures = []
    for i in checked:
        size = inputs[i].data.size
        if size <= max_elements:
            probes = [(k, None) for k in range(size)]
        else:
            probes = []
            for _ in range(directions):
                d = rng.standard_normal(inputs[i].shape)
                probes.append((None, d / numpy.linalg.norm(d)))
        worst = None
        for flat_index, d in probes:
            d_device = None if d is None else backend.asarray(d)
            numeric = (loss_at(i, flat_index, d_device, eps)
                       - loss_at(i, flat_index, d_device, -eps)) / (2 * eps)
            exact = (analytic[i].reshape(-1)[flat_index] if d is None
                     else float((analytic[i] * d).sum()))
            error = abs(numeric - exact) - (atol + rtol * abs(numeric))
            if not math.isfinite(error):   # a NaN compares False with everything: it
                error = math.inf           # would pass; count it as the worst error
            if worst is None or error > worst[0]:
                worst = (error, flat_index, numeric, exact)
        if worst[0] > 0:
            _, flat_index, numeric, exact = worst
            if flat_index is None:
                where = "a random direction"
            else:   # plain ints: NumPy 2 would print np.int64(...)
                element = numpy.unravel_index(flat_index, inputs[i].shape)
                where = f"element {tuple(int(k) for k in element)}"
            failures.append(f"input {i} (shape {inputs[i].shape}): worst at {where}: "
                            f"numeric {numeric:.10g}, analytic {exact:.10g}, "
                            f"difference {abs(numeric - exact):.3g} "
                            f"(allowed {atol:g} + {rtol:g} * |numeric|)")
    if failures:
        report = "gradcheck failed:\n  " + "\n  ".join(failures)
        if raise_exception:
            raise GradcheckError(report)
        import warnings
        warnings.warn(report, stacklevel=2)
        return False
    return True
