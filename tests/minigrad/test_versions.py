"""The engine refuses what PyTorch refuses: an input changed in place between forward and
backward (version counters), a shared caller's array (Tensor copies), and
grad mode leaking across threads."""
import threading

import numpy as np
import pytest
import torch

import minigrad as mg


def test_an_optimizer_step_between_forward_and_backward_is_an_error_naming_the_op():
    w = mg.nn.Linear(3, 2)
    loss = (w(mg.Tensor(np.ones((4, 3)))).tanh() ** 2).sum()
    optimizer = mg.optim.Adam(w.parameters(), lr=0.1)
    for p in w.parameters():
        p.grad = mg.Tensor(np.ones(p.shape)).data
    optimizer.step()
    with pytest.raises(RuntimeError, match=r"^backward: an input of \w+ \(shape \(\d, \d\)"
                                           r".*was changed in place after"):
        loss.backward()


@pytest.mark.parametrize("make", [lambda ps: mg.optim.SGD(ps, lr=0.1),
                                  lambda ps: mg.optim.Adam(ps, lr=0.1)])
def test_a_forward_pass_after_the_step_backpropagates_as_usual(make):
    w = mg.nn.Linear(3, 2)
    optimizer = make(w.parameters())
    for _ in range(2):
        loss = (w(mg.Tensor(np.ones((4, 3)))) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert all(p.grad is not None for p in w.parameters())


def test_bump_version_makes_the_graph_that_used_the_tensor_stale():
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    z = (y * 3.0).sum()
    mg.bump_version(y)                  # as an in-place write into y under no_grad does
    with pytest.raises(RuntimeError, match=r"an input of mul .*shape \(2,\)"):
        z.backward()
    w = (y * 3.0).sum()                 # made after the change, but y's own node is stale
    with pytest.raises(RuntimeError, match=r"the output of mul .*shape \(2,\).* changed in"):
        w.backward()
    y = x * x                           # a fresh forward pass: fine
    (y * 3.0).sum().backward()
    np.testing.assert_allclose(mg.backend.to_numpy(x.grad), [6.0, 12.0])


def test_tensor_copies_the_callers_array():
    array = np.array([1.0, 2.0])
    x = mg.Tensor(array, requires_grad=True)
    y = (x * x).sum()
    array[:] = 100.0                    # the caller's array changes after the forward pass
    y.backward()
    np.testing.assert_allclose(mg.backend.to_numpy(x.grad), [2.0, 4.0])
    ints = np.array([1, 2])
    assert mg.Tensor(ints).data is not ints
    if hasattr(mg, "from_numpy") and mg.get_backend() == "numpy":   # (the surface's)
        shared = mg.from_numpy(array)
        array[0] = -1.0
        assert shared.numpy()[0] == -1.0


def test_grad_mode_is_per_thread():
    seen, inside, done = {}, threading.Event(), threading.Event()

    def other():
        inside.wait()
        x = mg.Tensor([1.0], requires_grad=True)
        seen["enabled"], seen["records"] = mg.is_grad_enabled(), (x * 2).requires_grad
        done.set()

    thread = threading.Thread(target=other)
    thread.start()
    with mg.no_grad():
        inside.set()
        done.wait(10)
        assert not mg.is_grad_enabled()
    thread.join()
    assert seen == {"enabled": True, "records": True}


def test_a_leaf_whose_grad_has_another_shape_is_refused_at_backward():
    x = mg.Tensor(np.ones(3), requires_grad=True)
    loss = (x * x).sum()
    x.grad = mg.Tensor(np.ones((2, 3))).data        # would broadcast the gradient into it
    with pytest.raises(RuntimeError, match=r"^backward: a leaf tensor of shape \(3,\) holds a "
                                           r"\.grad of shape \(2, 3\)"):
        loss.backward()
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(mg.backend.to_numpy(x.grad), [2.0, 2.0, 2.0])


def test_an_op_that_read_a_tensor_before_item_assignment_refuses_backward():
    # torch would give [2, 4, 4] here through its view tracking; a graph of tensors cannot,
    # so the sum that read y before y[0] = 0 refuses instead of a wrong [0, 4, 4]
    x = mg.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    z = y.sum()
    y[0] = 0.0
    with pytest.raises(RuntimeError, match=r"backward: an input of sum .* changed in place"):
        (z + y.sum()).backward()


def test_item_assignment_before_any_use_keeps_torch_gradient():
    x = mg.tensor([1., 2., 3.], requires_grad=True)
    y = x * 2
    y[0] = 0.0
    y.sum().backward()
    np.testing.assert_array_equal(mg.backend.to_numpy(x.grad), [0., 2., 2.])


def test_writing_into_a_constant_an_op_saved_refuses_backward_as_torch():
    w = mg.tensor([1., 2., 3.], requires_grad=True)
    x = mg.ones(3)
    y = x * w
    x[0] = 5.0
    with pytest.raises(RuntimeError, match=r"backward: an input of mul .* changed in place"):
        y.sum().backward()
    tw = torch.tensor([1., 2., 3.], requires_grad=True)
    tx = torch.ones(3)
    ty = tx * tw
    tx[0] = 5.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def test_fill_moves_the_version_on():
    w = mg.tensor([1., 2., 3.], requires_grad=True)
    x = mg.ones(3)
    y = x * w
    x.fill_(2.0)
    with pytest.raises(RuntimeError, match=r"changed in place"):
        y.sum().backward()


@pytest.mark.parametrize("op, write", [("exp", lambda y: y.__setitem__(0, 5.0)),
                                       ("sigmoid", lambda y: y.fill_(0.5))])
def test_writing_into_an_ops_own_output_refuses_backward_as_torch(op, write):
    # exp and sigmoid keep their output for backward: a write into it would change the gradient
    x = mg.tensor([0., 1.], requires_grad=True)
    y = getattr(x, op)()
    with mg.no_grad():
        write(y)
    with pytest.raises(RuntimeError, match=rf"backward: the output of {op} .* changed in place"):
        y.sum().backward()
    tx = torch.tensor([0., 1.], requires_grad=True)
    ty = getattr(tx, op)()
    with torch.no_grad():
        write(ty)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.sum().backward()


def _saved_by_mul():
    """w * x with x a constant the product saves for w's gradient (torch's case too)."""
    w = mg.tensor([1., 2., 3.], requires_grad=True)
    x = mg.ones(2, 3)
    return w, x, (w * x).sum()


@pytest.mark.parametrize("write", [
    lambda x, nn: x.detach().fill_(5.0),                  # through a detach()
    lambda x, nn: x.detach().__setitem__(0, 5.0),
    lambda x, nn: x[0].fill_(5.0),                        # through a basic-index view
    lambda x, nn: x.reshape(6).__setitem__(1, 5.0),       # through a reshape (a view)
    lambda x, nn: nn.init.constant_(x[1:, :2], 5.0),      # an initialiser on a view
], ids=["detach-fill", "detach-setitem", "view-fill", "reshape-setitem", "init-view"])
def test_a_write_through_a_tensor_sharing_the_memory_refuses_backward_as_torch(write):
    """Versions were per tensor: these writes left x's own version alone and gave w's
    gradient from the new values, silently. As torch, the version is the memory's."""
    w, x, loss = _saved_by_mul()
    write(x, mg.nn)
    with pytest.raises(RuntimeError, match=r"^backward: an input of mul \(shape \(2, 3\)\) was "
                                           r"changed in place after mul used it .*sharing its "
                                           r"memory"):
        loss.backward()
    tw = torch.tensor([1., 2., 3.], requires_grad=True)
    tx = torch.ones(2, 3)
    tloss = (tw * tx).sum()
    write(tx, torch.nn)                                   # the same write, refused by torch
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        tloss.backward()


def test_a_write_into_a_view_of_an_ops_output_refuses_that_ops_backward():
    x = mg.tensor([0., 1.], requires_grad=True)
    y = x.exp()                                     # exp's backward uses its output
    with mg.no_grad():
        y.detach()[0] = 5.0
    with pytest.raises(RuntimeError, match=r"^backward: the output of exp .* changed in place"):
        y.sum().backward()


def test_a_copy_or_a_fresh_forward_pass_is_not_refused():
    w, x, loss = _saved_by_mul()
    x.clone().fill_(5.0)                            # a copy: its own memory
    mg.ones(2, 3).fill_(2.0)                        # another tensor altogether
    loss.backward()
    np.testing.assert_array_equal(mg.backend.to_numpy(w.grad), [2., 2., 2.])
    x.detach().fill_(2.0)                           # written before the next forward pass
    w.grad = None
    (w * x).sum().backward()
    np.testing.assert_array_equal(mg.backend.to_numpy(w.grad), [4., 4., 4.])


def test_a_raw_array_write_is_not_seen_unless_bumped():
    """The documented limit: a raw NumPy/CuPy write into .data never passes through minigrad;
    mg.bump_version after it makes backward refuse as for any in-place change."""
    w, x, loss = _saved_by_mul()
    x.data[0, 0] = 5.0                              # invisible to the counter
    mg.bump_version(x.detach())                     # ... until declared, through any tensor
    with pytest.raises(RuntimeError, match=r"an input of mul .* changed in place"):
        loss.backward()


@pytest.mark.parametrize("view", [lambda x: x.reshape(3, 2), lambda x: x[0], lambda x: x.T])
def test_item_assignment_into_a_view_of_a_weight_is_refused_as_torch(view):
    weight = mg.ones((2, 3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"view of a leaf tensor that requires grad"):
        view(weight)[0] = 9.0
    assert weight.numpy().tolist() == [[1.0] * 3] * 2         # the weight is unchanged


def test_item_assignment_into_a_view_of_a_computed_tensor_gives_torchs_gradient():
    weight = mg.ones((2, 3), requires_grad=True)
    v = (weight * 2).reshape(3, 2)
    v[0, 0] = 9.0
    v.sum().backward()
    tweight = torch.ones(2, 3, requires_grad=True)
    tv = (tweight * 2).reshape(3, 2)
    tv[0, 0] = 9.0
    tv.sum().backward()
    assert weight.grad.tolist() == tweight.grad.tolist()


def test_one_parameters_write_is_not_anothers_after_adam_packs_them():
    """Adam views every parameter into one flat buffer; the versions stay per parameter, as
    in readable mode (no packing) and torch: a write to w1 leaves a graph of w2 alone."""
    w1, w2 = mg.ones(3, requires_grad=True), mg.ones(3, requires_grad=True)
    optimizer = mg.optim.Adam([w1, w2], lr=0.1)
    for _ in range(2):
        optimizer.zero_grad()
        ((w1 * w1).sum() + (w2 * w2).sum()).backward()
        optimizer.step()
    w2.grad = None
    loss = (w2 * w2).sum()
    with mg.no_grad():
        w1.fill_(0.0)
    loss.backward()
    np.testing.assert_allclose(mg.backend.to_numpy(w2.grad), 2 * w2.numpy())
    loss = (w2 * w2).sum()
    with mg.no_grad():
        w2.fill_(0.0)
    with pytest.raises(RuntimeError, match=r"changed in place"):
        loss.backward()


def test_the_version_table_forgets_the_memory_of_arrays_that_died():
    temporaries = [mg.zeros(2) for _ in range(500)]
    for t in temporaries:
        t.fill_(1.0)
    keys = {mg.versions.owner(t.data) for t in temporaries}
    assert len(keys) == 500 and keys <= set(mg.versions._storages)
    del temporaries, t
    assert not keys & set(mg.versions._storages)


def test_a_view_of_a_weight_is_written_under_no_grad():
    weight = mg.ones((2, 3), requires_grad=True)
    with mg.no_grad():
        weight.reshape(3, 2)[0, 0] = 9.0
    assert weight.numpy()[0, 0] == 9.0


@pytest.mark.parametrize("view", [lambda y: y.reshape(3, 2), lambda y: y.reshape(3, 2).reshape(6),
                                  lambda y: y.unsqueeze(0)], ids=["reshape", "two", "unsqueeze"])
def test_a_write_into_a_reshape_of_a_computed_tensor_reaches_it_as_in_torch(view):
    """torch's write into a view changes the viewed tensor too, and its gradient: the
    overwritten element gets none. The base becomes the new values reshaped back."""
    def run(lib):
        w = lib.ones(2, 3, requires_grad=True)
        y = w * 2
        v = view(y)
        v[(0,) * v.ndim] = 9.0
        out = (y * y).sum()
        out.backward()
        return out.item(), w.grad.tolist()
    assert run(mg) == run(torch)


def test_the_books_mask_on_a_reshaped_score_matrix_keeps_torchs_gradient():
    def run(lib, softmax):
        x = lib.ones(2, 3, requires_grad=True)
        scores = x * lib.tensor([[1.0, 2.0, 3.0]])
        flat = scores.reshape(-1, 3)
        flat[~lib.tensor([[True, False, True], [False, True, True]])] = -1e6
        (softmax(flat.reshape(2, 3)) * lib.arange(3.0)).sum().backward()
        return x.grad.tolist()
    np.testing.assert_allclose(run(mg, lambda s: mg.nn.functional.softmax(s, dim=-1)),
                               run(torch, lambda s: torch.softmax(s, -1)), rtol=1e-5)   # float32


def test_a_write_that_minigrad_cannot_pass_on_to_the_viewed_tensor_is_refused():
    y = mg.ones(2, 3, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"a view, made by permute, .* only through "
                                           r"reshapes"):
        y.T[0, 0] = 1.0


def test_every_write_into_a_reshape_reaches_the_tensor_it_views_and_back():
    def run(lib):
        w = lib.ones(2, 3, requires_grad=True)
        y = w * 2
        v = y.reshape(3, 2)
        v[0, 0] = 9.0
        v[1, 1] = 8.0                      # a second write into the view
        y[1, 2] = 7.0                      # and one into the base, seen by the view
        z = y.reshape(6)
        z[0] = 5.0                         # a fresh view after the writes: chains both ways
        out = (y * y).sum() + (v * v).sum() + (z * z).sum()
        out.backward()
        return out.item(), w.grad.tolist(), v.tolist(), y.tolist()
    assert run(mg) == run(torch)


def test_views_of_a_tensor_outside_the_graph_see_a_value_that_requires_grad():
    def run(lib):
        w = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        buffer = lib.zeros(2, 3)
        column, flat = buffer[:, 0], buffer.reshape(6)
        buffer[:, 0] = w[:2] * 10
        matrix = lib.zeros(6).reshape(2, 3)        # a factory's reshape (a view of nothing kept)
        matrix[0] = w
        (matrix * matrix).sum().backward()
        return column.tolist(), flat.tolist(), w.grad.tolist()
    assert run(mg) == run(torch)


def test_a_write_through_a_reshape_leaves_no_reference_cycle():
    """The d2l mask on a reshaped score matrix, every step: its graph must go with
    reference counting, not wait for the cyclic collector (memory grew 5x without)."""
    import gc
    import weakref

    def step():
        x = mg.ones(4, 5, requires_grad=True)
        flat = (x * 1).reshape(-1, 5)
        flat[flat > 2] = -1e6
        return weakref.ref(flat)
    gc.disable()
    try:
        assert step()() is None
    finally:
        gc.enable()
