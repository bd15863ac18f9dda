"""An optimizer checks what a step uses when it uses it, not only at construction: a NaN lr
set later, a state step that is NaN or fractional, a parameter reshaped between steps, a
gradient of the wrong shape: each one line naming the optimizer and the parameter."""
import numpy as np
import pytest

import minigrad as mg


def stepped(make):
    layer = mg.nn.Linear(3, 2)
    optimizer = make(layer.parameters())
    (layer(mg.Tensor(np.ones((4, 3)))) ** 2).sum().backward()
    optimizer.step()
    return layer, optimizer


OPTIMIZERS = [lambda ps: mg.optim.Adam(ps, lr=0.01), lambda ps: mg.optim.SGD(ps, lr=0.01)]


@pytest.mark.parametrize("make", OPTIMIZERS)
@pytest.mark.parametrize("lr", [float("nan"), float("inf"), -1.0])
def test_a_bad_lr_set_after_construction_is_refused_at_the_step(make, lr):
    layer, optimizer = stepped(make)
    optimizer.lr = lr
    before = [p.numpy() for p in layer.parameters()]
    with pytest.raises(ValueError, match=r"^\w+\.step: lr must be a finite number >= 0, got"):
        optimizer.step()
    for p, old in zip(layer.parameters(), before):
        np.testing.assert_array_equal(p.numpy(), old)         # nothing was updated


@pytest.mark.parametrize("step", [float("nan"), 2.5, -1, True])
def test_a_state_step_that_is_not_a_count_is_refused(step):
    _, optimizer = stepped(OPTIMIZERS[0])
    optimizer.state[0]["step"] = step
    with pytest.raises(ValueError, match=r"^Adam\.step: parameter 0 \(weight\)'s state step "
                                         r"must be an integer >= 0"):
        optimizer.step()


def test_a_parameter_reshaped_between_steps_is_refused():
    layer, optimizer = stepped(OPTIMIZERS[0])
    layer.weight.data = layer.weight.data.reshape(3, 2)
    layer.weight.grad = layer.weight.grad.reshape(3, 2)
    with pytest.raises(ValueError, match=r"^Adam\.step: parameter 0 \(weight\) has shape "
                                         r"\(3, 2\) but its state exp_avg has shape \(2, 3\) "
                                         r"\(was the parameter reshaped"):
        optimizer.step()


@pytest.mark.parametrize("make", OPTIMIZERS)
def test_a_gradient_of_the_wrong_shape_is_refused(make):
    layer, optimizer = stepped(make)
    layer.bias.grad = mg.Tensor(np.ones(5)).data
    with pytest.raises(ValueError, match=r"^\w+\.step: parameter 1 \(bias\) has shape \(2,\) "
                                         r"but its \.grad has shape \(5,\)$"):
        optimizer.step()
