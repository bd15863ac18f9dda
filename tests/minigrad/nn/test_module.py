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
        outputs, _ = self.rnn(self.embedding(ids).transpose(0, 1))
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


# ------------------------------------------------- weights to PyTorch and back, with outputs

TRANSFER = {   # kind: (constructor arguments, keyword arguments, input maker)
    "Linear": ((4, 3), {}, lambda rng: rng.standard_normal((5, 4)).astype(np.float32)),
    "Embedding": ((7, 3), {}, lambda rng: np.array([[1, 6, 1], [0, 2, 6]])),
    "GRU": ((3, 4, 2), {"bidirectional": True},
            lambda rng: rng.standard_normal((5, 2, 3)).astype(np.float32)),
    "LSTM": ((3, 4, 3), {}, lambda rng: rng.standard_normal((4, 2, 3)).astype(np.float32)),
}


def _outputs(model, data):
    """Every output array of a minigrad or torch module (RNNs: outputs and final states)."""
    if isinstance(model, mg.nn.Module):
        result = model(mg.Tensor(data) if data.dtype.kind == "f" else data)
    else:
        result = model(torch.from_numpy(data))
    flat = []
    for item in result if isinstance(result, tuple) else (result,):
        flat.extend(item if isinstance(item, tuple) else (item,))
    return flat


@pytest.mark.parametrize("kind", list(TRANSFER))
def test_state_dict_moves_to_torch_and_back_with_the_same_outputs(kind, tmp_path, rng,
                                                                  assert_close):
    """minigrad -> torch with torch.from_numpy; torch -> minigrad with .numpy() through a
    checkpoint file; each time the receiving model computes what the sending one does."""
    args, kwargs, make_input = TRANSFER[kind]
    data = make_input(rng)

    ours = getattr(mg.nn, kind)(*args, **kwargs)
    torch.manual_seed(0)
    theirs = getattr(torch.nn, kind)(*args, **kwargs)
    before = _outputs(theirs, data)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    mine, after = _outputs(ours, data), _outputs(theirs, data)
    assert len(mine) == len(after) == (1 if kind in ("Linear", "Embedding") else
                                       2 if kind == "GRU" else 3)
    assert not np.allclose(before[0].detach().numpy(), after[0].detach().numpy())  # it moved
    for i, (o, t) in enumerate(zip(mine, after)):
        assert_close(o, t, f"{kind} -> torch, output {i}")

    torch.manual_seed(1)
    source = getattr(torch.nn, kind)(*args, **kwargs)
    mg.save({"model": {k: v.detach().numpy() for k, v in source.state_dict().items()}},
            tmp_path / "from_torch.npz")
    back = getattr(mg.nn, kind)(*args, **kwargs)
    back.load_state_dict(mg.load(tmp_path / "from_torch.npz")["model"])
    for i, (o, t) in enumerate(zip(_outputs(back, data), _outputs(source, data))):
        assert_close(o, t, f"torch -> {kind}, output {i}")
    assert list(back.state_dict()) == list(source.state_dict())
    for name, value in back.state_dict().items():
        np.testing.assert_array_equal(value, source.state_dict()[name].numpy(), err_msg=name)


@pytest.mark.numpy_only
def test_a_checkpoint_of_another_size_names_the_keys(tmp_path):
    """The state of a GRU(3, 4) loaded into a GRU(3, 5): every mismatched key is named."""
    mg.save({"model": mg.nn.GRU(3, 4).state_dict()}, tmp_path / "small.npz")
    with pytest.raises(ValueError) as info:
        mg.nn.GRU(3, 5).load_state_dict(mg.load(tmp_path / "small.npz")["model"])
    message = str(info.value)
    for part in ["weight_ih_l0: checkpoint (12, 3), model (15, 3)",
                 "weight_hh_l0: checkpoint (12, 4), model (15, 5)",
                 "bias_ih_l0: checkpoint (12,), model (15,)",
                 "bias_hh_l0: checkpoint (12,), model (15,)"]:
        assert part in message


def test_load_state_dict_takes_tensors_and_backend_arrays():
    """Copying weights between two models, dict(other.named_parameters()) or a dict of their
    backend arrays, used to end in NumPy's 'setting an array element with a sequence'."""
    source, target = Net(), Net()
    target.load_state_dict(dict(source.named_parameters()))
    for name, value in source.state_dict().items():
        np.testing.assert_array_equal(target.state_dict()[name], value, err_msg=name)
    target.load_state_dict({name: p.data for name, p in Net().named_parameters()})
    assert target.dense.weight.data is not source.dense.weight.data


def test_load_state_dict_refuses_values_that_are_not_numbers():
    model = Net()
    before = model.state_dict()
    state = dict(before, **{"dense.bias": None, "rnn.bias_hh_l1": "x"})
    with pytest.raises(ValueError, match=r"load_state_dict into Net: values that are not "
                                         r"arrays of numbers: rnn.bias_hh_l1 \(str\), "
                                         r"dense.bias \(NoneType\)"):
        model.load_state_dict(state)
    for name, value in model.state_dict().items():           # nothing was copied
        np.testing.assert_array_equal(value, before[name])


def test_assigning_a_plain_value_to_a_parameter_or_child_raises_as_in_torch():
    """`layer.weight = mg.Tensor(w, requires_grad=True)` used to drop the weight from
    parameters() and state_dict() silently, so the optimizer stopped training it."""
    model = Net()
    with pytest.raises(TypeError, match=r"Linear: cannot assign a Tensor to parameter "
                                        r"'weight'; wrap it as mg.nn.Parameter\(...\) or "
                                        r"assign None"):
        model.dense.weight = mg.Tensor(np.zeros((10, 5)), requires_grad=True)
    with pytest.raises(TypeError, match=r"Net: cannot assign a int to child module 'rnn'; "
                                        r"assign a Module or None"):
        model.rnn = 3
    assert "dense.weight" in model.state_dict() and "rnn.weight_ih_l0" in model.state_dict()
    model.dense.bias = None                          # allowed, as in torch
    model.dense.weight = mg.nn.Parameter(np.zeros((10, 5)))
    assert [n for n, _ in model.dense.named_parameters()] == ["weight"]
    t = TorchNet()
    t.dense.bias = None
    assert list(model.dense.state_dict()) == list(t.dense.state_dict())


def test_parameters_know_their_dotted_names_once_the_model_is_built():
    """No parameters() call needed: assigning a module names its parameters below it, and a
    parameter assigned later to a built model's submodule gets its full name too."""
    class Block(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.W_q = mg.nn.Linear(3, 2)

    class Outer(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.attention = Block()

    model = mg.nn.Sequential(Outer())
    assert model[0].attention.W_q.weight.name == "0.attention.W_q.weight"
    model[0].attention.W_q.bias = mg.nn.Parameter(np.zeros(2))
    assert model[0].attention.W_q.bias.name == "0.attention.W_q.bias"
    assert [name for name, _ in model.named_parameters()] == [
        p.name for p in model.parameters()]
