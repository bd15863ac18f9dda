"""Module: the parameter tree, names and order as in torch, repr, num_parameters, modes,
zero_grad, and load_state_dict's errors."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


class Net(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = mg.nn.Embedding(10, 4)
        self.rnn = mg.nn.GRU(4, 5, 2, dropout=0.2)
        self.dropout = mg.nn.Dropout(0.3)
        self.dense = mg.nn.Linear(5, 10)

    def forward(self, ids):
        outputs, _ = self.rnn(self.embedding(ids).transpose(1, 0, 2))
        return self.dense(self.dropout(outputs))


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.embedding = torch.nn.Embedding(10, 4)
        self.rnn = torch.nn.GRU(4, 5, 2, dropout=0.2)
        self.dropout = torch.nn.Dropout(0.3)
        self.dense = torch.nn.Linear(5, 10)


Net.__name__ = TorchNet.__name__ = "Net"


@pytest.mark.numpy_only
def test_names_shapes_order_and_size_match_torch():
    ours, theirs = Net(), TorchNet()
    assert [(k, v.shape) for k, v in ours.state_dict().items()] == \
        [(k, tuple(v.shape)) for k, v in theirs.state_dict().items()]
    assert ours.num_parameters() == sum(p.numel() for p in theirs.parameters())
    assert len(ours.parameters()) == len(list(theirs.parameters()))


@pytest.mark.numpy_only
def test_repr_matches_torch():
    expected = repr(TorchNet()).replace("Dropout(p=0.3, inplace=False)", "Dropout(p=0.3)")
    assert repr(Net()) == expected


def test_train_and_eval_reach_every_submodule(rng):
    model = Net()
    assert all(m.training for m in model.modules())
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    ids = rng.integers(0, 10, size=(2, 3))
    np.testing.assert_array_equal(model(ids).numpy(), model(ids).numpy())   # no dropout
    model.train()
    assert all(m.training for m in model.modules())
    assert not np.array_equal(model(ids).numpy(), model(ids).numpy())


def test_zero_grad_clears_every_parameter(rng):
    model = Net()
    model(rng.integers(0, 10, size=(2, 3))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_load_state_dict_reports_every_problem_by_name():
    model = Net()
    before = model.state_dict()
    state = dict(before)
    del state["dense.bias"], state["rnn.bias_hh_l1"]
    state["rnn.weight_ih_l0"] = np.zeros((3, 4), np.float32)
    state["decoder.weight"] = np.zeros(2, np.float32)
    with pytest.raises(ValueError) as info:
        model.load_state_dict(state)
    message = str(info.value)
    assert message.startswith("load_state_dict into Net:")
    for part in ["missing keys: rnn.bias_hh_l1, dense.bias", "unexpected keys: decoder.weight",
                 "shape mismatches: rnn.weight_ih_l0: checkpoint (3, 4), model (15, 4)"]:
        assert part in message
    for name, value in model.state_dict().items():           # nothing was copied
        np.testing.assert_array_equal(value, before[name])

    # strict=False tolerates missing and unexpected keys, never a wrong shape
    partial = {"dense.weight": np.ones((10, 5)), "extra": np.zeros(1)}
    model.load_state_dict(partial, strict=False)
    np.testing.assert_array_equal(model.dense.weight.numpy(), 1)
    assert model.dense.weight.dtype == np.float32                 # the parameter's dtype stays
    with pytest.raises(ValueError, match=r"shape mismatches: dense.weight: checkpoint \(5, 10\)"):
        model.load_state_dict({"dense.weight": np.ones((5, 10))}, strict=False)
