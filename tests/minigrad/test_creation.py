"""Creation functions and dtype names against torch: shapes, dtypes, values."""
import numpy as np
import pytest
import torch
from hypothesis import given, settings, strategies as st

import minigrad as mg


def _same(ours, theirs):
    assert ours.shape == tuple(theirs.shape)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, 3), lambda m: m.ones((2, 3)), lambda m: m.zeros((4, 7), dtype=m.long),
    lambda m: m.ones((2, 100), dtype=m.long), lambda m: m.eye(3), lambda m: m.eye(2, 3),
    lambda m: m.arange(5), lambda m: m.arange(1, 7, 2), lambda m: m.arange(20.0),
    lambda m: m.arange(40, dtype=m.float32), lambda m: m.full((2, 2), 3),
    lambda m: m.full((2,), 1.5), lambda m: m.full((2,), True), lambda m: m.linspace(0, 1, 5),
    lambda m: m.tensor([2, 3]), lambda m: m.tensor([[1, 2], [2, 3]], dtype=m.float32),
    lambda m: m.tensor(3.5), lambda m: m.tensor([True, False]),
    lambda m: m.tensor(np.arange(3.0)), lambda m: m.tensor(np.arange(3, dtype=np.int32)),
    lambda m: m.zeros_like(m.ones((2, 3), dtype=m.float64)),
    lambda m: m.ones_like(m.tensor([1, 2])), lambda m: m.ones(3, dtype=m.double),
    lambda m: m.zeros(2, dtype=m.int32), lambda m: m.ones(2, dtype=m.bool),
    lambda m: m.zeros(2, dtype=m.int), lambda m: m.ones(2, dtype=m.float),
], ids=lambda c: "")
def test_creation_matches_torch(call):
    _same(call(mg), call(torch))


def test_float_arange_lengths_match_torch():
    for args in [(0, 5, 0.1), (-2.5, 2.5, 0.1), (0.0, 1.0, 0.3)]:
        assert mg.arange(*args).shape == tuple(torch.arange(*args).shape)
        np.testing.assert_allclose(mg.arange(*args).numpy(), torch.arange(*args).numpy(),
                                   rtol=1e-6, atol=1e-6)


@settings(max_examples=30, deadline=None)
@given(st.integers(-20, 20), st.integers(-20, 20), st.integers(1, 5))
def test_integer_arange_matches_torch(start, end, step):
    if end < start:          # torch refuses bounds against the step's sign, and so do we
        with pytest.raises(ValueError, match="arange: the bounds .* inconsistent"):
            mg.arange(start, end, step)
        return
    _same(mg.arange(start, end, step), torch.arange(start, end, step))


def test_the_default_dtype_follows_set_default_dtype():
    mg.set_default_dtype("float64")
    assert mg.ones(2).dtype == mg.float64 == mg.get_default_dtype()
    assert mg.tensor([1.0]).dtype == mg.float64 and mg.rand(2).dtype == mg.float64
    assert mg.tensor([1]).dtype == mg.int64


def test_random_creation_shapes_dtypes_and_seeding():
    for fn in (mg.rand, mg.randn):
        assert fn(2, 2, 4).shape == (2, 2, 4) and fn((3,)).dtype == mg.float32
    mg.manual_seed(3)
    a = mg.normal(0.0, 0.5, (1000,))
    mg.manual_seed(3)
    b = mg.normal(0.0, 0.5, (1000,))
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert abs(float(a.numpy().std()) - 0.5) < 0.05 and a.dtype == mg.float32
    u = mg.rand(1000)
    assert 0 <= float(u.numpy().min()) and float(u.numpy().max()) < 1
    assert mg.normal(mg.zeros(3), 1.0).shape == (3,)
    assert mg.randint(0, 5, (2, 3)).dtype == mg.int64


def test_requires_grad_and_errors_name_the_function():
    x = mg.rand((1,), requires_grad=True)
    assert x.requires_grad and x.grad is None
    with pytest.raises(TypeError, match="ones: requires_grad=True needs a float dtype"):
        mg.ones(2, dtype=mg.long, requires_grad=True)
    with pytest.raises(ValueError, match=r"zeros: a size must be ints >= 0, got \(2, -1\)"):
        mg.zeros(2, -1)
    with pytest.raises(TypeError, match="dtype 'nope' is not a dtype|'nope' is not a dtype"):
        mg.ones(2, dtype="nope")
    with pytest.raises(ValueError, match="arange: step must be nonzero"):
        mg.arange(0, 3, 0)
    with pytest.raises(ValueError, match="tensor: the data does not form a rectangular array"):
        mg.tensor([[1, 2], [3]])


def test_dtype_names_are_torchs():
    pairs = {"float32": mg.float32, "float64": mg.float64, "int64": mg.long, "int32": mg.int,
             "bool": mg.bool, "float16": mg.half}
    for name, ours in pairs.items():
        assert ours == np.dtype(name)
    assert mg.float is mg.float32 and mg.double is mg.float64 and mg.int64 is mg.long
    x = mg.tensor([1.0, 2.0])
    assert x.type(mg.long).dtype == np.int64 and x.dtype == mg.float32


def test_tensor_copies_its_data():
    data = np.zeros(3)
    x = mg.tensor(data, dtype=mg.float32)
    data[0] = 5
    assert x.tolist() == [0.0, 0.0, 0.0]


def test_from_numpy_shares_memory_on_the_host_backend():
    array = np.zeros(3, dtype=np.float64)
    x = mg.from_numpy(array)
    assert x.dtype == np.float64
    if mg.get_backend() == "numpy":
        array[0] = 4.0
        assert x.tolist()[0] == 4.0
    with pytest.raises(TypeError, match="from_numpy: expected a numpy.ndarray, got list"):
        mg.from_numpy([1, 2])


@pytest.mark.parametrize("python_type", [float, int, bool])
def test_python_types_as_dtype_mean_what_torch_makes_of_them(python_type):
    ours = mg.tensor([1, 0], dtype=python_type)
    theirs = torch.tensor([1, 0], dtype=python_type)
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
