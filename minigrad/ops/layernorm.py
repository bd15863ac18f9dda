"""Layer normalisation (Ba et al.), as ``torch.nn.functional.layer_norm``: one fused op with a
hand-derived backward, and its composed twin built from primitive ops.

Each example is normalised over its last axes (the ``normalized_shape``, usually just the
feature axis), independently of the other examples in the batch, then scaled and shifted:

    mu     = mean(x)                       over the N normalised entries of each example
    var    = mean((x - mu)^2)              the biased variance, as PyTorch
    rstd   = 1 / sqrt(var + eps)
    xhat   = (x - mu) * rstd
    y      = xhat * weight + bias          weight, bias of shape normalized_shape

Backward, with g = dL/dy and means taken over the same N entries:

    dL/dbias   = sum of g over the leading (batch) axes
    dL/dweight = sum of g * xhat over the leading axes
    dxhat      = g * weight
    dL/dx      = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))

The last line comes from differentiating through mu and rstd: subtracting mu makes the
gradient sum to zero over the example (the mean(dxhat) term), and dividing by the standard
deviation removes its component along xhat (the xhat * mean(dxhat * xhat) term).
"""
import numbers

from minigrad import backend
from minigrad.ops.arithmetic import add, mul, pow, sub
from minigrad.ops.dispatch import path
from minigrad.ops.common import as_tensor, check_same_backend
from minigrad.ops.reduction import mean
from minigrad.tensor import Tensor


def _operands(x, normalized_shape, weight, bias, op):
    """x, weight and bias as tensors (weight and bias may be None) and the trailing axes to
    normalise over, after checking every shape against them."""
    x = as_tensor(x, op)
    weight = None if weight is None else as_tensor(weight, op)
    bias = None if bias is None else as_tensor(bias, op)
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or x.ndim < k or tuple(x.shape[x.ndim - k:]) != normalized_shape:
        raise ValueError(f"{op}: normalized_shape {normalized_shape} must be the last axes of "
                         f"the input, got input of shape {x.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None:
            if t.shape != normalized_shape:
                raise ValueError(f"{op}: {name} has shape {t.shape}, expected normalized_shape "
                                 f"{normalized_shape} (input {x.shape})")
            check_same_backend(x, t, op)
    return x, weight, bias, tuple(range(x.ndim - k, x.ndim))


def layer_norm_composed(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """The readable twin of ``layer_norm``, from primitive ops (autograd derives its backward)."""
    x, weight, bias, axes = _operands(x, normalized_shape, weight, bias, "layer_norm_composed")
    xc = sub(x, mean(x, axes, keepdims=True))
    var = mean(mul(xc, xc), axes, keepdims=True)
    y = mul(xc, pow(add(var, eps), -0.5))
    if weight is not None:
        y = mul(y, weight)
    if bias is not None:
        y = add(y, bias)
    return y


def layer_norm(x, normalized_shape, weight=None, bias=None, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * weight + bias over the trailing ``normalized_shape``
    axes; see the module docstring for the backward."""
    x, weight, bias, axes = _operands(x, normalized_shape, weight, bias, "layer_norm")
    if path() == "composed":
        return layer_norm_composed(x, normalized_shape, weight, bias, eps)
    return _layer_norm_arrays(x, axes, weight, bias, eps)   # no kernel of its own: any backend


def _layer_norm_arrays(x, axes, weight, bias, eps):
    """``layer_norm`` over ``axes`` on arrays, with the backward of the module docstring."""
    xp = backend.xp
    lead = tuple(range(x.ndim - len(axes)))                         # batch axes, summed in dW
    mu = x.data.mean(axis=axes, keepdims=True)                      # (..., 1)
    xc = x.data - mu
    rstd = 1.0 / xp.sqrt((xc * xc).mean(axis=axes, keepdims=True) + eps)   # (..., 1)
    xhat = xc * rstd                                                # (..., *normalized_shape)
    y = xhat if weight is None else xhat * weight.data
    if bias is not None:
        y = y + bias.data

    def backward(g):
        dx = dw = db = None
        if x.requires_grad:
            dxhat = g if weight is None else g * weight.data
            dx = dxhat - dxhat.mean(axis=axes, keepdims=True)
            dx -= xhat * (dxhat * xhat).mean(axis=axes, keepdims=True)
            dx *= rstd
        if weight is not None and weight.requires_grad:
            dw = (g * xhat).sum(axis=lead)
        if bias is not None and bias.requires_grad:
            db = g.sum(axis=lead)
        return (dx,) + (() if weight is None else (dw,)) + (() if bias is None else (db,))
    parents = (x,) + (() if weight is None else (weight,)) + (() if bias is None else (bias,))
    return Tensor._from_op(y, parents, backward, "layer_norm")
