"""Recurrent cells as single fused ops: one graph node per time step, hand-derived backward;
and ``gru_sequence``, a GRU layer's whole time loop as one node.

Both cells take ``gi``, the input projection x W_ih^T + b_ih of this step, already computed:
a layer projects the inputs of all time steps with one matmul and hands each step its slice.
Each fused cell has a composed twin, built from primitive ops, that the tests hold it to.

GRU (PyTorch's equations; gates stacked r, z, n):
    gh = h W_hh^T + b_hh
    r = sigmoid(gi_r + gh_r)      z = sigmoid(gi_z + gh_z)
    n = tanh(gi_n + r * gh_n)     h' = (1 - z) * n + z * h

LSTM (PyTorch's equations; gates stacked i, f, g, o):
    a = gi + h W_hh^T + b_hh
    i = sigmoid(a_i)  f = sigmoid(a_f)  g = tanh(a_g)  o = sigmoid(a_o)
    c' = f * c + i * g            h' = o * tanh(c')

Each op comes in the order a reader needs: the composed twin first (the equations above,
written with primitive ops; readable mode runs it), then the op, which picks its path in
``dispatch.fused``, then the fused NumPy code and the device launcher. The GRU's equations live
in three places: ``gru_cell_composed``, ``_gru_step_arrays`` (the NumPy forward that
``gru_cell`` and ``gru_sequence`` share, with ``_gate_grads`` its backward) and the CUDA
kernels ``minigrad/kernels/gru_*.cu``, one kernel forward and one backward per cell, held by
the tests to the NumPy code.
"""
from minigrad import backend, kernels
from minigrad.fast_grads import BiasGrad, WeightGrad
from minigrad.ops.arithmetic import add, mul
from minigrad.ops.common import as_tensor, check_same_backend
from minigrad.ops.dispatch import fused
from minigrad.ops.matmul import linear
from minigrad.ops.shape import getitem, stack
from minigrad.ops.unary import sigmoid, sigmoid_array, sigmoid_array_, tanh
from minigrad.tensor import Tensor


def _check(gi, h, weight_hh, bias_hh, gates, op, sequence=False):
    """The inputs as tensors, else a clear error: gi (B, G*H), or (T, B, G*H) with T >= 1 for
    a ``sequence``; h (B, H); weight_hh (G*H, H); bias_hh (G*H,) or None."""
    if not (isinstance(gi, Tensor) and isinstance(h, Tensor) and isinstance(weight_hh, Tensor)):
        gi, h, weight_hh = as_tensor(gi, op), as_tensor(h, op), as_tensor(weight_hh, op)
    hidden = h.shape[-1]
    expected_w = (gates * hidden, hidden)
    step_shape = (h.shape[0], gates * hidden) if h.ndim == 2 else None
    gi_fits = (gi.ndim == 3 and gi.shape[0] >= 1 and gi.shape[1:] == step_shape if sequence
               else gi.shape == step_shape)
    if (h.ndim != 2 or not gi_fits or weight_hh.shape != expected_w
            or (bias_hh is not None and bias_hh.shape != (gates * hidden,))):
        gi_text = f"(T, B, {gates}H) with T >= 1" if sequence else f"(B, {gates}H)"
        raise ValueError(
            f"{op}: expected gi {gi_text}, h (B, H), weight_hh ({gates}H, H), bias_hh "
            f"({gates}H,); got gi {gi.shape}, h {h.shape}, weight_hh {weight_hh.shape}, "
            f"bias_hh {None if bias_hh is None else bias_hh.shape}")
    kind = type(gi.data)
    if not (type(h.data) is kind and type(weight_hh.data) is kind
            and (bias_hh is None or type(bias_hh.data) is kind)):     # maybe two backends
        for t in (h, weight_hh) + (() if bias_hh is None else (bias_hh,)):
            check_same_backend(gi, t, op)
    return gi, h, weight_hh


def _hidden_projection(h, weight_hh, bias_hh):
    """gh = h W_hh^T + b_hh for the array h (B, H)."""
    gh = h @ weight_hh.data.T
    if bias_hh is not None:
        gh += bias_hh.data
    return gh


def _hidden_grads(dgh, h, weight_hh, bias_hh):
    """Gradients through gh = h W_hh^T + b_hh: for h, W_hh (as a ``WeightGrad``: one product
    over all the time steps that use W_hh) and b_hh (as a ``BiasGrad``: one sum over them)."""
    return (dgh @ weight_hh.data if h.requires_grad else None,
            WeightGrad(dgh, h.data) if weight_hh.requires_grad else None,
            BiasGrad(dgh) if bias_hh is not None and bias_hh.requires_grad else None)


# -- GRU ------------------------------------------------------------------------------------

def gru_cell_composed(gi, h, weight_hh, bias_hh=None):
    """The readable twin of ``gru_cell``: the equations of the module docstring written with
    primitive ops (autograd derives its backward)."""
    H = h.shape[-1]
    gh = linear(h, weight_hh, bias_hh)                               # (B, 3H)
    i_r, i_z, i_n = gi[:, :H], gi[:, H:2 * H], gi[:, 2 * H:]        # (B, H) each
    h_r, h_z, h_n = gh[:, :H], gh[:, H:2 * H], gh[:, 2 * H:]
    r = sigmoid(i_r + h_r)                                           # reset gate
    z = sigmoid(i_z + h_z)                                           # update gate
    n = tanh(i_n + r * h_n)                                          # candidate state
    return (1 - z) * n + z * h                                       # h' (B, H)


def gru_cell(gi, h, weight_hh, bias_hh=None):
    """One GRU step, fused: (gi (B, 3H), h (B, H)) -> h' (B, H).

    Backward, with dh' the incoming gradient and a_* the pre-activations:
        dn = dh' (1 - z)             dz = dh' (h - n)          dh (direct) = dh' z
        da_n = dn (1 - n^2)          dr = da_n gh_n
        da_r = dr r (1 - r)          da_z = dz z (1 - z)
        dgi = [da_r, da_z, da_n]     dgh = [da_r, da_z, da_n r]
        dh += dgh W_hh               dW_hh = dgh^T h           db_hh = sum of dgh over rows

    Readable mode runs ``gru_cell_composed``, a device the kernels, the CPU ``_gru_cell_host``.
    """
    gi, h, weight_hh = _check(gi, h, weight_hh, bias_hh, 3, "gru_cell")   # in every path
    return fused(gru_cell_composed, _gru_cell_kernels, _gru_cell_host)(gi, h, weight_hh, bias_hh)


def _gru_step_arrays(gi, h, weight_hh, bias_hh, rz=None, n=None, h_minus_n=None, h_new=None):
    """One GRU step on arrays, the NumPy forward of ``gru_cell`` and ``gru_sequence``:
    gi (B, 3H), h (B, H) -> (rz, gh_n, n, h - n, h'). r and z share one (2, B, H) array ``rz``:
    one sigmoid pass serves both, and each gate is still a contiguous (B, H) block; the rest
    are (B, H). Each result goes into the array given, or a new one where None."""
    xp = backend.xp
    B, H = h.shape
    gh = _hidden_projection(h, weight_hh, bias_hh)                   # (B, 3H)
    if rz is None:
        rz = xp.empty((2, B, H), dtype=gh.dtype)
    xp.add(gi[:, :H], gh[:, :H], out=rz[0])                          # a_r = gi_r + gh_r
    xp.add(gi[:, H:2 * H], gh[:, H:2 * H], out=rz[1])                # a_z = gi_z + gh_z
    sigmoid_array_(rz)                                               # r, z
    gh_n = gh[:, 2 * H:]
    n = xp.multiply(rz[0], gh_n, out=n)
    n += gi[:, 2 * H:]
    xp.tanh(n, out=n)                                                # n = tanh(gi_n + r gh_n)
    h_minus_n = xp.subtract(h, n, out=h_minus_n)                     # kept for dz
    h_new = xp.multiply(rz[1], h_minus_n, out=h_new)
    h_new += n                                                       # (1 - z) n + z h
    return rz, gh_n, n, h_minus_n, h_new


def _gru_cell_host(gi, h, weight_hh, bias_hh):
    """``gru_cell`` on the CPU: ``_gru_step_arrays`` forward, ``_gate_grads`` backward. The
    elementwise steps run in place (``out=``) on the few arrays each pass creates. Each gate
    gets its own contiguous (B, H) array: NumPy runs an operation on a column block of a
    (B, 3H) array, whose rows are apart in memory, two to four times slower."""
    xp = backend.xp
    rz, gh_n, n, h_minus_n, h_new = _gru_step_arrays(gi.data, h.data, weight_hh, bias_hh)
    r, z = rz[0], rz[1]                                              # (B, H) each

    def backward(dh_new):
        d_rz, da_n = _gate_grads(dh_new, rz, n, gh_n, h_minus_n)
        da_r, da_z = d_rz[0], d_rz[1]
        dgi = xp.concatenate((da_r, da_z, da_n), axis=1)             # (B, 3H)
        da_n *= r                                                    # now dgh_n = da_n r
        dgh = xp.concatenate((da_r, da_z, da_n), axis=1)             # (B, 3H)
        dh, dw, db = _hidden_grads(dgh, h, weight_hh, bias_hh)
        if dh is not None:
            dh += dh_new * z
        return dgi, dh, dw, db
    parents = (gi, h, weight_hh) + (() if bias_hh is None else (bias_hh,))
    return Tensor._from_op(h_new, parents, backward, "gru_cell")


def _gate_grads(dh_new, rz, n, gh_n, h_minus_n):
    """The gradients of one GRU step's pre-activations, from dh' (see ``gru_cell``):
    [da_r, da_z] as one (2, B, H) array, and da_n (B, H)."""
    xp = backend.xp
    d_rz = 1 - rz                                                    # [1 - r, 1 - z]
    da_n = n * n
    xp.subtract(1, da_n, out=da_n)
    da_n *= d_rz[1]
    da_n *= dh_new                                                   # dh' (1 - z) (1 - n^2)
    d_rz *= rz                                                       # [r (1 - r), z (1 - z)]
    upstream = xp.empty_like(d_rz)                                   # what multiplies them:
    xp.multiply(da_n, gh_n, out=upstream[0])                         # dr = da_n gh_n
    xp.multiply(dh_new, h_minus_n, out=upstream[1])                  # dz = dh' (h - n)
    d_rz *= upstream                                                 # [da_r, da_z], one pass
    return d_rz, da_n


def _bias_args(bias_hh, gh):
    """The kernels' (b_hh, has_bias) pair; without a bias any array of the dtype stands in."""
    return (bias_hh.data, 1) if bias_hh is not None else (gh, 0)


def _gru_cell_kernels(gi, h, weight_hh, bias_hh):
    """``gru_cell`` on a device: one matmul and one kernel forward, one kernel, one matmul and
    one addition backward (plus the bias's sum over rows)."""
    xp = backend.xp
    B, H = h.shape
    dtype = h.dtype
    gi_data, h_data = kernels.contiguous(gi.data), kernels.contiguous(h.data)
    gh = h_data @ weight_hh.data.T                                   # (B, 3H), bias in-kernel
    h_new = xp.empty((B, H), dtype=dtype)
    saved = xp.empty((4, B, H), dtype=dtype)                         # r, z, n, gh_n
    kernels.launch("gru_forward", B * H, dtype, gi_data, gh, *_bias_args(bias_hh, gh),
                   h_data, h_new, saved, B, H)

    def backward(dh_new):
        dgi = xp.empty((B, 3 * H), dtype=dtype)
        dgh = xp.empty((B, 3 * H), dtype=dtype)
        dh_direct = xp.empty((B, H), dtype=dtype)
        kernels.launch("gru_backward", B * H, dtype, kernels.contiguous(dh_new), h_data, saved,
                       dgi, dgh, dh_direct, B, H)
        dh, dw, db = _hidden_grads(dgh, h, weight_hh, bias_hh)
        if dh is not None:
            dh += dh_direct
        return dgi, dh, dw, db
    parents = (gi, h, weight_hh) + (() if bias_hh is None else (bias_hh,))
    return Tensor._from_op(h_new, parents, backward, "gru_cell")


def _time_steps(T, reverse):
    """The order of a sequence's steps: t = 0 .. T-1, or T-1 .. 0 with ``reverse``."""
    return range(T - 1, -1, -1) if reverse else range(T)


def gru_sequence_composed(gi, h0, weight_hh, bias_hh=None, reverse=False,
                          cell=gru_cell_composed):
    """The readable twin of ``gru_sequence``: the cell's equations (``gru_cell_composed``) on
    each step's slice gi[t], the states stacked. (On a device ``cell`` is the kernels' cell.)"""
    T = gi.shape[0]
    outputs, h = [None] * T, h0
    for t in (range(T - 1, -1, -1) if reverse else range(T)):
        h = cell(gi[t], h, weight_hh, bias_hh)                       # (B, H)
        outputs[t] = h
    return stack(outputs)                                            # (T, B, H)


def gru_sequence(gi, h0, weight_hh, bias_hh=None, reverse=False):
    """A GRU layer's whole time loop as one op: gi (T, B, 3H), every step's input projection,
    and h0 (B, H) -> the hidden state after every step (T, B, H). With ``reverse`` the steps
    run t = T-1 .. 0 (a bidirectional layer's reverse direction) and output[0] is the last.

    The math of ``gru_cell`` at every step (see its docstring), on arrays: one graph node for
    the T steps instead of T cells and T slices of gi, so the backward walk visits one node,
    dL/dgi is one (T, B, 3H) array, dL/dW_hh one product over the T B rows of the stacked
    gate gradients and the stacked inputs, and dL/db_hh one sum over them. Readable mode runs
    the twin ``gru_sequence_composed``, a device the same loop with the kernels' cell (each
    cell is already one kernel forward and one backward there).
    """
    gi, h0, weight_hh = _check(gi, h0, weight_hh, bias_hh, 3, "gru_sequence", sequence=True)
    run = fused(gru_sequence_composed, _gru_sequence_kernels, _gru_sequence_host)
    return run(gi, h0, weight_hh, bias_hh, reverse)


def _gru_sequence_kernels(gi, h0, weight_hh, bias_hh, reverse):
    """``gru_sequence`` on a device: the composed loop, with the kernels' cell at each step."""
    return gru_sequence_composed(gi, h0, weight_hh, bias_hh, reverse, cell=_gru_cell_kernels)


def _gru_sequence_host(gi, h0, weight_hh, bias_hh, reverse):
    """``gru_sequence`` on the CPU: ``_gru_step_arrays`` at every step into preallocated
    (T, ...) arrays, ``_gate_grads`` at every step backward."""
    xp = backend.xp
    T, B, H = gi.shape[0], h0.shape[0], h0.shape[1]
    steps = _time_steps(T, reverse)
    dtype = xp.result_type(h0.dtype, weight_hh.dtype)               # as gru_cell's gh
    outputs = xp.empty((T, B, H), dtype=dtype)
    # what backward reads, for every step: r and z, n, h - n and the n block of gh
    rz_all = xp.empty((T, 2, B, H), dtype=dtype)
    n_all = xp.empty((T, B, H), dtype=dtype)
    h_minus_n_all = xp.empty((T, B, H), dtype=dtype)
    gh_n_all = [None] * T
    gi_data, h = gi.data, h0.data
    for t in steps:
        _, gh_n_all[t], _, _, h = _gru_step_arrays(gi_data[t], h, weight_hh, bias_hh,
                                                   rz_all[t], n_all[t], h_minus_n_all[t],
                                                   outputs[t])

    def backward(g):
        dtype_g = xp.result_type(dtype, g.dtype)
        dgi = xp.empty((T, B, 3 * H), dtype=dtype_g)
        dgh = xp.empty((T, B, 3 * H), dtype=dtype_g)
        dh = None                    # the gradient reaching a step's h from the later steps
        for t in reversed(steps):    # the steps in the order opposite to forward
            rz, n = rz_all[t], n_all[t]
            dh_new = g[t] if dh is None else g[t] + dh
            d_rz, da_n = _gate_grads(dh_new, rz, n, gh_n_all[t], h_minus_n_all[t])
            xp.concatenate((d_rz[0], d_rz[1], da_n), axis=1, out=dgi[t])
            da_n *= rz[0]                                            # now dgh_n = da_n r
            xp.concatenate((d_rz[0], d_rz[1], da_n), axis=1, out=dgh[t])
            if t == steps[0] and not h0.requires_grad:
                dh = None                                            # no h0 gradient wanted
                break
            dh = dgh[t] @ weight_hh.data                             # to the step before
            dh += dh_new * rz[1]
        # the h each step read: h0 and the outputs but the last, in the steps' order
        first = h0.data[None].astype(dtype, copy=False)
        inputs = (xp.concatenate((outputs[1:], first)) if reverse
                  else xp.concatenate((first, outputs[:-1])))           # (T, B, H)
        rows = dgh.reshape(T * B, 3 * H)
        dw = WeightGrad(rows, inputs.reshape(T * B, H)) if weight_hh.requires_grad else None
        db = rows.sum(axis=0) if bias_hh is not None and bias_hh.requires_grad else None
        return dgi, dh, dw, db
    parents = (gi, h0, weight_hh) + (() if bias_hh is None else (bias_hh,))
    return Tensor._from_op(outputs, parents, backward, "gru_sequence")


# -- LSTM -----------------------------------------------------------------------------------

def lstm_cell_composed(gi, h, c, weight_hh, bias_hh=None):
    """The readable twin of ``lstm_cell``, from primitive ops."""
    H = h.shape[-1]
    a = add(gi, linear(h, weight_hh, bias_hh))

    def gate(k):
        return getitem(a, (slice(None), slice(k * H, (k + 1) * H)))
    i, f, g, o = sigmoid(gate(0)), sigmoid(gate(1)), tanh(gate(2)), sigmoid(gate(3))
    c_new = add(mul(f, c), mul(i, g))
    return stack([mul(o, tanh(c_new)), c_new])


def lstm_cell(gi, h, c, weight_hh, bias_hh=None):
    """One LSTM step, fused: (gi (B, 4H), h (B, H), c (B, H)) -> stacked [h', c'] (2, B, H).

    Take h' and c' with ``out[0]`` and ``out[1]``. Backward, with dh', dc' incoming:
        tc = tanh(c')                dc = dc' + dh' o (1 - tc^2)
        da_i = dc g i (1 - i)        da_f = dc c f (1 - f)
        da_g = dc i (1 - g^2)        da_o = dh' tc o (1 - o)
        dgi = dgh = [da_i, da_f, da_g, da_o]      dc (to the previous cell) = dc f
        dh = dgh W_hh                dW_hh = dgh^T h           db_hh = sum of dgh over rows
    """
    gi, h, weight_hh = _check(gi, h, weight_hh, bias_hh, 4, "lstm_cell")  # in both modes
    c = as_tensor(c, "lstm_cell")
    if c.shape != h.shape:
        raise ValueError(f"lstm_cell: c has shape {c.shape}, expected h's shape {h.shape}")
    check_same_backend(h, c, "lstm_cell")
    return fused(lstm_cell_composed, _lstm_cell_kernels, _lstm_cell_host)(gi, h, c, weight_hh,
                                                                          bias_hh)


def _lstm_cell_host(gi, h, c, weight_hh, bias_hh):
    """``lstm_cell`` on the CPU, on arrays, with the backward of its docstring."""
    xp = backend.xp
    H = h.shape[1]
    a = gi.data + _hidden_projection(h.data, weight_hh, bias_hh)     # (B, 4H)
    i = sigmoid_array(a[:, :H])
    f = sigmoid_array(a[:, H:2 * H])
    g = xp.tanh(a[:, 2 * H:3 * H])
    o = sigmoid_array(a[:, 3 * H:])
    c_new = f * c.data + i * g
    tc = xp.tanh(c_new)
    out = xp.stack([o * tc, c_new])                                  # (2, B, H)

    def backward(grad):
        dh_new, dc_new = grad[0], grad[1]
        dc = dc_new + dh_new * o * (1 - tc * tc)
        da = xp.empty_like(a)                                        # (B, 4H)
        da[:, :H] = dc * g * i * (1 - i)
        da[:, H:2 * H] = dc * c.data * f * (1 - f)
        da[:, 2 * H:3 * H] = dc * i * (1 - g * g)
        da[:, 3 * H:] = dh_new * tc * o * (1 - o)
        dh, dw, db = _hidden_grads(da, h, weight_hh, bias_hh)
        return (da, dh, dc * f if c.requires_grad else None, dw, db)
    parents = (gi, h, c, weight_hh) + (() if bias_hh is None else (bias_hh,))
    return Tensor._from_op(out, parents, backward, "lstm_cell")


def _lstm_cell_kernels(gi, h, c, weight_hh, bias_hh):
    """``lstm_cell`` on a device: one matmul and one kernel forward, one kernel and one matmul
    backward (plus the bias's sum over rows)."""
    xp = backend.xp
    B, H = h.shape
    dtype = h.dtype
    c_data = kernels.contiguous(c.data)
    gh = kernels.contiguous(h.data) @ weight_hh.data.T                      # (B, 4H), bias in-kernel
    out = xp.empty((2, B, H), dtype=dtype)                           # [h', c']
    saved = xp.empty((5, B, H), dtype=dtype)                         # i, f, g, o, tanh(c')
    kernels.launch("lstm_forward", B * H, dtype, kernels.contiguous(gi.data), gh,
                   *_bias_args(bias_hh, gh), c_data, out, saved, B, H)

    def backward(grad):
        da = xp.empty((B, 4 * H), dtype=dtype)
        dc = xp.empty((B, H), dtype=dtype)
        kernels.launch("lstm_backward", B * H, dtype, kernels.contiguous(grad), c_data, saved, da,
                       dc, B, H)
        dh, dw, db = _hidden_grads(da, h, weight_hh, bias_hh)
        return (da, dh, dc if c.requires_grad else None, dw, db)
    parents = (gi, h, c, weight_hh) + (() if bias_hh is None else (bias_hh,))
    return Tensor._from_op(out, parents, backward, "lstm_cell")
