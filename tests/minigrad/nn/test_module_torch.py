"""The torch-style Module surface: apply, add_module, buffers, Parameter(tensor), nn.init,
LazyLinear with an optimizer built before its first forward, _flat_weights_names."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn


def test_apply_visits_children_first_then_self_and_returns_the_module():
    model = nn.Sequential(nn.Linear(2, 3), nn.Sequential(nn.ReLU(), nn.Linear(3, 1)))
    seen = []
    assert model.apply(lambda m: seen.append(type(m).__name__)) is model
    theirs = []
    torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Sequential(
        torch.nn.ReLU(), torch.nn.Linear(3, 1))).apply(lambda m: theirs.append(type(m).__name__))
    assert seen == theirs


def test_add_module_and_buffers_on_any_module():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.add_module("dense", nn.Linear(2, 2))
            self.register_buffer("steps", mg.zeros(1))
    net = Net()
    assert [n for n, _ in net.named_parameters()] == ["dense.weight", "dense.bias"]
    assert list(net.state_dict()) == ["steps", "dense.weight", "dense.bias"]
    net.steps = mg.ones(1)
    assert net.buffers()[0].tolist() == [1.0] and len(net.parameters()) == 2
    with pytest.raises(TypeError, match="add_module: 'x' must be a Module, got int"):
        net.add_module("x", 3)


def test_parameter_wraps_a_tensor_as_torch():
    p = nn.Parameter(mg.rand((1,), requires_grad=True))
    assert isinstance(p, mg.Tensor) and p.requires_grad and p.shape == (1,)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.w = nn.Parameter(mg.rand((1,), requires_grad=True))
    assert [n for n, _ in Net().named_parameters()] == ["w"]
    assert "Parameter containing:" in repr(p)


def test_init_functions_fill_in_place_with_torchs_bounds():
    weight = nn.Linear(30, 20).weight
    array_before = weight.data
    nn.init.xavier_uniform_(weight)
    bound = np.sqrt(6 / 50)
    assert weight.data is array_before and np.abs(weight.numpy()).max() <= bound
    assert np.abs(weight.numpy()).max() > 0.9 * bound
    nn.init.normal_(weight, std=0.01)
    assert abs(float(weight.numpy().std()) - 0.01) < 0.002
    nn.init.zeros_(weight)
    assert not weight.numpy().any()
    nn.init.uniform_(weight, -0.1, 0.1)
    assert np.abs(weight.numpy()).max() <= 0.1
    nn.init.constant_(weight, 2.0)
    assert (weight.numpy() == 2).all()
    with pytest.raises(ValueError, match=r"xavier_uniform_: fan in and fan out need a tensor "
                                         r"with at least 2 dims, got shape \(3,\)"):
        nn.init.xavier_uniform_(mg.zeros(3))


def test_lazy_linear_trains_with_an_optimizer_built_first_and_becomes_linear(rng):
    lazy = nn.LazyLinear(2, bias=False)
    assert lazy.weight.shape == (2, 0) and lazy.bias is None
    optimizer = mg.optim.SGD(lazy.parameters(), lr=0.5)
    mg.manual_seed(7)
    y = lazy(mg.tensor(rng.standard_normal((4, 3))))
    mg.manual_seed(7)
    twin = nn.Linear(3, 2, bias=False)                  # the same draws: Linear's init
    np.testing.assert_array_equal(lazy.weight.numpy(), twin.weight.numpy())
    assert type(lazy) is nn.Linear and lazy.in_features == 3 and y.shape == (4, 2)
    before = lazy.weight.numpy().copy()
    y.sum().backward()
    optimizer.step()
    assert not np.allclose(lazy.weight.numpy(), before)


def test_flat_weights_names_are_torchs():
    for ours, theirs in [(nn.GRU(3, 4, 2), torch.nn.GRU(3, 4, 2)),
                         (nn.LSTM(3, 4), torch.nn.LSTM(3, 4))]:
        assert ours._flat_weights_names == theirs._flat_weights_names
