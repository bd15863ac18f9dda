"""BatchNorm1d and LazyBatchNorm1d against torch: training and eval, running statistics,
state_dict names, (N, C) and (N, C, L) inputs."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from tests.minigrad.engine_checks import DTYPES, check_gradients


def _pair(num_features, **options):
    ours, theirs = nn.BatchNorm1d(num_features, **options), torch.nn.BatchNorm1d(
        num_features, **options).double()
    with torch.no_grad():
        theirs.weight.uniform_(0.5, 1.5)
        theirs.bias.uniform_(-0.5, 0.5)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    return ours, theirs


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)], ids=str)
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm_training_then_eval_matches_torch(momentum, shape, dtype, assert_close, rng):
    mg.set_default_dtype(dtype)
    ours, theirs = _pair(3, momentum=momentum)
    theirs = theirs.to(getattr(torch, dtype))
    ours.to(dtype)
    for step in range(3):
        x = rng.standard_normal(shape).astype(dtype) * (step + 1) + step
        mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours(mx), theirs(tx)
        assert_close(y, ty, "train forward")
        upstream = rng.standard_normal(shape).astype(dtype)
        y.backward(upstream)
        ty.backward(torch.from_numpy(upstream))
        assert_close(mx.grad, tx.grad, "dx")
        assert_close(ours.weight.grad, theirs.weight.grad, "dweight")
        assert_close(ours.bias.grad, theirs.bias.grad, "dbias")
        ours.zero_grad()
        theirs.zero_grad()
    for name, value in theirs.state_dict().items():
        if name == "num_batches_tracked":
            assert ours.state_dict()[name] == value.item() == 3
        else:
            assert_close(ours.state_dict()[name], value, name)
    ours.eval(), theirs.eval()
    x = rng.standard_normal(shape).astype(dtype)
    assert_close(ours(mg.tensor(x)), theirs(torch.from_numpy(x)), "eval forward")


def test_batchnorm_gradcheck_in_training_mode(rng):
    norm = nn.BatchNorm1d(3)
    norm.to(mg.float64)
    weights = mg.tensor(np.arange(1.0, 4.0))
    check_gradients(lambda x: norm(x) * weights, [rng.standard_normal((5, 3))])


def test_state_dict_names_are_torchs():
    assert list(nn.BatchNorm1d(4).state_dict()) == list(torch.nn.BatchNorm1d(4).state_dict())
    assert nn.BatchNorm1d(4).state_dict()["num_batches_tracked"].dtype == np.int64
    assert [n for n, _ in nn.BatchNorm1d(4).named_parameters()] == ["weight", "bias"]


def test_lazy_batchnorm_reads_its_size_and_becomes_a_batchnorm(rng):
    lazy = nn.LazyBatchNorm1d()
    optimizer = mg.optim.SGD(lazy.parameters(), lr=0.1)    # before the first forward
    with pytest.raises(RuntimeError, match="LazyBatchNorm1d .* has no parameters yet"):
        lazy.state_dict()
    x = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)
    y = lazy(mg.tensor(x))
    expected = torch.nn.LazyBatchNorm1d()(torch.from_numpy(x))
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    assert type(lazy) is nn.BatchNorm1d and lazy.num_features == 2
    (y * mg.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    optimizer.step()
    assert lazy.weight.shape == (2,) and not np.allclose(lazy.weight.numpy(), 1.0)


def test_batchnorm_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"BatchNorm1d: expected input \(N, 3\) or \(N, 3, L\), "
                                         r"got shape \(2, 4\)"):
        nn.BatchNorm1d(3)(mg.ones((2, 4)))
    with pytest.raises(ValueError, match="training needs more than 1 value per channel"):
        nn.BatchNorm1d(3)(mg.ones((1, 3)))
