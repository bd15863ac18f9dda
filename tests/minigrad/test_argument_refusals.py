"""Bad arguments found by the 2026-12-07 fault battery: each is refused in one line that names
the function, or (where torch accepts it) gives torch's result, never a NumPy traceback or a
silently wrong value."""
import numpy as np
import pytest
import torch

import minigrad as mg


def test_full_refuses_a_fill_value_that_is_not_one_number():
    with pytest.raises(TypeError, match=r"full: fill_value must be one number.*'x'"):
        mg.full((2,), "x")          # was a tensor of strings
    with pytest.raises(TypeError, match="full: fill_value"):
        mg.full((2,), [1.0, 2.0])
    assert mg.full((2,), 3).dtype == mg.int64 and mg.full((2,), 1.5).dtype == mg.float32


def test_randint_names_an_empty_range():
    with pytest.raises(ValueError, match=r"randint: needs low < high.*low=5, high=2"):
        mg.randint(5, 2, (3,))      # was NumPy's 'low >= high' from inside its generator
    assert mg.randint(0, 1, (4,)).tolist() == [0, 0, 0, 0]


def test_chunk_refuses_zero_chunks():
    with pytest.raises(ValueError, match=r"chunk: chunks must be an integer >= 1, got 0"):
        mg.ones((1, 2)).chunk(0, dim=1)     # was ZeroDivisionError


def test_manual_seed_takes_negative_seeds_as_torch_and_refuses_non_integers():
    mg.manual_seed(-1)              # was NumPy's 'expected non-negative integer'
    first = mg.randn(3).tolist()
    mg.manual_seed(-1)
    assert mg.randn(3).tolist() == first
    torch.manual_seed(-1)           # torch accepts it too
    with pytest.raises(TypeError, match=r"manual_seed: expected an integer seed, got 'x'"):
        mg.manual_seed("x")
    with pytest.raises(TypeError, match="manual_seed"):
        mg.manual_seed(1.5)
    mg.manual_seed(0)


def test_set_readable_refuses_a_string_instead_of_turning_on():
    before = mg.is_readable()
    with pytest.raises(TypeError, match=r"set_readable: expected True or False, got 'no'"):
        mg.set_readable("no")       # bool('no') is True: it turned readable mode on
    assert mg.is_readable() == before


def test_graph_functions_name_a_non_tensor():
    with pytest.raises(TypeError, match="graph_text: expected the Tensor.*got str"):
        mg.graph_text("abc")
    with pytest.raises(TypeError, match="graph_dot: expected the Tensor.*got int"):
        mg.graph_dot(3)


def test_backward_names_a_grad_that_is_not_numbers():
    x = mg.ones(2, requires_grad=True)
    with pytest.raises(TypeError, match=r"backward: grad must be a Tensor or array of numbers "
                                        r"of shape \(2,\), got str"):
        (x * 2).backward("abc")


def test_backward_names_a_grad_attribute_that_is_not_an_array():
    x = mg.ones(2, requires_grad=True)
    x.grad = "a"
    with pytest.raises(TypeError, match=r"holds a \.grad of type str"):
        (x * 2).sum().backward()


def test_a_string_keepdim_is_refused_not_taken_as_true():
    x = mg.ones((2, 3))
    with pytest.raises(TypeError, match="keepdim must be True or False, got 'no'"):
        x.mean(dim=1, keepdim="no")         # was keepdim=True
    assert x.sum(1, True).shape == (2, 1) and x.sum(dim=1, keepdim=np.bool_(False)).shape == (2,)


@pytest.mark.parametrize("join", ["cat", "stack"])
def test_joining_floats_with_integers_keeps_torchs_float_dtype(join):
    parts = [mg.ones(2), mg.ones(2, dtype=mg.int64)]
    expected = getattr(torch, join)([torch.ones(2), torch.ones(2, dtype=torch.int64)]).dtype
    assert expected == torch.float32
    assert getattr(mg, join)(parts).dtype == mg.float32       # NumPy's rule gave float64
    assert getattr(mg, join)([mg.ones(2, dtype=mg.float64), mg.ones(2)]).dtype == mg.float64


def test_where_names_shapes_that_do_not_broadcast():
    with pytest.raises(ValueError, match=r"where: condition \(2,\), x \(2,\) and y \(3,\) do not"):
        mg.where(mg.tensor([True, False]), mg.ones(2), mg.zeros(3))


def test_cross_entropy_refuses_logits_without_classes():
    from minigrad.ops.loss import cross_entropy
    with pytest.raises(ValueError, match=r"cross_entropy: logits of shape \(2, 0\) have no "
                                         r"classes"):
        cross_entropy(mg.ones((2, 0)), mg.tensor([0, 0]))   # strict: a reshape error


def test_the_backward_seam_names_a_grad_that_is_not_an_array_of_the_roots_shape():
    y = (mg.ones(2, requires_grad=True) * 2).sum()
    with pytest.raises(TypeError, match=r"backward: grad must be an array of the root's shape "
                                        r"\(\), got int"):
        mg.autograd.backward(y, 5)      # was 'int' object has no attribute 'reshape'


def test_the_mean_of_integers_is_in_the_default_float_dtype():
    assert mg.ones(2, dtype=mg.int32).mean().dtype == mg.float32      # NumPy gave float64
    assert mg.ones((2, 3), dtype=mg.bool).mean(dim=1).tolist() == [1.0, 1.0]
    assert mg.ones(3, dtype=mg.float64).mean().dtype == mg.float64


def test_load_of_a_folder_or_a_missing_file_is_the_oserror_naming_load(tmp_path):
    with pytest.raises(IsADirectoryError, match=r"load: Is a directory: .*"):
        mg.load(tmp_path)               # was raised from inside NumPy's loader
    with pytest.raises(FileNotFoundError, match=r"load: No such file or directory: .*nope"):
        mg.load(tmp_path / "nope.npz")


def test_clamp_names_a_bound_that_is_not_a_number():
    with pytest.raises(TypeError, match="clamp: min must be a number, got 'a'"):
        mg.clamp(mg.ones(2), min="a")        # was NumPy's UFuncTypeError
    assert mg.clamp(mg.Tensor([0.0, 2.0]), min=0.5, max=1.5).tolist() == [0.5, 1.5]


def test_the_examples_seed_flag_refuses_a_negative_seed():
    import argparse
    with pytest.raises(argparse.ArgumentTypeError, match="must be an integer >= 0, got '-1'"):
        mg.flags.seed("-1")                  # was a traceback from NumPy's default_rng
    assert mg.flags.seed("7") == 7


@pytest.mark.parametrize("flag", ["yes", 1, None])
def test_requires_grad_must_be_a_bool_as_in_torch(flag):
    x = mg.ones(2)
    with pytest.raises(RuntimeError, match=r"requires_grad must be a bool"):
        x.requires_grad = flag
    assert x.requires_grad is False


def test_requires_grad_is_refused_on_integers_and_switched_off_only_on_leaves():
    with pytest.raises(RuntimeError, match=r"only float tensors can require grad.*int64"):
        mg.ones(2, dtype=mg.int64).requires_grad = True
    computed = mg.ones(2, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"only a leaf's flag can be changed.*by mul"):
        computed.requires_grad = False
    leaf = mg.ones(2)
    leaf.requires_grad = True
    (leaf * 3).sum().backward()
    assert leaf.grad.tolist() == [3.0, 3.0]


@pytest.mark.parametrize("lr", [True, np.array(0.1), np.array([0.1, 0.1]), "0.1"])
def test_a_learning_rate_equal_to_the_checked_one_but_of_another_type_is_checked(lr):
    """Hyperparameters are re-checked only when they change; True == 1 and array(0.1) ==
    0.1 in Python, so the compare looks at the types too."""
    w = mg.ones(3, requires_grad=True)
    optimizer = mg.optim.SGD([w], lr=1 if lr is True else 0.1)
    (w * w).sum().backward()
    optimizer.step()
    optimizer.hyperparameters["lr"] = lr
    with pytest.raises(ValueError, match=r"SGD.step: lr must be a finite number >= 0"):
        optimizer.step()


def test_permute_and_squeeze_name_axes_that_are_not_ints_and_squeeze_takes_a_tuple():
    x, t = mg.ones((1, 3, 1, 2)), torch.ones(1, 3, 1, 2)
    for axes in (("a", 0, 1, 2), (1.0, 0, 2, 3)):
        with pytest.raises(TypeError, match=r"permute: axis must be an int, got"):
            x.permute(*axes)
    with pytest.raises(TypeError, match=r"squeeze: axis must be an int, got 1.0"):
        x.squeeze(1.0)
    for dims in ((0, 2), (0, 1), (-2,)):
        assert x.squeeze(dims).shape == tuple(t.squeeze(dims).shape)


def test_a_bool_seed_and_a_numpy_bool_flag_are_taken_as_torch_and_python_take_them():
    mg.manual_seed(True)
    a = mg.rand(3).numpy()
    mg.manual_seed(1)
    assert a.tolist() == mg.rand(3).numpy().tolist()
    mg.set_readable(np.bool_(True))
    try:
        assert mg.is_readable() is True
    finally:
        mg.set_readable(False)


def test_a_type_change_inside_adams_betas_is_checked():
    w = mg.ones(3, requires_grad=True)
    optimizer = mg.optim.Adam([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    optimizer.hyperparameters["betas"] = (np.array(0.9), 0.999)    # == (0.9, 0.999)
    with pytest.raises(ValueError, match=r"Adam.step: betas"):
        optimizer.step()
