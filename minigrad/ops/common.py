"""What every op needs: turning operands into tensors, summing broadcast gradients back, and
the gradients of a slice, a weight and a bias."""
import numbers

from minigrad import backend, fast_grads
from minigrad.autograd import plain_gradients
from minigrad.tensor import Tensor


def as_tensor(x, op, like=None):
    """``x`` as a Tensor. Python numbers become constants of ``like``'s dtype (no upcast);
    next to an integer tensor, a float number takes the default float dtype, as in torch.

    Arrays of the current backend become constants; a host NumPy array under a device backend
    is an error, because moving it would be a silent host-to-device copy.
    """
    if isinstance(x, Tensor):
        return x
    if type(x) is backend.xp.ndarray:       # an array of the backend: a constant, as it is
        return Tensor._from_op(x, (), None, None)
    if isinstance(x, numbers.Number):
        if like is not None and like.dtype.kind == "f":
            dtype = like.dtype
        else:
            dtype = None if isinstance(x, numbers.Integral) else backend.get_default_dtype()
        return Tensor._from_op(backend.xp.asarray(x, dtype=dtype), (), None, None)
    owner = backend.array_backend(x)
    if owner == backend.name:
        return Tensor._from_op(x, (), None, None)
    if owner == "numpy":
        raise TypeError(f"{op}: got a host numpy.ndarray of shape {x.shape} while the backend "
                        f"is {backend.name!r}; wrap it with mg.Tensor(...) to move it there")
    kind = type(x)
    if kind.__module__.split(".")[0] == "torch":   # a torch tensor mixed with ours
        raise TypeError(f"{op}: got a torch.{kind.__name__}; minigrad does not mix with "
                        f"torch, convert it with mg.Tensor(t.detach().cpu().numpy())")
    raise TypeError(f"{op}: expected a Tensor or a number, got {kind.__name__}")


def check_same_backend(a, b, op):
    """Two tensors of one op must live on one device, i.e. one backend (cheap when their array
    types match). The error names both devices and their backends."""
    if type(a.data) is not type(b.data):
        owner_a, owner_b = backend.array_backend(a.data), backend.array_backend(b.data)
        if owner_a != owner_b:
            def where(owner):
                return f"{'cpu' if owner == 'numpy' else 'cuda:0'} ({owner})"
            raise backend.BackendError(
                f"{op}: tensors on two devices, {where(owner_a)} {a.shape} and "
                f"{where(owner_b)} {b.shape}; move them to one device with .to(device) "
                f"(or create both under one backend, mg.set_backend)")


def as_float(t, dtype=None):
    """An integer or boolean tensor as a float constant (``dtype``, else the default float
    dtype); a float tensor unchanged. Integer data cannot require grad, so nothing is lost."""
    if t.dtype.kind == "f":
        return t
    return Tensor._from_op(t.data.astype(dtype or backend.get_default_dtype()), (), None, None)


def binary_operands(a, b, op):
    """Both operands of a binary op as tensors of one backend. An integer operand meeting a
    float one takes its dtype, as in torch (NumPy would make int64 with float32 float64)."""
    if (isinstance(a, Tensor) and isinstance(b, Tensor) and type(a.data) is type(b.data)
            and a.data.dtype.kind == b.data.dtype.kind):
        return a, b         # the common case: two tensors of one backend and one kind of dtype
    if not isinstance(a, Tensor):
        a = as_tensor(a, op, like=b)
    if not isinstance(b, Tensor):
        b = as_tensor(b, op, like=a)
    if type(a.data) is not type(b.data):
        check_same_backend(a, b, op)
    if a.dtype.kind != b.dtype.kind:
        if a.dtype.kind == "f":
            b = as_float(b, a.dtype)
        elif b.dtype.kind == "f":
            a = as_float(a, b.dtype)
    return a, b


def float_operand(x, op):
    """The operand of a float function (exp, tanh, ...) as a float tensor: integer and
    boolean input computes in the default float dtype, as in torch."""
    if isinstance(x, Tensor) and x.data.dtype.kind == "f":
        return x
    return as_float(as_tensor(x, op))


def broadcast_error(op, a, b):
    """The error for operands whose shapes do not broadcast, naming the op and both shapes.

    Ops call it from ``except ValueError`` around their array expression, so the check costs
    nothing when the shapes fit.
    """
    return ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast; each axis, "
                      f"aligned from the right, must have equal sizes or size 1")


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, back to ``shape``.

    If y = f(x) broadcasts x of shape (1, H) to (B, H), each x[0, j] fed B outputs, so its
    gradient is the sum of theirs: sum over the leading axes and over every axis where x had 1.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    axes = tuple(range(extra)) + tuple(
        extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def normalize_axis(axis, ndim, op):
    """A non-negative axis, with a clear error when it does not exist."""
    if not -ndim <= axis < ndim:
        raise IndexError(f"{op}: axis {axis} is out of range for a tensor with {ndim} dims")
    return axis % ndim


# -- the gradients of a slice, a weight and a bias: plain arrays in readable mode, the fast
# mode's lazy sums otherwise (minigrad/fast_grads.py, read in the second sitting) ----------

def slice_grad(shape, dtype, index, values, advanced):
    """The gradient of x[index]: zeros with ``values`` added at ``index`` (repeated integer
    indices add up); in the fast mode a lazy ``SliceGrad``."""
    if plain_gradients():
        grad = backend.xp.zeros(shape, dtype=dtype)
        if advanced:
            backend.scatter_add(grad, index, values)
        else:
            grad[index] += values
        return grad
    return fast_grads.SliceGrad(shape, dtype, index, values, advanced)


def weight_grad(left, right):
    """The gradient left^T right of a weight; in the fast mode a lazy ``WeightGrad`` that sums
    the products of all the uses of one weight at once."""
    if plain_gradients():
        return left.T @ right
    return fast_grads.WeightGrad(left, right)


def bias_grad(rows):
    """The gradient of a bias added to each row of dL/dy ``rows`` (N, out): their sum; in the
    fast mode a lazy ``BiasGrad`` that sums the rows of all the uses of one bias at once."""
    if plain_gradients():
        return rows.sum(axis=0)
    return fast_grads.BiasGrad(rows)
