"""Sequential: applies its modules in order and names them by position, as torch does."""
import re

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


def test_sequential_names_and_forward_match_torch(rng, assert_close, from_torch):
    mg.set_default_dtype("float64")
    ours = mg.nn.Sequential(mg.nn.Linear(3, 4), mg.nn.LayerNorm(4), mg.nn.Linear(4, 2))
    theirs = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.LayerNorm(4),
                                 torch.nn.Linear(4, 2)).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    from_torch(ours, theirs)
    data = rng.standard_normal((5, 3))
    assert_close(ours(mg.Tensor(data)), theirs(torch.from_numpy(data)), "output")


def test_add_module_indexing_and_iteration():
    """d2l's way: an empty Sequential filled with add_module(str(i), block)."""
    blks = mg.nn.Sequential()
    layers = [mg.nn.Linear(2, 2) for _ in range(3)]
    for i, layer in enumerate(layers):
        blks.add_module(str(i), layer)
    assert len(blks) == 3 and list(blks) == layers and blks[1] is layers[1]
    assert blks[-1] is layers[2]
    outer = mg.nn.Sequential()
    outer.add_module("blks", blks)
    assert [name for name, _ in outer.named_parameters()][:2] == ["blks.0.weight",
                                                                  "blks.0.bias"]
    with pytest.raises(TypeError, match="Sequential.add_module: '3' must be a Module, got int"):
        blks.add_module("3", 7)
    for name in ("", "a.b", "forward", "training"):
        with pytest.raises(ValueError, match=rf"Sequential.add_module: cannot name a block "
                                             rf"'{re.escape(name)}': the name must be"):
            blks.add_module(name, mg.nn.Linear(2, 2))
    assert len(blks) == 3


def test_empty_sequential_is_the_identity():
    x = mg.Tensor(np.arange(3.0))
    assert mg.nn.Sequential()(x) is x


def test_replacing_a_block_keeps_its_position_like_torch():
    """add_module on a name in use swaps the block in place: the forward order and the
    state_dict order stay those of torch.nn.Sequential."""
    ours = mg.nn.Sequential(mg.nn.Linear(2, 2), mg.nn.Linear(2, 3))
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 3))
    ours.add_module("0", mg.nn.Linear(2, 2, bias=False))
    theirs.add_module("0", torch.nn.Linear(2, 2, bias=False))
    assert [m.out_features for m in ours] == [m.out_features for m in theirs] == [2, 3]
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["0.weight", "1.weight",
                                                                    "1.bias"]
