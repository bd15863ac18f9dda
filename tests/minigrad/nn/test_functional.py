"""nn.functional and the loss and activation layers against torch, with gradchecks."""
import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
from tests.minigrad.engine_checks import DTYPES, check_gradients, compare_with_torch

TF = torch.nn.functional


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", [(6, 5), (3, 5, 4), (5,)], ids=str)
def test_cross_entropy_matches_torch(shape, reduction, dtype, rng):
    logits = rng.standard_normal(shape)
    target_shape = shape[:1] + shape[2:] if len(shape) > 1 else ()
    labels = rng.integers(0, shape[1] if len(shape) > 1 else shape[0], target_shape)
    compare_with_torch(lambda x: F.cross_entropy(x, mg.tensor(labels), reduction=reduction),
                       lambda x: TF.cross_entropy(x, torch.from_numpy(labels),
                                                  reduction=reduction), [logits], dtype)
    check_gradients(lambda x: F.cross_entropy(x, mg.tensor(labels), reduction=reduction),
                    [logits])


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_with_class_probabilities_and_the_layer(dtype, rng):
    logits, probs = rng.standard_normal((4, 3)), rng.dirichlet(np.ones(3), 4)
    probs = probs.astype(dtype)
    compare_with_torch(lambda x: F.cross_entropy(x, mg.tensor(probs)),
                       lambda x: TF.cross_entropy(x, torch.from_numpy(probs)), [logits], dtype)
    labels = rng.integers(0, 3, 4)
    loss = nn.CrossEntropyLoss(reduction="none")
    compare_with_torch(lambda x: loss(x, mg.tensor(labels)),
                       lambda x: torch.nn.CrossEntropyLoss(reduction="none")(
                           x, torch.from_numpy(labels)), [logits], dtype)


def test_a_loss_subclass_may_set_its_reduction_in_forward_as_the_book_does(rng):
    """The 0.17 API's masked loss subclasses CrossEntropyLoss and sets reduction='none'."""
    class Masked(nn.CrossEntropyLoss):
        def forward(self, pred, label):
            self.reduction = "none"
            return super().forward(pred.permute(0, 2, 1), label).mean(dim=1)
    pred, label = rng.standard_normal((2, 3, 5)), rng.integers(0, 5, (2, 3))
    ours = Masked()(mg.tensor(pred), mg.tensor(label))
    theirs = TF.cross_entropy(torch.from_numpy(pred).permute(0, 2, 1), torch.from_numpy(label),
                              reduction="none").mean(dim=1)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)


def test_cross_entropy_errors_name_the_shapes():
    with pytest.raises(ValueError, match=r"cross_entropy: target has shape \(3,\), expected "
                                         r"\(2,\) for input of shape \(2, 4\)"):
        F.cross_entropy(mg.ones((2, 4)), mg.tensor([0, 1, 2]))
    with pytest.raises(ValueError, match="cross_entropy: reduction must be one of"):
        F.cross_entropy(mg.ones((2, 4)), mg.tensor([0, 1]), reduction="avg")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss_matches_torch(reduction, dtype, rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((3, 4))
    compare_with_torch(lambda x, y: nn.MSELoss(reduction=reduction)(x, y),
                       lambda x, y: torch.nn.MSELoss(reduction=reduction)(x, y), [a, b], dtype)
    check_gradients(lambda x, y: F.mse_loss(x, y, reduction), [a, b])


ACTIVATIONS = [
    (lambda x: nn.ReLU()(x), lambda x: torch.nn.ReLU()(x)),
    (lambda x: nn.GELU()(x), lambda x: torch.nn.GELU()(x)),
    (lambda x: nn.GELU("tanh")(x), lambda x: torch.nn.GELU("tanh")(x)),
    (lambda x: F.relu(x), TF.relu), (lambda x: F.gelu(x), TF.gelu),
    (lambda x: nn.Sigmoid()(x), torch.sigmoid), (lambda x: nn.Tanh()(x), torch.tanh),
    (lambda x: F.softmax(x, dim=-1), lambda x: TF.softmax(x, dim=-1)),
    (lambda x: nn.functional.softmax(x, dim=0), lambda x: TF.softmax(x, dim=0)),
    (lambda x: F.log_softmax(x, dim=1), lambda x: TF.log_softmax(x, dim=1)),
    (lambda x: nn.Softmax(dim=1)(x), lambda x: torch.nn.Softmax(dim=1)(x)),
    (lambda x: nn.Flatten()(x), lambda x: torch.nn.Flatten()(x)),
    (lambda x: F.dropout(x, 0.5, training=False), lambda x: TF.dropout(x, 0.5, False)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("ours, theirs", ACTIVATIONS, ids=[str(i) for i in range(len(ACTIVATIONS))])
def test_activations_match_torch(ours, theirs, dtype, rng):
    x = rng.standard_normal((3, 4, 2))
    compare_with_torch(ours, theirs, [x], dtype)


def test_dropout_in_training_keeps_the_expectation():
    x = mg.ones(10000)
    y = F.dropout(x, 0.3, training=True).numpy()
    kept = y[y != 0]
    np.testing.assert_allclose(kept, 1 / 0.7, rtol=1e-6)
    assert abs(y.mean() - 1.0) < 0.05
