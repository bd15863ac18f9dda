"""Python's protocols on a Tensor behave as torch's do: comparisons, bool(), iteration,
numpy.asarray, hashing; and pow's gradient at 0 is torch's."""
import numpy as np
import pytest
import torch

import minigrad as mg
from engine_checks import host


@pytest.mark.parametrize("op", ["__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"])
def test_comparisons_are_elementwise_bool_tensors_like_torch(op):
    a, b = [1.0, 2.0, 3.0], [[1.0], [2.5]]            # broadcast (3,) against (2, 1)
    ours = getattr(mg.Tensor(a, requires_grad=True), op)(mg.Tensor(b))
    theirs = getattr(torch.tensor(a), op)(torch.tensor(b))
    assert isinstance(ours, mg.Tensor) and ours.dtype == np.bool_
    assert not ours.requires_grad                      # a comparison has no gradient
    np.testing.assert_array_equal(host(ours.data), theirs.numpy())
    scalar = getattr(mg.Tensor(a), op)(2)              # a Python number on the right
    np.testing.assert_array_equal(host(scalar.data), getattr(torch.tensor(a), op)(2).numpy())


def test_comparisons_with_foreign_objects_and_bad_shapes():
    x = mg.Tensor([1.0, 2.0])
    assert (x == None) is False and (x != "a") is True   # noqa: E711  (Python's fallback)
    with pytest.raises(TypeError):
        x < "a"
    with pytest.raises(ValueError, match=r"lt: shapes \(2,\) and \(3,\) do not broadcast"):
        x < mg.Tensor([1.0, 2.0, 3.0])


def test_tensors_stay_hashable_by_identity():
    a, b = mg.Tensor([1.0]), mg.Tensor([1.0])
    table = {a: "a", b: "b"}
    assert table[a] == "a" and table[b] == "b" and len({a, b, a}) == 2
    assert a in [a] and a in {a}


def test_bool_is_the_truth_value_of_one_element():
    assert bool(mg.Tensor([0.0, 0.0]).sum()) is False
    assert bool(mg.Tensor([[3.0]])) is True and bool(mg.Tensor(0)) is False
    assert bool(torch.tensor([[3.0]])) is True
    for shape in [(2,), (0,), (2, 3)]:
        with pytest.raises(RuntimeError, match=rf"bool: .*shape \({shape[0]},.*ambiguous"):
            bool(mg.Tensor(np.zeros(shape)))
        with pytest.raises(RuntimeError):   # torch refuses the same tensors
            bool(torch.zeros(shape))


def test_iteration_walks_the_first_axis_like_torch():
    data = np.arange(6.0).reshape(3, 2)
    rows = list(mg.Tensor(data, requires_grad=True))
    assert len(rows) == 3 and all(r.shape == (2,) for r in rows)
    np.testing.assert_array_equal(np.stack([host(r.data) for r in rows]),
                                  np.stack([r.numpy() for r in torch.tensor(data)]))
    rows[1].sum().backward()                           # rows are ordinary ops of the graph
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(mg.Tensor(5.0))
    with pytest.raises(TypeError, match="iteration over a 0-d tensor"):
        list(torch.tensor(5.0))


def test_numpy_asarray_gives_the_data_on_the_cpu_and_is_refused_on_a_device(backend):
    x = mg.Tensor([1.5, 2.0])
    if backend == "numpy":
        array = np.asarray(x)
        assert array.dtype == np.float32 and array.tolist() == [1.5, 2.0]
        assert np.asarray(x, dtype=np.float64).dtype == np.float64
    else:
        with pytest.raises(TypeError, match=rf"numpy.asarray: .*backend '{backend}'.*"
                                            r"x\.numpy\(\)"):
            np.asarray(x)


@pytest.mark.parametrize("p", [0, 1, 2, 3, 0.0, 2.0])
def test_pow_gradient_at_zero_matches_torch(p):
    mg.set_default_dtype("float64")
    data = [0.0, 1.5, -2.0]
    x = mg.Tensor(data, requires_grad=True)
    (x ** p).sum().backward()
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    (t ** p).sum().backward()
    np.testing.assert_allclose(host(x.grad), t.grad.numpy())
    assert not np.isnan(host(x.grad)).any()


def test_pow_with_a_tensor_exponent_at_zero_matches_torch():
    mg.set_default_dtype("float64")
    base, exponent = [0.0, 0.0, 2.0, 0.0, 3.0], [0.0, 2.0, 0.0, 0.5, 1.5]
    a, p = mg.Tensor(base, requires_grad=True), mg.Tensor(exponent, requires_grad=True)
    (a ** p).sum().backward()
    ta = torch.tensor(base, dtype=torch.float64, requires_grad=True)
    tp = torch.tensor(exponent, dtype=torch.float64, requires_grad=True)
    (ta ** tp).sum().backward()
    np.testing.assert_allclose(host(a.grad), ta.grad.numpy())
    np.testing.assert_allclose(host(p.grad), tp.grad.numpy())
