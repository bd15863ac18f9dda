"""SGD and Adam against torch.optim over 50 steps of a small model with gradient clipping,
every parameter compared at every step; state_dict resume; errors."""
import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")

TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
STEPS = 50


class Net(mg.nn.Module):
    """Two layers and a parameter that never gets a gradient (optimizers must skip it)."""

    def __init__(self):
        super().__init__()
        self.hidden = mg.nn.Linear(3, 8)
        self.out = mg.nn.Linear(8, 2)
        self.unused = mg.nn.Linear(2, 2)

    def forward(self, x):
        return self.out(self.hidden(x).tanh())


class TorchNet(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(3, 8)
        self.out = torch.nn.Linear(8, 2)
        self.unused = torch.nn.Linear(2, 2)

    def forward(self, x):
        return self.out(torch.tanh(self.hidden(x)))


def _twins(dtype):
    mg.set_default_dtype(dtype)
    ours, theirs = Net(), TorchNet().to(getattr(torch, dtype))
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def _batch(step, dtype):
    rng = np.random.default_rng(step)
    x = rng.standard_normal((6, 3)).astype(dtype)
    y = rng.standard_normal((6, 2)).astype(dtype)
    return x, y


def _train_step(model, optimizer, step, dtype, max_norm):
    """One step on either framework: loss, backward, clip, update. Returns the grad norm."""
    x, y = _batch(step, dtype)
    optimizer.zero_grad()
    if isinstance(model, Net):
        loss = ((model(mg.Tensor(x)) - mg.Tensor(y)) ** 2).mean()
        loss.backward()
        norm = mg.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    else:
        loss = ((model(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean()
        loss.backward()
        norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm))
    optimizer.step()
    return norm


CONFIGS = [
    ("SGD", {"lr": 0.1}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "weight_decay": 0.01}),
    ("Adam", {"lr": 0.01}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.1}),
]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("kind, settings", CONFIGS)
def test_matches_torch_at_every_step(kind, settings, dtype):
    ours, theirs = _twins(dtype)
    optimizer = getattr(mg.optim, kind)(ours.parameters(), **settings)
    t_optimizer = getattr(torch.optim, kind)(theirs.parameters(), **settings)
    unused_before = ours.unused.weight.numpy()
    max_norm, clipped = 0.5, 0
    for step in range(STEPS):
        norm = _train_step(ours, optimizer, step, dtype, max_norm)
        t_norm = _train_step(theirs, t_optimizer, step, dtype, max_norm)
        assert isinstance(norm, float)
        assert abs(norm - t_norm) <= TOLERANCE[dtype] * t_norm
        clipped += norm > max_norm
        for name, param in theirs.named_parameters():
            expected = param.detach().numpy()
            actual = dict(ours.named_parameters())[name].numpy()
            error = np.abs(actual - expected).max()
            assert error <= TOLERANCE[dtype] * np.abs(expected).max(), (step, name, error)
    assert 0 < clipped < STEPS            # both branches of the clipping were exercised
    np.testing.assert_array_equal(ours.unused.weight.numpy(), unused_before)


@pytest.mark.parametrize("kind, settings", CONFIGS)
def test_resume_from_checkpoint_is_exact(kind, settings, tmp_path):
    """Training 10 steps equals training 5, saving, loading into fresh objects, training 5."""
    def fresh():
        mg.manual_seed(3)
        model = Net()
        return model, getattr(mg.optim, kind)(model.parameters(), **settings)

    model, optimizer = fresh()
    for step in range(10):
        _train_step(model, optimizer, step, "float32", 0.5)
    straight = model.state_dict()

    model, optimizer = fresh()
    for step in range(5):
        _train_step(model, optimizer, step, "float32", 0.5)
    mg.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "step": 5},
            tmp_path / "ckpt.npz")
    model, optimizer = fresh()
    checkpoint = mg.load(tmp_path / "ckpt.npz")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    for step in range(checkpoint["step"], 10):
        _train_step(model, optimizer, step, "float32", 0.5)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, straight[name], err_msg=name)


def test_adam_state_matches_torch():
    ours, theirs = _twins("float64")
    optimizer = mg.optim.Adam(ours.parameters(), lr=0.01)
    t_optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    for step in range(3):
        _train_step(ours, optimizer, step, "float64", 10.0)
        _train_step(theirs, t_optimizer, step, "float64", 10.0)
    state = optimizer.state_dict()["state"]
    t_state = t_optimizer.state_dict()["state"]
    assert sorted(state) == [str(i) for i in sorted(t_state)]      # unused params: no state
    for i, t_entry in t_state.items():
        assert state[str(i)]["step"] == int(t_entry["step"]) == 3
        for key in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_allclose(state[str(i)][key], t_entry[key].numpy(), rtol=1e-10)


def test_sgd_without_grad_or_momentum_is_plain_descent():
    """A step before any backward changes nothing; then one plain step, as in torch."""
    w = mg.Tensor([1.0, 2.0], requires_grad=True)
    tw = torch.tensor([1.0, 2.0], requires_grad=True)
    optimizer, t_optimizer = mg.optim.SGD([w], lr=0.5), torch.optim.SGD([tw], lr=0.5)
    optimizer.step()                                   # no grad yet: nothing happens
    t_optimizer.step()
    np.testing.assert_array_equal(w.numpy(), tw.detach().numpy())
    (w * w).sum().backward()                          # grad = 2w
    (tw * tw).sum().backward()
    optimizer.step()
    t_optimizer.step()
    np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-6)
    assert not np.array_equal(w.numpy(), [1.0, 2.0])  # the step did something
    optimizer.zero_grad()
    assert w.grad is None


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_lr_can_be_changed_between_steps(kind):
    """A schedule sets optimizer.lr; torch sets param_groups[0]["lr"]: same parameters."""
    w = mg.Tensor([1.0, -2.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0], requires_grad=True)
    optimizer = getattr(mg.optim, kind)([w], lr=0.5)
    t_optimizer = getattr(torch.optim, kind)([tw], lr=0.5)
    for step, lr in enumerate([0.5, 0.25, 0.1]):
        optimizer.lr = lr
        t_optimizer.param_groups[0]["lr"] = lr
        for param, opt in ((w, optimizer), (tw, t_optimizer)):
            opt.zero_grad()
            (param * param * param).sum().backward()
            opt.step()
        np.testing.assert_allclose(w.numpy(), tw.detach().numpy(), rtol=1e-6,
                                   err_msg=f"step {step}")
    assert optimizer.state_dict()["hyperparameters"]["lr"] == 0.1


def test_errors_are_clear():
    model = Net()
    with pytest.raises(ValueError, match="SGD: got an empty list of parameters"):
        mg.optim.SGD([], lr=0.1)
    with pytest.raises(TypeError, match="Adam: parameter 0 is not a tensor that requires grad"):
        mg.optim.Adam([mg.Tensor([1.0])])
    with pytest.raises(ValueError, match="SGD: a parameter appears twice"):
        mg.optim.SGD(model.parameters() * 2, lr=0.1)
    with pytest.raises(ValueError, match="SGD: lr must be a finite number >= 0, got -1"):
        mg.optim.SGD(model.parameters(), lr=-1)
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\)"):
        mg.optim.Adam(model.parameters(), betas=(0.9, 1.0))

    adam = mg.optim.Adam(model.parameters())
    with pytest.raises(ValueError, match="Adam.load_state_dict: the state is from optimizer "
                                         "'SGD', expected 'Adam'"):
        adam.load_state_dict(mg.optim.SGD(model.parameters(), lr=0.1).state_dict())
    _train_step(model, adam, 0, "float32", 1.0)
    state = adam.state_dict()
    state["state"]["0"]["exp_avg"] = np.zeros((2, 2), np.float32)
    state["state"]["9"] = {"step": 1}
    with pytest.raises(ValueError, match=r"exp_avg of parameter 0: saved \(2, 2\), parameter "
                                         r"\(8, 3\); state for parameter '9', but the "
                                         r"optimizer has 6 parameters"):
        adam.load_state_dict(state)


@pytest.mark.parametrize("kind", ["SGD", "Adam"])
def test_a_numpy_learning_rate_survives_a_checkpoint_as_a_number(kind, tmp_path):
    """A schedule computed with NumPy sets lr to a numpy.float64. mg.save keeps NumPy scalars
    as 0-d arrays, so the optimizer must hand out plain numbers, or a resumed run would get
    an array as its lr (and a device backend would refuse host-array arithmetic with it)."""
    model = Net()
    optimizer = getattr(mg.optim, kind)(model.parameters(), lr=0.1)
    optimizer.lr = 0.05 * (1 + np.cos(np.pi * 0.25))        # numpy.float64
    _train_step(model, optimizer, 0, "float32", 1.0)
    hyperparameters = optimizer.state_dict()["hyperparameters"]
    assert type(hyperparameters["lr"]) is float
    mg.save({"optimizer": optimizer.state_dict()}, tmp_path / "ckpt.npz")
    resumed = getattr(mg.optim, kind)(model.parameters(), lr=0.1)
    resumed.load_state_dict(mg.load(tmp_path / "ckpt.npz")["optimizer"])
    assert type(resumed.lr) is float and resumed.lr == optimizer.lr
    _train_step(model, resumed, 1, "float32", 1.0)

    old = optimizer.state_dict()                  # a checkpoint written before this fix
    old["hyperparameters"]["lr"] = np.array(optimizer.lr)
    resumed.load_state_dict(old)
    assert type(resumed.lr) is float and resumed.lr == optimizer.lr


def test_errors_for_parameters_and_betas_of_the_wrong_kind():
    """SGD(one_tensor) iterated its rows (non-leaf slices whose grads never come), so training
    silently did nothing; SGD(model), Adam(betas=0.9) and lr='0.1' ended in unclear errors."""
    model = Net()
    with pytest.raises(TypeError, match=r"SGD: expected an iterable of parameters such as "
                                        r"model.parameters\(\), got one Parameter; wrap it in "
                                        r"a list"):
        mg.optim.SGD(model.out.weight, lr=0.1)
    with pytest.raises(TypeError, match=r"Adam: expected an iterable of parameters such as "
                                        r"model.parameters\(\), got Net"):
        mg.optim.Adam(model)
    with pytest.raises(ValueError, match=r"Adam: betas must be two numbers in \[0, 1\), got "
                                         r"0.9"):
        mg.optim.Adam(model.parameters(), betas=0.9)
    with pytest.raises(ValueError, match=r"SGD: lr must be a finite number >= 0, got '0.1'"):
        mg.optim.SGD(model.parameters(), lr="0.1")


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_non_finite_hyperparameters_are_refused_everywhere(bad):
    model = Net()
    with pytest.raises(ValueError, match="Adam: lr must be a finite number >= 0, got nan|inf"):
        mg.optim.Adam(model.parameters(), lr=bad)
    with pytest.raises(ValueError, match="Adam: eps must be a finite number >= 0"):
        mg.optim.Adam(model.parameters(), eps=bad)
    with pytest.raises(ValueError, match="Adam: betas must be"):
        mg.optim.Adam(model.parameters(), betas=(bad, 0.999))
    with pytest.raises(ValueError, match="SGD: momentum must be a finite number >= 0"):
        mg.optim.SGD(model.parameters(), lr=0.1, momentum=bad)
    adam = mg.optim.Adam(model.parameters())
    for key, value in (("lr", bad), ("eps", bad), ("betas", (0.9, bad))):
        state = adam.state_dict()
        state["hyperparameters"][key] = value
        with pytest.raises(ValueError, match=f"Adam.load_state_dict: {key} must be"):
            adam.load_state_dict(state)
    assert adam.hyperparameters["lr"] == 1e-3        # nothing changed


def test_load_state_dict_of_a_non_mapping_or_missing_keys_is_one_clear_error():
    adam = mg.optim.Adam(Net().parameters())
    with pytest.raises(TypeError, match="Adam.load_state_dict: expected the dict of "
                                        "state_dict\\(\\), got list"):
        adam.load_state_dict([1, 2])
    with pytest.raises(ValueError, match="Adam.load_state_dict: the state lacks "
                                         "hyperparameters, state"):
        adam.load_state_dict({"optimizer": "Adam"})
