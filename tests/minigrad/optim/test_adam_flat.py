"""Adam's flat update (all parameters of a dtype at once) against its readable twin, the
per-parameter update that readable mode runs: the same bits, whatever the CPU's block size,
and a dozen operations per block on the CPU, one kernel on a device."""
import contextlib

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import counter


def _model(seed=0):
    mg.manual_seed(seed)
    return mg.nn.Sequential(mg.nn.Linear(3, 5), mg.nn.Linear(5, 2))


def _train(model, optimizer, steps, rng_seed=1, skip=None):
    rng = np.random.default_rng(rng_seed)
    for step in range(steps):
        x = mg.Tensor(rng.standard_normal((4, 3)))
        optimizer.zero_grad()
        (model(x) ** 2).sum().backward()
        if skip is not None and step == skip:
            model.parameters()[0].grad = None        # one parameter sits this step out
        optimizer.step()


def _weights(model):
    return {k: v.copy() for k, v in model.state_dict().items()}


@pytest.mark.parametrize("settings", [{"lr": 0.01},
                                      {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6,
                                       "weight_decay": 0.1}])
@pytest.mark.parametrize("skip", [None, 2])
@pytest.mark.parametrize("block_size", [None, 1, 7, 32])
def test_flat_update_gives_the_bits_of_the_per_parameter_one(settings, skip, block_size):
    """The model has 32 numbers: blocks of 1, 7 (the last one short, the others crossing
    parameters' edges) and 32 (one block) all give the per-parameter update's bits."""
    results = []
    for readable in (False, True):
        mg.set_readable(readable)
        try:
            model = _model()
            optimizer = mg.optim.Adam(model.parameters(), **settings)
            if block_size is not None:
                optimizer.block_size = block_size
            _train(model, optimizer, 6, skip=skip)
            results.append((_weights(model), optimizer.state_dict()))
        finally:
            mg.set_readable(False)
    (fast, fast_state), (readable, readable_state) = results
    for name in fast:
        np.testing.assert_array_equal(fast[name], readable[name], err_msg=name)
    for i, entries in readable_state["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(fast_state["state"][i][key], value)


def test_flat_update_survives_load_state_dict_of_model_and_optimizer():
    """Loading replaces the arrays the flat group viewed; the next step packs them again."""
    model, twin = _model(), _model(seed=3)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    twin_optimizer = mg.optim.Adam(twin.parameters(), lr=0.01)
    _train(model, optimizer, 3)
    twin.load_state_dict(model.state_dict())
    twin_optimizer.load_state_dict(optimizer.state_dict())
    _train(model, optimizer, 3, rng_seed=5)
    _train(twin, twin_optimizer, 3, rng_seed=5)
    for name, value in _weights(model).items():
        np.testing.assert_array_equal(value, _weights(twin)[name], err_msg=name)


def test_parameters_stay_views_of_the_flat_array_and_update_in_place():
    model = _model()
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    _train(model, optimizer, 1)
    before = _weights(model)
    _train(model, optimizer, 1, rng_seed=2)
    assert any(not np.array_equal(before[k], v) for k, v in _weights(model).items())


@pytest.mark.fused
@pytest.mark.numpy_only     # counted on the strict backend (the conftest restores the backend)
def test_a_step_is_a_dozen_operations_whatever_the_number_of_parameters():
    mg.set_backend("strict")
    counts = []
    for layers in (2, 8):
        mg.manual_seed(0)
        model = mg.nn.Sequential(*[mg.nn.Linear(3, 3) for _ in range(layers)])
        optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
        _train(model, optimizer, 1)                # the first step packs the arrays
        optimizer.zero_grad()
        (model(mg.Tensor(np.ones((2, 3)))) ** 2).sum().backward()
        with counter.counting() as step:
            optimizer.step()
        counts.append(step.ops)
    assert counts[0] == counts[1] <= 14, counts


@pytest.mark.fused
@pytest.mark.numpy_only     # counted on the strict backend (the conftest restores the backend)
@pytest.mark.parametrize("block_size, blocks", [(7, 5), (16, 2), (32, 1), (1000, 1)])
def test_on_the_cpu_the_update_runs_a_dozen_operations_per_block(block_size, blocks):
    """32 numbers in blocks of ``block_size``: the gradients' gather, then the same dozen
    operations on each block; a device backend runs one kernel over the whole arrays."""
    mg.set_backend("strict")
    counts = {}
    for path in ("host", "device"):
        mg.manual_seed(0)
        model = _model()
        optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
        optimizer.block_size = block_size
        _train(model, optimizer, 1)
        optimizer.zero_grad()
        (model(mg.Tensor(np.ones((2, 3)))) ** 2).sum().backward()
        branches = mg.backend.host_branches() if path == "host" else contextlib.nullcontext()
        with branches, counter.counting() as step:
            optimizer.step()
        counts[path] = step.ops
    assert counts["host"] == 1 + 13 * blocks, counts
    assert counts["device"] == 2, counts              # the gather and the kernel


@pytest.mark.parametrize("block_size", [3, 1000])
def test_blocks_give_the_bits_of_the_per_parameter_update_for_two_dtypes(block_size):
    """A float32 and a float64 group (two flat groups, one of them with a zero-size
    parameter), weight decay on: blocks of 3 numbers and one block agree with readable mode
    bit for bit."""
    results = []
    for readable in (False, True):
        mg.set_readable(readable)
        try:
            rng = np.random.default_rng(4)
            params = []
            for shape, dtype in (((4, 5), np.float32), ((7,), np.float64),
                                 ((0, 3), np.float32), ((2, 3), np.float64)):
                param = mg.Tensor(np.zeros(shape), requires_grad=True)
                # Tensor makes float data the default dtype: set each parameter's own
                param.data = mg.backend.asarray(rng.standard_normal(shape), dtype=dtype)
                params.append(param)
            optimizer = mg.optim.Adam(params, lr=0.01, weight_decay=0.05)
            optimizer.block_size = block_size
            for _ in range(4):
                for p in params:
                    p.grad = mg.backend.asarray(rng.standard_normal(p.shape), dtype=p.dtype)
                optimizer.step()
            if not readable:
                assert sorted(str(g.data.dtype) for g in optimizer._groups) == ["float32",
                                                                                  "float64"]
            results.append([p.numpy() for p in params])
        finally:
            mg.set_readable(False)
    for fast, readable, dtype in zip(*results, ("float32", "float64", "float32", "float64")):
        assert fast.dtype == readable.dtype == dtype
        np.testing.assert_array_equal(fast, readable)


@pytest.mark.parametrize("block_size", [0, -2, 2.5, True])
def test_a_bad_block_size_is_named(block_size):
    param = mg.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    param.grad = mg.backend.asarray(np.ones(3), dtype=np.float32)
    optimizer = mg.optim.Adam([param])
    optimizer.block_size = block_size
    with pytest.raises(ValueError, match=r"Adam: block_size must be a positive integer"):
        optimizer.step()
