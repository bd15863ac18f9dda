"""Module.load_state_dict and gradcheck given the wrong kind of argument: one clear line."""
import numpy as np
import pytest

import minigrad as mg


@pytest.mark.parametrize("bad", [[("weight", np.zeros((2, 3)))], "weights.npz", None,
                                 np.zeros((2, 3))], ids=["list", "str", "None", "array"])
def test_load_state_dict_refuses_what_is_not_a_mapping(bad):
    layer = mg.nn.Linear(3, 2)
    before = layer.weight.numpy()
    with pytest.raises(TypeError, match=rf"load_state_dict into Linear: expected a mapping .*"
                                        rf"got {type(bad).__name__}"):
        layer.load_state_dict(bad)
    np.testing.assert_array_equal(layer.weight.numpy(), before)


def test_gradcheck_refuses_one_tensor_in_place_of_a_list():
    mg.set_default_dtype("float64")
    x = mg.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"gradcheck: inputs must be a list or tuple .* got one "
                                        r"Tensor of shape \(2,\); wrap a single input as \[x\]"):
        mg.gradcheck(lambda t: t * t, x)
    with pytest.raises(TypeError, match=r"gradcheck: inputs must be a list .* got int"):
        mg.gradcheck(lambda t: t * t, 3)
    assert mg.gradcheck(lambda t: t * t, (x,)) is True


def test_optimizer_load_state_dict_refuses_malformed_per_parameter_state():

    layer = mg.nn.Linear(3, 1)
    opt = mg.optim.Adam(layer.parameters(), lr=0.1)
    state = opt.state_dict()
    broken = dict(state, state={"0": [1, 2]})
    with pytest.raises(ValueError, match=r"Adam.load_state_dict: state of parameter 0 must be a "
                                         r"dict of arrays, got list"):
        opt.load_state_dict(broken)
    broken = dict(state, state={"0": {"exp_avg": np.array([["a", "b", "c"]])}})
    with pytest.raises(ValueError, match=r"exp_avg of parameter 0: expected an array of numbers"):
        opt.load_state_dict(broken)

