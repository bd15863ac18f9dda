"""The backward pass: accumulation, broadcasting, no_grad, detach, errors, deep graphs, release."""
import gc
import weakref

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import fast_grads, ops
from engine_checks import check_gradients, compare_with_torch, host


def randn(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


def test_a_tensor_used_twice_accumulates(float64):
    x_host = randn(3)
    x = mg.Tensor(x_host, requires_grad=True)
    (x * x + x).sum().backward()                    # d/dx (x^2 + x) = 2x + 1
    np.testing.assert_allclose(host(x.grad), 2 * x_host + 1, rtol=1e-15)


def test_a_zero_dim_tensor_used_three_times_sums_every_gradient(float64):
    """NumPy turns the sum of two 0-d gradients into a scalar, which a third in-place add
    would leave unchanged: the sum must stay an array."""
    s = mg.Tensor(np.array(2.0), requires_grad=True)
    t = s * 1.0
    (t * 3.0 + t * 4.0 + t * 5.0).backward()
    assert float(host(s.grad)) == 12.0


def test_diamond_graph_matches_torch():
    def f(x):
        a = x.tanh()
        return (a * x.exp() + a.sigmoid() * a) / (1 + x * x)
    compare_with_torch(f, f, [randn(2, 3)], "float64")
    check_gradients(f, [randn(2, 3)])


def test_leaf_grads_accumulate_across_backward_calls(float64):
    x = mg.Tensor(randn(2, 2), requires_grad=True)
    (x * 3).sum().backward()
    (x * 4).sum().backward()
    np.testing.assert_array_equal(host(x.grad), np.full((2, 2), 7.0))


def test_broadcast_gradients_are_summed_back_to_input_shapes():
    shapes = [(2, 3, 4), (3, 1), (4,), ()]
    arrays = [randn(*s, seed=i) for i, s in enumerate(shapes)]

    def f(a, b, c, d):
        return a * b + c * d - b / (1 + c * c)
    inputs, _ = compare_with_torch(f, f, arrays, "float64")
    assert [t.grad.shape for t in inputs] == shapes


def test_no_grad_records_nothing():
    x = mg.Tensor(randn(2, 3), requires_grad=True)
    with mg.no_grad():
        assert not mg.is_grad_enabled()
        y = (x * 2).tanh().sum()
    assert mg.is_grad_enabled()
    assert not y.requires_grad and y._parents == () and y._backward is None
    with pytest.raises(RuntimeError, match="backward: this tensor does not require grad"):
        y.backward()


def test_no_grad_restores_the_mode_after_an_error():
    with pytest.raises(ZeroDivisionError):
        with mg.no_grad():
            1 / 0
    assert mg.is_grad_enabled()
    with mg.no_grad():
        with mg.no_grad():
            pass
        assert not mg.is_grad_enabled()


def test_detach_cuts_the_graph_and_shares_the_data(float64):
    x_host = randn(3)
    x = mg.Tensor(x_host, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.data is x.data
    (d * x).sum().backward()                        # d is a constant: the gradient is x, not 2x
    np.testing.assert_allclose(host(x.grad), x_host, rtol=1e-15)


def test_inputs_without_requires_grad_get_no_grad():
    x = mg.Tensor(randn(3), requires_grad=True)
    c = mg.Tensor(randn(3))
    y = x * c
    (y * c).sum().backward()
    assert c.grad is None
    assert y.grad is None          # intermediate gradients are not kept


def test_backward_twice_on_one_graph_raises():
    x = mg.Tensor(randn(3), requires_grad=True)
    loss = (x.tanh() * 2).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward: this part of the graph was already used by "
                                           "an earlier backward"):
        loss.backward()


def test_second_loss_through_a_released_subgraph_raises():
    x = mg.Tensor(randn(3), requires_grad=True)
    h = x.tanh() * 2
    h.sum().backward()
    with pytest.raises(RuntimeError, match="already used by an earlier backward"):
        (h * 3).sum().backward()


def test_backward_from_a_non_scalar_needs_a_grad():
    y = mg.Tensor(randn(2, 3), requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"backward: the tensor has shape \(2, 3\); a gradient "
                                           r"can be implied only for a one-element tensor"):
        y.backward()


def test_backward_with_a_wrong_grad_shape():
    y = mg.Tensor(randn(2, 3), requires_grad=True) * 2
    with pytest.raises(ValueError, match=r"backward: grad has shape \(3,\), expected the tensor's "
                                         r"shape \(2, 3\)"):
        y.backward(np.ones(3))


@pytest.mark.parametrize("kind", ["host array", "tensor", "backend array"])
def test_backward_with_an_explicit_grad(kind, float64):
    upstream = randn(2, 3, seed=9)
    given = {"host array": upstream, "tensor": mg.Tensor(upstream),
             "backend array": mg.backend.asarray(upstream)}[kind]
    x = mg.Tensor(randn(2, 3), requires_grad=True)
    y = x.exp() * 2
    y.backward(given)
    x_t = torch.tensor(randn(2, 3), requires_grad=True)
    (x_t.exp() * 2).backward(torch.from_numpy(upstream))
    np.testing.assert_allclose(host(x.grad), x_t.grad.numpy(), rtol=1e-12)
    np.testing.assert_array_equal(host(given), upstream)   # the caller's grad is not modified


def test_one_element_non_scalar_backward():
    x = mg.Tensor(randn(1, 1), requires_grad=True)
    (x * 3).backward()
    np.testing.assert_array_equal(host(x.grad), np.full((1, 1), 3.0, np.float32))


def test_a_chain_of_5000_ops_does_not_recurse(float64):
    """Backward is iterative: a graph 5000 ops deep neither overflows the stack nor fails."""
    x_host = np.array([0.3, -0.2])

    def chain(t, lib_tanh):
        for _ in range(5000):
            t = lib_tanh(t * 0.999)
        return t
    x = mg.Tensor(x_host, requires_grad=True)
    y = chain(x, ops.tanh)
    y.sum().backward()
    x_t = torch.tensor(x_host, requires_grad=True)
    chain(x_t, torch.tanh).sum().backward()
    np.testing.assert_allclose(host(y), chain(torch.tensor(x_host), torch.tanh).numpy(),
                               rtol=1e-10)
    np.testing.assert_allclose(host(x.grad), x_t.grad.numpy(), rtol=1e-10)


def test_a_long_rnn_of_gru_cells():
    """2000 GRU steps sharing one weight: one graph node per step, backward without recursion."""
    rng = np.random.default_rng(0)
    H = 3
    w = mg.Tensor(rng.uniform(-0.5, 0.5, (3 * H, H)), requires_grad=True)
    gi = mg.Tensor(rng.standard_normal((2, 3 * H)) * 0.1, requires_grad=True)
    h = mg.Tensor(np.zeros((2, H)))
    for _ in range(2000):
        h = ops.gru_cell(gi, h, w)
    h.sum().backward()
    assert np.isfinite(host(w.grad)).all() and np.isfinite(host(gi.grad)).all()
    assert host(w.grad).any()


def test_graph_is_released_after_backward():
    x = mg.Tensor(randn(4, 3), requires_grad=True)
    hidden = x.tanh()
    probe = weakref.ref(hidden)
    loss = (hidden * hidden).sum()
    del hidden
    gc.collect()
    assert probe() is not None                       # the graph holds the intermediate...
    loss.backward()
    assert loss._parents == ()
    assert probe() is None                           # ...and lets it go after backward


def test_graph_is_freed_without_backward_and_without_the_cycle_collector():
    gc.disable()
    try:
        x = mg.Tensor(randn(4, 3), requires_grad=True)
        hidden = x.exp()
        probe = weakref.ref(hidden)
        loss = (hidden.tanh() * 2).sum()
        del hidden, loss                             # reference counting alone frees it
        assert probe() is None
    finally:
        gc.enable()


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_slicing_time_steps(dtype):
    """Taking the T steps of one (T, B, F) tensor (the SliceGrad path), also mixed with a dense
    use of the same tensor and with integer-array indexing, matches PyTorch."""
    T, B, F, H = 6, 2, 3, 4
    rng = np.random.default_rng(3)
    arrays = [rng.standard_normal((T, B, F)), rng.standard_normal((F, H)) * 0.5,
              rng.standard_normal((H, H)) * 0.5]

    def rnn(X, W, U, lib):
        h, outputs = None, []
        for t in range(T):
            h = (X[t] @ W if h is None else X[t] @ W + h @ U).tanh()
            outputs.append(h)
        steps = lib.stack(outputs) if lib is torch else ops.stack(outputs)
        index = np.array([0, 0, T - 1])
        picked = X[torch.from_numpy(index)] if lib is torch else X[index]
        return steps.sum(0) + X.sum(0) @ W * 0.1 + picked.sum(0) @ W + X[1:3].sum(0) @ W

    compare_with_torch(lambda X, W, U: rnn(X, W, U, mg), lambda X, W, U: rnn(X, W, U, torch),
                       arrays, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("dense_first", [True, False])
@pytest.mark.parametrize("rows_per_product", [1024, 4])
def test_a_weight_used_at_every_step_sums_its_weight_grads(dtype, dense_first,
                                                          rows_per_product, monkeypatch):
    """WeightGrad: W used by linear at every step, by a column slice, by matmul through its
    transpose and by plain arithmetic gets the sum of all those gradients, whichever of them
    the walk meets first; a weight used only by linear merges all its products (with a small
    ``rows_per_product``, multiplying them out into a running total on the way)."""
    monkeypatch.setattr(fast_grads.WeightGrad, "rows_per_product", rows_per_product)
    T, B, F, O = 5, 3, 4, 6
    arrays = [randn(T, B, F, seed=1), randn(O, F, seed=2) * 0.5, randn(O, F, seed=3) * 0.5]

    def net(X, W, V, lib):
        linear = ops.linear if lib is mg else torch.nn.functional.linear
        total = (W * W).sum() * 0.1 if dense_first else 0.0
        for t in range(T):
            total = total + linear(X[t], W).tanh().sum() + linear(X[t], V).sigmoid().sum()
            if t == 2:
                total = total + linear(X[t][:, :2], W[:, :2]).sum() + (X[t] @ W.T).sum()
        return total if dense_first else total + (W * W).sum() * 0.1

    compare_with_torch(lambda X, W, V: net(X, W, V, mg), lambda X, W, V: net(X, W, V, torch),
                       arrays, dtype)


def test_weight_grad_sums_its_products_without_changing_its_parts(float64):
    rng = np.random.default_rng(4)
    a1, b1, a2, b2 = (rng.standard_normal(shape) for shape in ((3, 5), (3, 2), (4, 5), (4, 2)))
    first = fast_grads.WeightGrad(mg.Tensor(a1).data, mg.Tensor(b1).data)
    second = fast_grads.WeightGrad(mg.Tensor(a2).data, mg.Tensor(b2).data)
    both = first.copy()
    both.add(second)
    np.testing.assert_allclose(host(both.dense()), a1.T @ b1 + a2.T @ b2, rtol=1e-13)
    np.testing.assert_allclose(host(first.dense()), a1.T @ b1, rtol=1e-13)   # unchanged
    buffer = mg.Tensor(np.ones((5, 2))).data
    np.testing.assert_allclose(host(second.add_into(buffer)), 1 + a2.T @ b2, rtol=1e-13)


def test_weight_grad_multiplies_out_once_it_holds_enough_rows(float64, monkeypatch):
    """The factors a WeightGrad keeps alive stay bounded: past ``rows_per_product`` rows they
    become one product in a running total; the sum is the same."""
    monkeypatch.setattr(fast_grads.WeightGrad, "rows_per_product", 8)
    rng = np.random.default_rng(5)
    pairs = [(rng.standard_normal((3, 4)), rng.standard_normal((3, 2))) for _ in range(10)]
    total = fast_grads.WeightGrad(*(mg.Tensor(x).data for x in pairs[0]))
    for a, b in pairs[1:]:
        total.add(fast_grads.WeightGrad(mg.Tensor(a).data, mg.Tensor(b).data))
        assert total.rows < 8 and len(total.lefts) < 3      # never more than 8 rows held
    other = total.copy()
    np.testing.assert_allclose(host(total.dense()), sum(a.T @ b for a, b in pairs), rtol=1e-13)
    other.add(fast_grads.WeightGrad(mg.Tensor(pairs[0][0]).data, mg.Tensor(pairs[0][1]).data))
    np.testing.assert_allclose(host(other.dense()),
                               sum(a.T @ b for a, b in pairs) + pairs[0][0].T @ pairs[0][1],
                               rtol=1e-13)   # a copy with a running total adds on its own
    a, b = rng.standard_normal((9, 4)), rng.standard_normal((9, 2))
    large = fast_grads.WeightGrad(mg.Tensor(a).data, mg.Tensor(b).data)   # 9 rows: at once
    assert large.lefts == [] and large.rows == 0
    np.testing.assert_allclose(host(large.dense()), a.T @ b, rtol=1e-13)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("dense_first", [True, False])
@pytest.mark.parametrize("rows_per_sum", [1024, 4, 2])
def test_a_bias_used_at_every_step_sums_its_rows(dtype, dense_first, rows_per_sum,
                                                 monkeypatch):
    """BiasGrad: a bias b added by linear at every step, by a GRU cell (its b_hh) and by
    plain arithmetic gets the sum of all those gradients, whichever the walk meets first
    (with a small ``rows_per_sum``, summing the rows out into a running total on the way;
    with 2, each step's 3 rows are summed as they arrive)."""
    monkeypatch.setattr(fast_grads.BiasGrad, "rows_per_sum", rows_per_sum)
    T, B, F, H = 5, 3, 4, 2
    arrays = [randn(T, B, F, seed=1), randn(3 * H, F, seed=2) * 0.5, randn(3 * H, seed=3),
              randn(3 * H, H, seed=4) * 0.5]

    def net(X, W, b, U, lib):
        if lib is mg:
            linear, cell = ops.linear, lambda gi, h: ops.gru_cell(gi, h, U, b)
        else:
            torch_cell = gru_cell_torch(U, b)
            linear, cell = torch.nn.functional.linear, torch_cell
        total = (b * b).sum() * 0.1 if dense_first else 0.0
        h = X[0][:, :H] * 0.0
        for t in range(T):
            gi = linear(X[t], W, b)                                    # (B, 3H)
            total = total + gi.tanh().sum()
            h = cell(gi, h)
        total = total + (h * h).sum()
        return total if dense_first else total + (b * b).sum() * 0.1

    compare_with_torch(lambda *a: net(*a, mg), lambda *a: net(*a, torch), arrays, dtype)


def gru_cell_torch(U, b):
    """torch's GRU cell equations for a precomputed gi, as ops.gru_cell takes it."""
    def cell(gi, h):
        gh = torch.nn.functional.linear(h, U, b)
        H = h.shape[-1]
        r = torch.sigmoid(gi[:, :H] + gh[:, :H])
        z = torch.sigmoid(gi[:, H:2 * H] + gh[:, H:2 * H])
        n = torch.tanh(gi[:, 2 * H:] + r * gh[:, 2 * H:])
        return (1 - z) * n + z * h
    return cell


def test_bias_grad_sums_its_rows_without_changing_its_parts(float64, monkeypatch):
    """A BiasGrad's sum is the sum of its terms' rows; copies add on their own; past
    ``rows_per_sum`` rows the terms become a running total, so few stay alive."""
    rng = np.random.default_rng(6)
    terms = [rng.standard_normal((3, 5)) for _ in range(6)]
    first = fast_grads.BiasGrad(mg.Tensor(terms[0]).data)
    both = first.copy()
    both.add(fast_grads.BiasGrad(mg.Tensor(terms[1]).data))
    np.testing.assert_allclose(host(both.dense()), terms[0].sum(0) + terms[1].sum(0),
                               rtol=1e-13)
    np.testing.assert_allclose(host(first.dense()), terms[0].sum(0), rtol=1e-13)  # unchanged
    buffer = mg.Tensor(np.ones(5)).data
    np.testing.assert_allclose(host(fast_grads.BiasGrad(mg.Tensor(terms[2]).data)
                                    .add_into(buffer)), 1 + terms[2].sum(0), rtol=1e-13)
    monkeypatch.setattr(fast_grads.BiasGrad, "rows_per_sum", 7)
    total = fast_grads.BiasGrad(mg.Tensor(terms[0]).data)
    for term in terms[1:]:
        total.add(fast_grads.BiasGrad(mg.Tensor(term).data))
        assert total.rows < 7 and len(total.parts) < 3        # never more than 6 rows held
    other = total.copy()
    np.testing.assert_allclose(host(total.dense()), sum(t.sum(0) for t in terms), rtol=1e-13)
    other.add(fast_grads.BiasGrad(mg.Tensor(terms[0]).data))
    np.testing.assert_allclose(host(other.dense()),
                               sum(t.sum(0) for t in terms) + terms[0].sum(0), rtol=1e-13)
    large_rows = rng.standard_normal((8, 5))
    large = fast_grads.BiasGrad(mg.Tensor(large_rows).data)       # 8 rows: summed at once
    assert large.parts == [] and large.rows == 0
    small = fast_grads.BiasGrad(mg.Tensor(terms[1]).data)
    small.add(large)                                             # a term that is a total
    np.testing.assert_allclose(host(small.dense()), terms[1].sum(0) + large_rows.sum(0),
                               rtol=1e-13)
    np.testing.assert_allclose(host(large.dense()), large_rows.sum(0), rtol=1e-13)
    held = fast_grads.BiasGrad(mg.Tensor(terms[2]).data)        # a running total and rows
    held.add(fast_grads.BiasGrad(mg.Tensor(large_rows).data))
    held.add(fast_grads.BiasGrad(mg.Tensor(terms[3]).data))
    twin = held.copy()
    held.dense()                              # sums the original's rows into its total
    held.add(fast_grads.BiasGrad(mg.Tensor(terms[4]).data))
    held.dense()
    np.testing.assert_allclose(host(twin.dense()),
                               terms[2].sum(0) + large_rows.sum(0) + terms[3].sum(0),
                               rtol=1e-13)    # the copy's total is its own
    assert total.shape == (5,) and "BiasGrad(shape=(5,)" in repr(total)


@pytest.mark.fused
@pytest.mark.numpy_only     # counted on the strict backend (the conftest restores the backend)
def test_a_bias_used_at_t_steps_gets_its_gradient_in_two_operations():
    """T uses of one bias: one concatenation of their rows and one sum, not T sums and T - 1
    additions (kernel launches on a GPU)."""
    from minigrad.testing import counter
    mg.set_backend("strict")
    T = 6
    X = mg.Tensor(randn(T, 3, 4))
    W = mg.Tensor(randn(5, 4), requires_grad=True)
    b = mg.Tensor(randn(5), requires_grad=True)
    total = ops.linear(X[0], W, b).tanh().sum()
    for t in range(1, T):
        total = total + ops.linear(X[t], W, b).tanh().sum()
    with counter.counting() as counts:
        total.backward()
    bias_ops = sum(n for site, n in counts.op_sites.items() if "_sum_out" in site)
    assert bias_ops == 2, counts.op_sites
    assert counts.by_op["sum"] == 1, counts.by_op


def test_slices_of_a_leaf_add_up(float64):
    x_host = randn(5, 2)
    x = mg.Tensor(x_host, requires_grad=True)
    (x[0] * 2 + x[0] + x[1:4].sum(0) + x[-1] * x[-1]).sum().backward()
    expected = np.zeros((5, 2))
    expected[0], expected[1:4], expected[4] = 3.0, 1.0, 2 * x_host[4]
    np.testing.assert_allclose(host(x.grad), expected, rtol=1e-15)


@pytest.mark.parametrize("kind", ["leaf", "inner"])
def test_rows_taken_more_than_once_and_a_whole_first_axis_match_torch(kind, float64):
    """A decoder's (layers, B, H) state read as state[0], state[1] and state[-1] (its top
    layer twice), and a (1, B, 3H) tensor read as gates[0] (its only row): the gradients are
    a stack of row sums and a reshape of values, held to torch."""
    state_host, gates_host, w_host = randn(2, 3, 4), randn(1, 3, 6, seed=1), randn(4, seed=2)

    def loss(state, gates, w, lib):
        if kind == "inner":
            state, gates = state * 1.5, gates.tanh()
        top = state[-1] * w
        return ((state[0] * state[1]).sum() + (top * top).sum() + gates[0].sum()
                + (gates[0] * gates[0]).sum() + state[1].sum())
    tensors = [mg.Tensor(a, requires_grad=True) for a in (state_host, gates_host, w_host)]
    loss(*tensors, mg).backward()
    reference = [torch.tensor(a, requires_grad=True) for a in (state_host, gates_host, w_host)]
    loss(*reference, torch).backward()
    for ours, theirs in zip(tensors, reference):
        np.testing.assert_allclose(host(ours.grad), theirs.grad.numpy(), rtol=1e-12)


@pytest.mark.parametrize("index", [1, -1, (0, 2), (1, Ellipsis), (), np.int64(2)],
                         ids=["1", "-1", "(0, 2)", "(1, ...)", "()", "int64"])
def test_gradients_of_single_elements_reach_the_tensor(index, float64):
    """x[i] of a 1-D x and x[i, j] of a 2-D one pick one element: NumPy gives a copy there,
    not a view, so the gradient must still be added into the tensor's buffer."""
    x_host = randn(3) if index in (1, -1) or type(index) is np.int64 else randn(2, 3)
    if type(index) is tuple and not index:
        x_host = np.array(1.5)

    def loss(x):
        inner = x * 2.0
        return inner[index] * 3.0 + (inner * inner).sum()     # the element and all of x
    x = mg.Tensor(x_host, requires_grad=True)
    loss(x).sum().backward()
    reference = torch.tensor(x_host, requires_grad=True)
    loss(reference).sum().backward()
    np.testing.assert_allclose(host(x.grad), reference.grad.numpy(), rtol=1e-13)
    chained = mg.Tensor(randn(2, 3), requires_grad=True)
    ((chained * 1.0)[1][2] * 5.0).backward()                    # x[1] then [2]
    expected = np.zeros((2, 3))
    expected[1, 2] = 5.0
    np.testing.assert_array_equal(host(chained.grad), expected)


@pytest.mark.parametrize("index", ["mask", "ids", "slice"])
def test_two_gathers_of_one_tensor_add_up_as_in_torch(index, float64):
    """x[mask] and x[ids] are copies, x[1:] a view: the gradients of two such reads of one
    inner tensor are added into one buffer, each kind its own way."""
    picks = {"mask": np.array([True, False, True, True]), "ids": np.array([3, 0, 3]),
             "slice": slice(1, None)}
    x_host = randn(4, 3)

    def loss(x, lib):
        inner = x * 2.0
        return (inner[picks[index]] ** 2).sum() + inner[picks[index]].sum() + inner[0].sum()
    x = mg.Tensor(x_host, requires_grad=True)
    loss(x, mg).backward()
    reference = torch.tensor(x_host, requires_grad=True)
    loss(reference, torch).backward()
    np.testing.assert_allclose(host(x.grad), reference.grad.numpy(), rtol=1e-13)


def test_the_gradient_of_a_whole_first_axis_is_not_shared_with_another_tensor(float64):
    """gates[0] of a (1, B, F) leaf hands back values reshaped, without a copy: the leaf's
    .grad must still be its own array, which a later accumulation may change in place."""
    gates = mg.Tensor(randn(1, 2, 3), requires_grad=True)
    other = mg.Tensor(randn(2, 3, seed=1), requires_grad=True)
    row = gates[0]
    (row + other).sum().backward()          # add's backward hands the same g to both
    assert not np.shares_memory(host(gates.grad), host(other.grad))
    gates.grad += 1.0
    np.testing.assert_array_equal(host(other.grad), np.ones((2, 3)))


def test_a_leaf_grad_keeps_the_leaf_dtype_as_in_torch():
    """A float32 weight meeting float64 data computes in float64 (NumPy's and torch's
    promotion), but its gradient stays float32, as torch's does: an optimizer step must not
    meet a float64 gradient for a float32 parameter."""
    mg.set_default_dtype("float64")
    c = mg.Tensor(randn(2, 3))
    mg.set_default_dtype("float32")
    w = mg.Tensor(randn(3, seed=1), requires_grad=True)
    y = (w * c).tanh()
    tw = torch.tensor(randn(3, seed=1), dtype=torch.float32, requires_grad=True)
    ty = (tw * torch.tensor(randn(2, 3))).tanh()
    assert y.dtype == np.float64 and ty.dtype == torch.float64
    y.sum().backward()
    ty.sum().backward()
    assert w.grad.dtype == np.float32 and tw.grad.dtype == torch.float32
    np.testing.assert_allclose(host(w.grad), tw.grad.numpy(), rtol=1e-6)
    (w * c).sum().backward()                         # accumulation keeps it too
    assert w.grad.dtype == np.float32


@pytest.mark.parametrize("readable", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_the_grad_of_a_0d_leaf_is_an_array_of_its_dtype_in_both_modes(readable, dtype):
    """A 0-d leaf's gradient came out a NumPy scalar in the fast mode (0-d arithmetic returns
    scalars); torch's, and readable mode's, is a 0-d tensor of the leaf's dtype."""
    mg.set_readable(readable)
    mg.set_default_dtype(dtype)
    x = mg.Tensor(np.array(2.0, dtype=dtype), requires_grad=True)
    z = mg.Tensor(np.array(5.0, dtype=dtype), requires_grad=True)
    (x * 3.0 + z).sum().backward()
    for leaf, expected in ((x, 3.0), (z, 1.0)):
        assert type(leaf.grad) is type(leaf.data), type(leaf.grad)
        assert leaf.grad.shape == () and leaf.grad.dtype == np.dtype(dtype)
        assert host(leaf.grad) == expected
    assert x.grad is not z.grad
    (x * x).backward()                               # accumulated: still an array
    assert type(x.grad) is type(x.data) and host(x.grad) == 7.0
    tx = torch.tensor(2.0, dtype=getattr(torch, dtype), requires_grad=True)
    (tx * 3.0).sum().backward()
    assert tx.grad.shape == () and str(tx.grad.dtype) == f"torch.{dtype}"
