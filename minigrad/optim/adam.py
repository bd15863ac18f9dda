"""Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``."""
import math
import numbers

from minigrad import backend
from minigrad.optim.optimizer import Optimizer


class Adam(Optimizer):
    """For each parameter p with gradient g, at step t = 1, 2, ...:

        g = g + weight_decay * p               (L2 penalty added to the gradient, not AdamW)
        m = beta1 * m + (1 - beta1) * g        (first moment, m starts at 0)
        v = beta2 * v + (1 - beta2) * g^2      (second moment, v starts at 0)
        m_hat = m / (1 - beta1^t)              (bias corrections: m and v start biased to 0)
        v_hat = v / (1 - beta2^t)
        p = p - lr * m_hat / (sqrt(v_hat) + eps)

    computed as torch does: p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if (not isinstance(betas, (tuple, list)) or len(betas) != 2
                or not all(isinstance(b, numbers.Real) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        betas = tuple(betas)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})
        # One flat work buffer as large as the largest parameter; each update uses a view of
        # it for its temporaries, so a step allocates nothing (fresh temporaries as large as
        # an embedding matrix, eight per parameter per step, cost more than the arithmetic).
        largest = max(self.params, key=lambda p: p.size)
        self._buffer = backend.xp.empty(largest.size, dtype=largest.dtype)

    def _work_array(self, param):
        """A temporary array shaped like ``param`` (a view of the work buffer when it fits)."""
        if param.dtype != self._buffer.dtype or param.size > self._buffer.size:
            return backend.xp.empty_like(param.data)
        return self._buffer[:param.size].reshape(param.shape)

    def _update(self, param, grad, state):
        lr, eps, weight_decay = (self.hyperparameters[k] for k in ("lr", "eps", "weight_decay"))
        beta1, beta2 = self.hyperparameters["betas"]
        xp = backend.xp
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)       # m
            state["exp_avg_sq"] = xp.zeros_like(param.data)    # v
        state["step"] += 1
        t, m, v = state["step"], state["exp_avg"], state["exp_avg_sq"]
        if weight_decay:
            grad = grad + weight_decay * param.data
        work = self._work_array(param)
        # m = beta1 m + (1 - beta1) g
        m *= beta1
        m += xp.multiply(grad, 1 - beta1, out=work)
        # v = beta2 v + (1 - beta2) g^2
        v *= beta2
        square = xp.multiply(grad, grad, out=work)
        square *= 1 - beta2
        v += square
        # p -= (lr / (1 - beta1^t)) m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
        denom = xp.sqrt(v, out=work)
        denom /= math.sqrt(1 - beta2 ** t)
        denom += eps
        step = xp.divide(m, denom, out=work)
        step *= lr / (1 - beta1 ** t)
        param.data -= step
