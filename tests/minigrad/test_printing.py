"""A tensor prints as torch prints it (minigrad/printing.py)."""
import torch

import minigrad as mg


def test_repr_reads_like_torch():
    on_device = mg.get_backend() != "numpy"     # strict stands in for a GPU: cuda:0

    def ours(x):
        text = repr(x)
        assert ("device='cuda:0'" in text) == on_device
        return text.replace(", device='cuda:0'", "")
    assert ours(mg.tensor([[1.0, 2.0]])) == repr(torch.tensor([[1.0, 2.0]]))
    assert ours(mg.tensor([0.1, 2.5])) == repr(torch.tensor([0.1, 2.5]))
    assert ours(mg.arange(3)) == repr(torch.arange(3))
    assert ours(mg.tensor([True, False])) == repr(torch.tensor([True, False]))
    assert ours(mg.ones(2, requires_grad=True)) == repr(torch.ones(2, requires_grad=True))
    assert ours(mg.ones(2, requires_grad=True) * 2) == repr(torch.ones(2, requires_grad=True) * 2)
    assert "dtype=minigrad.float64" in ours(mg.ones(2, dtype=mg.float64))


def test_parameters_and_names_print():
    weight = mg.nn.Linear(2, 1).weight
    assert repr(weight).startswith("Parameter containing:\ntensor([[")
    model = mg.nn.Sequential(mg.nn.Linear(2, 1))
    model.parameters()                    # names each parameter
    assert "name='0.weight'" in repr(model[0].weight)
