"""Loss layers, as torch's: ``nn.CrossEntropyLoss(reduction=)`` and ``nn.MSELoss(reduction=)``
(the functions are in ``nn.functional``)."""
from minigrad.nn import functional as F
from minigrad.nn.module import Module


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        if reduction not in ("mean", "sum", "none"):
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean', 'sum' or "
                             f"'none', got {reduction!r}")
        self.reduction = reduction

    def extra_repr(self):
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """``F.cross_entropy(input, target, reduction)``: logits with the classes on axis 1."""

    def forward(self, input, target):
        return F.cross_entropy(input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """``F.mse_loss(input, target, reduction)``: the squared error."""

    def forward(self, input, target):
        return F.mse_loss(input, target, reduction=self.reduction)
