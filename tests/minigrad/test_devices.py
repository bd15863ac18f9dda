"""Devices: mg.device, x.device, x.to / cpu / cuda, Module.to, the mixing error.

Under the strict backend 'cuda' means the strict arrays, so CI runs the device branches; a
machine without CuPy or a GPU refuses an explicit 'cuda' under the NumPy backend.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad import backend, devices, nn


def test_device_names_and_equality():
    assert str(mg.device("cuda:0")) == "cuda:0" and repr(mg.device("cpu")) == "device(type='cpu')"
    assert mg.device("cuda") == "cuda:0" and mg.device("cpu") == "cpu"
    assert mg.device("cuda", 0) == mg.device("cuda:0") and mg.device("cpu") != "cuda"
    assert mg.device(mg.device("cpu")).type == "cpu"
    with pytest.raises(ValueError, match="device: unknown device 'mps'"):
        mg.device("mps")
    with pytest.raises(backend.BackendError, match="minigrad uses one GPU, cuda:0; got cuda:1"):
        mg.ones(2).to("cuda:1")


def test_a_host_tensor_is_on_the_cpu_and_moves_to_the_strict_device(monkeypatch):
    """'cuda' under the strict backend: CI's stand-in for the GPU."""
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    backend.set_backend("numpy")
    x = mg.tensor([1.0, 2.0])
    assert x.device == "cpu" and x.to("cpu") is x and x.cpu() is x and not x.is_cuda
    y = x.to(mg.device("cuda"))
    assert mg.get_backend() == "strict"          # the device choice switched the engine
    assert y.device == "cuda:0" and y.is_cuda and backend.array_backend(y.data) == "strict"
    assert y.to("cuda") is y and y.cuda() is y
    z = y.cpu()
    assert z.device == "cpu" and z.tolist() == [1.0, 2.0]
    assert mg.cuda.is_available() and mg.cuda.device_count() == 1
    assert mg.arange(3, device=y.device).device == "cuda:0"


def test_mixing_devices_in_one_op_names_both(monkeypatch):
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    backend.set_backend("strict")
    gpu, cpu = mg.ones(2), mg.ones(2).cpu()
    with pytest.raises(backend.BackendError, match=r"add: tensors on two devices, cuda:0 "
                                                   r"\(strict\) \(2,\) and cpu \(numpy\) \(2,\)"):
        gpu + cpu
    with pytest.raises(backend.BackendError, match="concat: tensors on two devices"):
        mg.cat((gpu, cpu))


def test_to_with_a_dtype_another_tensor_or_both():
    x = mg.tensor([1.5, 2.5])
    assert x.to(mg.float64).dtype == np.float64 and x.to(dtype=mg.long).tolist() == [1, 2]
    other = mg.zeros(1, dtype=mg.float64)
    assert x.to(other).dtype == np.float64 and x.to(x.device, mg.int32).dtype == np.int32
    assert x.to(x.device) is x


def test_moving_a_graph_tensor_is_refused(monkeypatch):
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    backend.set_backend("numpy")
    y = mg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"to\('cuda:0'\): this tensor of shape \(2,\) was "
                                           r"computed in the graph"):
        y.to("cuda")


def test_module_to_moves_parameters_and_buffers_in_place(monkeypatch):
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    backend.set_backend("numpy")
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2))
    params = model.parameters()
    optimizer = mg.optim.SGD(params, lr=0.1)
    assert model.to(mg.device("cuda")) is model
    assert all(p.device == "cuda:0" for p in model.parameters() + model.buffers())
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    x = mg.randn(4, 3).to("cuda")
    model(x).sum().backward()
    optimizer.step()                                 # the optimizer built before still works
    model.to("cpu")
    assert mg.get_backend() == "numpy" and model[0].weight.device == "cpu"
    assert model(mg.randn(4, 3)).shape == (4, 2)
    model.to(mg.float64)
    assert model[0].weight.dtype == np.float64 and model[1].running_mean.dtype == np.float64


@pytest.mark.numpy_only
def test_an_explicit_cuda_without_a_gpu_is_one_clear_error(monkeypatch):
    monkeypatch.delenv("MINIGRAD_BACKEND", raising=False)
    backend.set_backend("numpy")
    if devices.device_count():
        pytest.skip("this machine has a GPU")
    assert not mg.cuda.is_available()
    with pytest.raises(backend.BackendError, match=r"to\('cuda:0'\): backend 'cupy'"):
        mg.ones(2).to("cuda")
    with pytest.raises(backend.BackendError, match=r"Module.to\('cuda:0'\): backend 'cupy'"):
        nn.Linear(2, 2).to("cuda")
    assert mg.get_backend() == "numpy"


@pytest.mark.numpy_only
def test_cuda_means_the_device_backend_in_use_else_what_the_process_asked_for(monkeypatch):
    monkeypatch.delenv("MINIGRAD_BACKEND", raising=False)
    backend.set_backend("strict")
    assert devices.cuda_backend() == "strict" and mg.cuda.device_count() == 1
    backend.set_backend("numpy")                 # no memory of the strict run before
    assert devices.cuda_backend() == "cupy"
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    assert devices.cuda_backend() == "strict"


def test_a_device_move_does_not_rewind_the_seeded_generator(monkeypatch):
    monkeypatch.setenv("MINIGRAD_BACKEND", "strict")
    backend.set_backend("numpy")
    mg.manual_seed(0)
    first = mg.randn(3).numpy()
    mg.ones(1).to("cuda")
    assert not np.allclose(mg.randn(3).numpy(), first)
