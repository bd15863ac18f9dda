"""Stochastic gradient descent with momentum and weight decay, as ``torch.optim.SGD``."""
from minigrad.optim.optimizer import Optimizer


class SGD(Optimizer):
    """For each parameter p with gradient g, at every step:

        g = g + weight_decay * p                      (L2 penalty, when weight_decay > 0)
        b = g               at the first step         (momentum buffer, when momentum > 0)
        b = momentum * b + g        afterwards
        p = p - lr * b                                (p = p - lr * g without momentum)
    """

    def __init__(self, params, lr, momentum=0.0, weight_decay=0.0):
        super().__init__(params, {"lr": lr, "momentum": momentum,
                                  "weight_decay": weight_decay})

    def _update(self, param, grad, state):
        lr, momentum, weight_decay = (self.hyperparameters[k]
                                      for k in ("lr", "momentum", "weight_decay"))
        if weight_decay:
            grad = grad + weight_decay * param.data
        if momentum:
            buffer = state.get("momentum_buffer")
            if buffer is None:
                buffer = state["momentum_buffer"] = grad.copy()
            else:
                buffer *= momentum
                buffer += grad
            grad = buffer
        param.data -= lr * grad
