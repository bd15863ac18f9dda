"""Adam (Kingma and Ba, 2015), as ``torch.optim.Adam``."""
import math
import numbers

from minigrad import backend, kernels, versions
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

    ``_update`` does this for one parameter: the readable form, and the one readable mode
    runs. A step otherwise updates all the parameters of one dtype at once (``_FlatGroup``):
    they, their moments and their gradients are views into one flat array each, so a step is
    one kernel launch on a GPU however many parameters there are, and on the CPU a dozen
    array operations per block of ``block_size`` elements, instead of a dozen per parameter.
    Both apply the same elementwise arithmetic, so they give the same bits.

    Why blocks on the CPU: the dozen passes over one block run in the cache, so main memory
    sees each array about once instead of a dozen times (BENCHMARKS.md, bench_adam.py). A
    model smaller than one block (d2l's sizes) takes a single block.
    """
    block_size = 1 << 18    # elements: a block's five arrays (5 MiB of float32) stay in L3

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        if (not isinstance(betas, (tuple, list)) or len(betas) != 2
                or not all(isinstance(b, numbers.Real) and 0 <= b < 1 for b in betas)):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        betas = tuple(betas)
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})
        # The per-parameter update's work buffer, as large as the largest parameter, made at
        # its first use (the flat update has temporaries of its own): each update uses a view
        # of it, so a step allocates nothing (fresh temporaries as large as an embedding
        # matrix, eight per parameter per step, cost more than the arithmetic).
        self._buffer = None

    def _work_array(self, param):
        """A temporary array shaped like ``param`` (a view of the work buffer when it fits)."""
        if self._buffer is None:
            largest = max(self.params, key=lambda p: p.data.size)
            self._buffer = backend.xp.empty(largest.data.size, dtype=largest.dtype)
        if param.dtype != self._buffer.dtype or param.data.size > self._buffer.size:
            return backend.xp.empty_like(param.data)
        return self._buffer[:param.data.size].reshape(param.shape)

    def _update(self, param, grad, state):
        xp = backend.xp
        if not state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(param.data)       # m
            state["exp_avg_sq"] = xp.zeros_like(param.data)    # v
        state["step"] += 1
        if self.hyperparameters["weight_decay"]:
            grad = grad + self.hyperparameters["weight_decay"] * param.data
        self._apply(param.data, grad, state["exp_avg"], state["exp_avg_sq"], state["step"],
                    self._work_array(param))

    def _apply(self, p, grad, m, v, t, work):
        """The update of arrays p, m, v (in place) from grad at step t; work: a temporary."""
        lr, eps = self.hyperparameters["lr"], self.hyperparameters["eps"]
        beta1, beta2 = self.hyperparameters["betas"]
        xp = backend.xp
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
        p -= step

    # -- all parameters of one dtype at once ------------------------------------------------
    def step(self):
        """Update every parameter that has a gradient (see the class docstring for how)."""
        size = self.block_size
        if type(size) is not int or size < 1:           # else the common case: a count
            if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < 1:
                raise ValueError(f"Adam: block_size must be a positive integer (elements), "
                                 f"got {size!r}")
        self._check_before_step()
        groups = None if backend.is_readable() else self._flat_groups()
        if groups is None:     # readable mode, or parameters that do not step together
            return super().step()
        for group in groups:
            group.gather_grads(self.params)
            t = self.state[group.indices[0]]["step"] + 1
            if backend.is_device():     # one kernel launch: minigrad/kernels/adam.cu
                self._apply_kernel(group, t)
            else:
                self._apply_blocks(group, t)
            for i in group.indices:
                self.state[i]["step"] = t
        self._bump_versions()

    def _apply_blocks(self, group, t):
        """``_apply`` (weight decay included) over the flat arrays, one cache-sized block at a
        time (views of the flat arrays, so the update lands in them)."""
        decay = self.hyperparameters["weight_decay"]
        size = group.data.size
        block_work = group.work_array(min(self.block_size, size))
        for start in range(0, size, self.block_size):
            block = slice(start, min(start + self.block_size, size))
            p, grad, m, v = group.data[block], group.grad[block], group.m[block], group.v[block]
            work = block_work[:p.size]
            if decay:                                          # g = g + weight_decay * p
                grad += backend.xp.multiply(p, decay, out=work)
            self._apply(p, grad, m, v, t, work)

    def _apply_kernel(self, group, t):
        """The same update as ``_apply`` (weight decay included) in one kernel."""
        lr, eps = self.hyperparameters["lr"], self.hyperparameters["eps"]
        beta1, beta2 = self.hyperparameters["betas"]
        kernels.launch("adam", group.data.size, group.data.dtype, group.data, group.grad,
                       group.m, group.v, beta1, 1 - beta1, beta2, 1 - beta2,
                       lr / (1 - beta1 ** t), math.sqrt(1 - beta2 ** t), eps,
                       self.hyperparameters["weight_decay"], group.data.size)

    def _flat_groups(self):
        """The flat groups, (re)built where needed; None when the per-parameter update must
        run instead: a parameter without a gradient, or parameters at different steps."""
        for p in self.params:
            if p.grad is None:
                return None
        if len({state.get("step", 0) for state in self.state}) != 1:
            return None
        groups = getattr(self, "_groups", None)
        if groups is None or not all([group.is_bound(self.params, self.state)
                                      for group in groups]):
            by_dtype = {}
            for i, p in enumerate(self.params):
                by_dtype.setdefault(p.dtype, []).append(i)
            groups = self._groups = [_FlatGroup(self.params, self.state, indices)
                                     for indices in by_dtype.values()]
        return groups


class _FlatGroup:
    """Parameters of one dtype, their Adam moments and their gradients, each kind packed in
    one flat array. Each parameter's ``.data`` and its state's ``exp_avg`` and ``exp_avg_sq``
    become views of their flat array, so updating the flat arrays updates them all; the
    gradients, which backward makes afresh at every step, are copied in with one
    concatenation. If anything replaces one of those views (``load_state_dict`` on the model
    or the optimizer), ``is_bound`` notices and the group is packed again from the new arrays.
    ``work`` is the CPU update's temporary, made at its first use (``work_array``).
    """

    def __init__(self, params, states, indices):
        xp = backend.xp
        self.indices = indices
        members = [params[i] for i in indices]
        for i in indices:
            if not states[i]:
                states[i].update(step=0, exp_avg=xp.zeros_like(params[i].data),
                                 exp_avg_sq=xp.zeros_like(params[i].data))
        flat = [xp.concatenate([array.reshape(-1) for array in arrays])
                for arrays in ([p.data for p in members],
                               [states[i]["exp_avg"] for i in indices],
                               [states[i]["exp_avg_sq"] for i in indices])]
        self.data, self.m, self.v = flat
        self.grad = xp.empty_like(self.data)
        self.work = None        # one block long: see work_array
        self.views = []
        start = 0
        for i, p in zip(indices, members):
            stop = start + p.data.size
            views = tuple(array[start:stop].reshape(p.shape) for array in flat)
            p.data, states[i]["exp_avg"], states[i]["exp_avg_sq"] = views
            versions.keep_own_version(p.data)   # one parameter's write is not the others'
            self.views.append(views)
            start = stop

    def is_bound(self, params, states):
        """Whether every parameter and moment is still the view this group made of it."""
        for i, (data, m, v) in zip(self.indices, self.views):
            state = states[i]
            if (params[i].data is not data or state.get("exp_avg") is not m
                    or state.get("exp_avg_sq") is not v):
                return False
        return True

    def work_array(self, size):
        """A temporary array of ``size`` elements, kept from step to step."""
        if self.work is None or self.work.size < size:
            self.work = backend.xp.empty(size, dtype=self.data.dtype)
        return self.work[:size]

    def gather_grads(self, params):
        backend.xp.concatenate([params[i].grad.reshape(-1) for i in self.indices],
                               out=self.grad)
