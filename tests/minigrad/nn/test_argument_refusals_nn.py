"""nn arguments found by the 2026-12-07 fault battery, refused in one line naming the layer."""
import pytest

import minigrad as mg
from minigrad.nn import functional as F


@pytest.mark.parametrize("p", ["a", None, float("nan"), 1.0, -0.1])
def test_dropout_refuses_a_p_that_is_not_a_probability(p):
    with pytest.raises(ValueError, match=r"Dropout: p must lie in \[0, 1\)"):
        mg.nn.Dropout(p)                # 'a' was "'<=' not supported between int and str"


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_cross_entropy_names_a_label_out_of_range_in_every_reduction(reduction):
    # 'mean' was checked; 'none' and 'sum' went to a gather whose error printed the index arrays
    with pytest.raises(IndexError, match=r"cross_entropy: labels contain 5, out of range for 3 "
                                         r"classes \(valid labels are 0\.\.2\)"):
        F.cross_entropy(mg.ones((2, 3)), mg.tensor([0, 5]).numpy(), reduction=reduction)
    with pytest.raises(IndexError, match="labels contain -1"):
        F.cross_entropy(mg.ones((2, 3, 4)), mg.tensor([[0, 1, 2, -1], [0, 0, 0, 0]]).numpy(),
                        reduction=reduction)
    assert F.cross_entropy(mg.ones((2, 3)), [0, 2], reduction=reduction).numpy().shape == (
        (2,) if reduction == "none" else ())


@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_cross_entropy_labels_on_the_backend_are_checked_too(reduction):
    # on a device backend (strict here, CuPy on a GPU) the labels are checked without a sync:
    # the bad row's loss is NaN and the first read names it; CuPy's indexing would wrap -1
    # around silently, strict's refused it with an error printing the index arrays
    logits = mg.ones((2, 3), requires_grad=True)
    with pytest.raises(IndexError, match="cross_entropy: labels contain 5, out of range"):
        F.cross_entropy(logits, mg.tensor([0, 5]), reduction=reduction).numpy()
    with pytest.raises(IndexError, match="cross_entropy: labels contain -1, out of range"):
        F.cross_entropy(mg.ones((2, 3, 4)), mg.tensor([[0, 1, 2, -1], [0, 0, 0, 0]]),
                        reduction=reduction).numpy()
    loss = F.cross_entropy(logits, mg.tensor([0, 2]), reduction=reduction)   # flag cleared
    loss.sum().backward()
    assert logits.grad.shape == (2, 3)


def test_printing_a_loss_whose_label_was_flagged_names_the_label():
    with pytest.raises(IndexError, match="cross_entropy: labels contain 5"):
        # NumPy: at the call; a device backend: at the print, which showed 'nan' without a word
        print(F.cross_entropy(mg.ones((2, 3)), mg.tensor([0, 5]), reduction="none"))
    print(F.cross_entropy(mg.ones((2, 3)), mg.tensor([0, 2]), reduction="none"))


def test_module_apply_names_an_argument_that_is_not_a_function():
    with pytest.raises(TypeError, match=r"Module.apply: fn must be a function.*str 'x'"):
        mg.nn.Linear(2, 2).apply("x")
