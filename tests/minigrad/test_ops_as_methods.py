"""The operators and the simplest methods are the ops themselves (``Tensor.bind_ops``): the
same results, keywords and refusals as torch's methods, and what the binding must not lose
(a stacked list changed afterwards, a tool that replaces an op, pickling a bound method)."""
import pickle

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import ops
from minigrad.tensor import OPS_AS_METHODS, Tensor, bind_ops


def test_each_bound_method_is_its_op_and_is_declared_for_editors():
    for method, op in OPS_AS_METHODS.items():
        assert getattr(Tensor, method) is getattr(ops, op), method
    assert set(Tensor.__annotations__) == set(OPS_AS_METHODS)   # the class's declarations
    x = mg.Tensor(np.ones((2, 3)))
    assert (x + x)._op == "add" and x.permute(1, 0)._op == "permute"


def test_a_replaced_op_reaches_the_operators_after_bind_ops(monkeypatch):
    calls = []

    def counted(a, b):
        calls.append("add")
        return ops.arithmetic.add(a, b)
    monkeypatch.setattr(ops, "add", counted)
    bind_ops()
    try:
        x = mg.Tensor(np.ones(3))
        x + x
        assert calls == ["add"]
    finally:
        monkeypatch.undo()
        bind_ops()
    assert Tensor.__add__ is ops.add


def test_stack_gradients_do_not_follow_the_callers_list_after_the_call():
    a, b = (mg.Tensor(np.ones(2), requires_grad=True) for _ in range(2))
    outputs = [a, b]
    y = ops.stack(outputs)
    outputs.clear()                              # a history list, reused by the caller
    (y * 3).sum().backward()
    np.testing.assert_array_equal(mg.backend.to_numpy(a.grad), [3, 3])
    np.testing.assert_array_equal(mg.backend.to_numpy(b.grad), [3, 3])
    outputs = [a]
    y = ops.stack(outputs)
    outputs.append(b)
    a.grad = None
    y.sum().backward()
    np.testing.assert_array_equal(mg.backend.to_numpy(a.grad), [1, 1])


def test_numpy_and_torch_keywords_and_axes_as_torch_takes_them():
    data = np.arange(6.0).reshape(2, 1, 3)
    x, t = mg.Tensor(data), torch.tensor(data)
    assert x.unsqueeze(axis=0).shape == x.unsqueeze(dim=0).shape == tuple(t.unsqueeze(0).shape)
    assert x.squeeze(axis=1).shape == x.squeeze(dim=1).shape == tuple(t.squeeze(1).shape)
    assert x.permute(np.array([2, 0, 1])).shape == tuple(t.permute(2, 0, 1).shape)
    assert x.permute([2, 0, 1]).shape == x.permute(2, 0, 1).shape == (3, 2, 1)
    assert x.reshape(3, 2).shape == x.reshape((3, 2)).shape == x.reshape(-1, 2).shape


def test_permute_without_an_order_and_squeeze_of_one_axis_twice_are_refused():
    x = mg.Tensor(np.ones((2, 1, 3)))
    with pytest.raises(ValueError, match=r"permute: axes \(\) are not a permutation"):
        x.permute()
    with pytest.raises(TypeError, match=r"permute: expected the order of the 3 axes .* got "
                                        r"None"):
        x.permute(None)
    with pytest.raises(ValueError, match=r"squeeze: dims \(1, 1\) name one axis twice"):
        x.squeeze((1, 1))


def test_squeeze_gives_a_new_tensor_even_when_nothing_is_dropped():
    x = mg.Tensor(np.ones((2, 3)), requires_grad=True)
    for y in (x.squeeze(), x.squeeze(0), x.squeeze((0, 1))):
        assert y is not x and y.shape == (2, 3)
        with pytest.raises(RuntimeError, match="only a leaf's flag can be changed"):
            y.requires_grad = False
    assert x.requires_grad


def test_a_pickled_bound_method_is_the_same_method():
    x = mg.Tensor(np.arange(6.0).reshape(1, 2, 3))
    for method, args in (("permute", (2, 0, 1)), ("reshape", (3, 2)), ("unsqueeze", (0,))):
        again = pickle.loads(pickle.dumps(getattr(x, method)))
        np.testing.assert_array_equal(again(*args).numpy(), getattr(x, method)(*args).numpy())


@pytest.mark.parametrize("readable", [False, True])
def test_masked_softmax_of_integer_scores_is_in_the_default_float_dtype(readable):
    mg.set_readable(readable)
    try:
        y = ops.masked_softmax(mg.Tensor(np.arange(6).reshape(1, 2, 3)), np.array([2]))
    finally:
        mg.set_readable(False)
    assert y.dtype == mg.get_default_dtype()
    np.testing.assert_allclose(y.numpy()[0, :, 2], 0)


def test_dim_and_axis_together_and_no_shape_are_refused():
    x = mg.Tensor(np.ones((2, 1, 3)))
    with pytest.raises(TypeError, match=r"squeeze: give dim or axis, not both"):
        x.squeeze(0, axis=1)
    with pytest.raises(TypeError, match=r"unsqueeze: give dim or axis, not both"):
        x.unsqueeze(0, axis=2)
    for no_shape in (lambda: x.reshape(), lambda: ops.reshape(x)):
        with pytest.raises(TypeError, match=r"reshape: expected the new shape, .*\(2, 1, 3\)"):
            no_shape()
    assert mg.Tensor(np.ones(1)).reshape(()).shape == () and x.reshape(6).shape == (6,)
