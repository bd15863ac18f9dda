"""Where minigrad's training time goes: per op, forward and backward, against a roofline.

Times every op of ``minigrad.ops`` (forward: the op call; backward: its backward function)
during training steps of the Bahdanau model, counts the matmul FLOPs of one step from the
shapes of the products its ops run, and compares the step time with the roofline: those
FLOPs / the float32 matmul rate NumPy reaches on this machine. The gradients the backward walk
finishes itself (``WeightGrad``'s products per weight, ``SliceGrad``'s scatter into a
buffer), clipping and Adam get rows of their own; what is left (the graph walk, module code,
batching) is reported as one remainder.

It also prints the step's shape-aware floor: every matrix product of one step is recorded with
its operands' shapes and layouts (the step is run once under the strict backend, taking the
NumPy path, with its ``@`` wrapped here), each distinct product is timed alone in NumPy (the
best of several repeats), and the floor is the sum of those best times over the step's
products, plus Adam's passes over memory: about 7 arrays of the parameters' size (it reads the
parameters, the gradients and both moments, and writes the parameters and the moments) at the
copy bandwidth measured on this machine. The ratio step / floor says how far the step is from
doing nothing but its products and its optimizer's memory traffic.

    python benchmarks/profile_training.py --config wide
"""
import argparse
import collections
import functools
import math
import statistics
import time

import numpy as np

import minigrad as mg
from minigrad import backend, fast_grads, ops
from minigrad.testing import counter, strict
from minigrad.tensor import Tensor, bind_ops
from bench_seq2seq import CONFIGS, make_batches, make_minigrad

FORWARD = collections.defaultdict(float)
BACKWARD = collections.defaultdict(float)
CALLS = collections.Counter()
FLOPS = collections.Counter()
_depth = [0]


def _matmul_flops(name, args):
    """Forward matmul FLOPs of one op call, from its operands' shapes (0 for other ops)."""
    if name == "linear":                                     # x (..., in), W (out, in)
        x, weight = args[0], args[1]
        return 2 * math.prod(x.shape[:-1]) * weight.shape[0] * weight.shape[1]
    if name in ("matmul", "bmm"):                            # a (..., n, k), b (..., k, m)
        a, b = args[0], args[1]
        batch = math.prod(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
        return 2 * batch * a.shape[-2] * a.shape[-1] * b.shape[-1]
    if name in ("gru_cell", "lstm_cell"):                    # h (B, H) @ W_hh^T (G*H, H)
        h, weight_hh = args[1], args[2 if name == "gru_cell" else 3]
        return 2 * h.shape[0] * weight_hh.shape[0] * weight_hh.shape[1]
    if name == "gru_sequence":                               # T steps of h (B, H) @ W_hh^T
        gi, weight_hh = args[0], args[2]
        return 2 * gi.shape[0] * gi.shape[1] * weight_hh.shape[0] * weight_hh.shape[1]
    if name in ("additive_scores", "additive_attention_weights"):   # (B*Q*K, h) @ w
        q, k = args[0], args[1]
        return 2 * q.shape[0] * q.shape[1] * k.shape[1] * q.shape[2]
    return 0


def _timed_op(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        _depth[0] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _depth[0] -= 1
            if _depth[0] == 0:          # count an op inside another op (bmm -> matmul) once
                FORWARD[name] += time.perf_counter() - start
                CALLS[name] += 1
                # backward: two products of the same size (the input's and the weight's grads)
                FLOPS[name] += 3 * _matmul_flops(name, args)
    return wrapper


def _timed_backward(name, backward):
    def wrapper(g):
        start = time.perf_counter()
        result = backward(g)
        BACKWARD[name] += time.perf_counter() - start
        return result
    return wrapper


def _timed_step(name, fn):
    """Time a function that is not an op (counted in the backward column, once per call)."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            BACKWARD[name] += time.perf_counter() - start
            CALLS[name] += 1
    return wrapper


def instrument():
    """Wrap the ops and the backward functions they record, the lazy gradients' products,
    clipping and Adam (this script only)."""
    for name in ops.__all__:
        setattr(ops, name, _timed_op(name, getattr(ops, name)))
    bind_ops()      # the operators and methods that are ops (a + b, x.reshape) take the wrappers
    # a WeightGrad multiplies in add() (past rows_per_product) and in dense(); one that is
    # large from the start multiplies in its constructor, inside the op's backward (its row);
    # a BiasGrad sums its rows the same way
    for lazy in (fast_grads.WeightGrad, fast_grads.BiasGrad):
        for method in ("add", "dense"):
            setattr(lazy, method, _timed_step("(WeightGrad, BiasGrad: .add, .dense)",
                                              getattr(lazy, method)))
    fast_grads.SliceGrad.add_into = _timed_step("(SliceGrad.add_into)",
                                              fast_grads.SliceGrad.add_into)
    mg.nn.utils.clip_grad_norm_ = _timed_step("(clip_grad_norm_)", mg.nn.utils.clip_grad_norm_)
    mg.optim.Adam.step = _timed_step("(Adam.step)", mg.optim.Adam.step)
    original = Tensor._from_op

    def from_op(data, parents, backward, op):
        if backward is not None:
            backward = _timed_backward(op, backward)
        return original(data, parents, backward, op)
    Tensor._from_op = staticmethod(from_op)


def matmul_rate(rounds=5, reps=10):
    """float32 GFLOP/s of a large NumPy matrix product on this machine: the best of ``rounds``
    rounds of ``reps`` products (the rate NumPy reaches, not one disturbed by a neighbour)."""
    a = np.random.default_rng(0).standard_normal((1280, 1024)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((1024, 1024)).astype(np.float32)
    a @ b
    best = 0.0
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(reps):
            a @ b
        best = max(best, 2 * 1280 * 1024 * 1024 * reps / (time.perf_counter() - start) / 1e9)
    return best


def _layout(array):
    """'F' for a transposed view of a C-ordered array (as ``x.T`` is), 'C' otherwise."""
    return "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"


def record_products(cfg, batches):
    """The matrix products of one training step: {(a.shape, a layout, b.shape, b layout,
    dtype): count}. The step runs under the strict backend on the NumPy path
    (``host_branches``), whose arrays pass every ``@`` through StrictArray's operators and
    every ``xp.matmul``/``xp.dot`` through ``strict._call``: both are wrapped while it runs."""
    products = collections.Counter()
    products_named = ("matmul", "dot")

    def note(a, b):
        a, b = getattr(a, "_array", a), getattr(b, "_array", b)
        if getattr(a, "ndim", 0) and getattr(b, "ndim", 0):
            products[(a.shape, _layout(a), b.shape, _layout(b), str(a.dtype))] += 1

    def wrap_operator(name, reflected):
        original = getattr(strict.StrictArray, name)

        def operator(self, other):
            note(*((other, self) if reflected else (self, other)))
            return original(self, other)
        return original, operator

    def call(function, args, kwargs, name=None):
        if (name or getattr(function, "__name__", "")) in products_named and len(args) >= 2:
            note(args[0], args[1])
        return original_call(function, args, kwargs, name)

    originals = {}
    for name, reflected in (("__matmul__", False), ("__rmatmul__", True),
                            ("__imatmul__", False)):
        if hasattr(strict.StrictArray, name):
            originals[name], wrapped = wrap_operator(name, reflected)
            setattr(strict.StrictArray, name, wrapped)
    original_call, strict._call = strict._call, call
    previous = mg.get_backend()
    try:
        mg.set_backend("strict")
        with backend.host_branches():
            _, step = make_minigrad(cfg, seed=0, backend="strict")
            step(batches[0])                # Adam's first step sets up its state
            products.clear()
            with counter.counting() as counts:
                step(batches[1])
    finally:
        strict._call = original_call
        for name, original in originals.items():
            setattr(strict.StrictArray, name, original)
        mg.set_backend(previous)
    launched = sum(counts.by_op[name] for name in ("matmul", "rmatmul", "imatmul", "dot"))
    if launched != sum(products.values()):    # a product that took another way in
        raise RuntimeError(f"record_products: minigrad.testing.counter saw {launched} products in the "
                           f"step, the wrapped operators {sum(products.values())}")
    return products


def best_product_time(a_shape, a_layout, b_shape, b_layout, dtype, repeats=7,
                      min_seconds=2e-3):
    """The best seconds NumPy takes for one product at these shapes and layouts, alone."""
    rng = np.random.default_rng(0)

    def operand(shape, layout):
        x = rng.standard_normal(shape).astype(dtype)
        return np.asfortranarray(x) if layout == "F" else x
    a, b = operand(a_shape, a_layout), operand(b_shape, b_layout)
    a @ b
    start, number = time.perf_counter(), 1
    while True:                          # enough calls per repeat to be timed reliably
        a @ b
        if time.perf_counter() - start > min_seconds / 4 or number >= 4096:
            break
        number += 1
    number = max(1, int(number * min_seconds / max(time.perf_counter() - start, 1e-9)))
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            a @ b
        best = min(best, (time.perf_counter() - start) / number)
    return best


def copy_bandwidth(megabytes=128, repeats=5):
    """Bytes per second of a large float32 copy (read + write), the best of ``repeats``."""
    src = np.ones(megabytes * 2 ** 20 // 4, dtype=np.float32)
    dst = np.empty_like(src)
    np.copyto(dst, src)
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        np.copyto(dst, src)
        best = min(best, time.perf_counter() - start)
    return 2 * src.nbytes / best


ADAM_ARRAYS = 7    # reads parameters, gradients, m, v; writes parameters, m, v


def shape_aware_floor(cfg, batches, model):
    """-> (floor seconds, matmul seconds, Adam seconds, bandwidth B/s, products, rows):
    rows are (seconds in the step, count, product) for each distinct product, largest first."""
    products = record_products(cfg, batches)
    rows = []
    for product, count in products.items():
        rows.append((count * best_product_time(*product), count, product))
    rows.sort(reverse=True)
    matmuls = sum(seconds for seconds, _, _ in rows)
    bandwidth = copy_bandwidth()
    parameter_bytes = sum(p.data.nbytes for p in model.parameters())
    adam = ADAM_ARRAYS * parameter_bytes / bandwidth
    return matmuls + adam, matmuls, adam, bandwidth, parameter_bytes, rows


def d2l_step_flops(cfg):
    """Matmul FLOPs of one training step as d2l's formulation computes it: logits at every
    position, padding included (forward x 3 for forward + backward). The key projection is
    counted once per batch, as minigrad computes it (d2l computes it at every step)."""
    B, T, E, H, L, V = (cfg[k] for k in ("batch", "steps", "embed", "hidden", "layers", "vocab"))
    rows = B * T
    encoder = sum(2 * rows * (E if l == 0 else H) * 3 * H + 2 * rows * H * 3 * H
                  for l in range(L))
    attention = 2 * rows * H * H + 2 * rows * H * H + 2 * B * T * T * H * 2
    decoder = sum(2 * rows * ((E + H) if l == 0 else H) * 3 * H + 2 * rows * H * 3 * H
                  for l in range(L)) + 2 * rows * H * V
    return 3 * (encoder + attention + decoder)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="wide", choices=sorted(CONFIGS))
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    cfg = CONFIGS[args.config]
    model, step = make_minigrad(cfg, seed=0)
    batches = make_batches(cfg, args.steps + 1, seed=0)
    step(batches[0])                                   # warm up, untimed
    times = []
    for batch in batches[1:]:
        start = time.perf_counter()
        step(batch)
        times.append(time.perf_counter() - start)
    plain = statistics.median(times)                  # a neighbour's burst moves the mean
    floor, matmuls, adam, bandwidth, parameter_bytes, products = shape_aware_floor(
        cfg, batches, model)

    instrument()
    start = time.perf_counter()
    for batch in batches[1:]:
        step(batch)
    traced = (time.perf_counter() - start) / args.steps

    rate = matmul_rate()
    flops = sum(FLOPS.values()) / args.steps          # what minigrad's step really computes
    roofline = flops / (rate * 1e9)
    print(f"# Profile of one training step, config {args.config}: {cfg}\n")
    print(f"step {plain * 1e3:.1f} ms (median of {args.steps}; instrumented, mean "
          f"{traced * 1e3:.1f} ms); matmul FLOPs "
          f"{flops / 1e9:.2f} G executed ({d2l_step_flops(cfg) / 1e9:.2f} G in d2l's "
          f"formulation, which also computes logits at padded positions); NumPy matmul rate "
          f"{rate:.0f} GFLOP/s; roofline {roofline * 1e3:.1f} ms; step / roofline = "
          f"{plain / roofline:.2f}\n")
    count = sum(n for _, n, _ in products)
    print(f"shape-aware floor {floor * 1e3:.1f} ms = matrix products {matmuls * 1e3:.1f} ms "
          f"({count} products of {len(products)} distinct shapes, each at NumPy's best time "
          f"for its shapes, alone) + Adam {adam * 1e3:.1f} ms ({ADAM_ARRAYS} passes over "
          f"{parameter_bytes / 2 ** 20:.1f} MiB of parameters at {bandwidth / 1e9:.1f} GB/s, "
          f"a large copy's bandwidth); measured step {plain * 1e3:.1f} ms (median); "
          f"step / floor = {plain / floor:.2f}\n")
    print("| product (layouts) | per step | best ms each | ms per step | share of floor |")
    print("|---|---:|---:|---:|---:|")
    for seconds, n, (a_shape, a_layout, b_shape, b_layout, dtype) in products[:12]:
        print(f"| {a_shape}{a_layout} @ {b_shape}{b_layout} {dtype} | {n} | "
              f"{seconds / n * 1e3:.3f} | {seconds * 1e3:.2f} | {seconds / floor:.1%} |")
    if len(products) > 12:
        rest = sum(seconds for seconds, _, _ in products[12:])
        print(f"| {len(products) - 12} more distinct products | "
              f"{sum(n for _, n, _ in products[12:])} | | {rest * 1e3:.2f} | "
              f"{rest / floor:.1%} |")
    print()
    print("| op | calls/step | forward ms/step | backward ms/step | share of step |")
    print("|---|---:|---:|---:|---:|")
    rows = sorted(CALLS, key=lambda n: -(FORWARD[n] + BACKWARD[n]))
    for name in rows:
        f, b = FORWARD[name] / args.steps, BACKWARD[name] / args.steps
        print(f"| {name} | {CALLS[name] / args.steps:.0f} | {f * 1e3:.2f} | {b * 1e3:.2f} | "
              f"{(f + b) / traced:.1%} |")
    in_ops = sum(FORWARD.values()) + sum(BACKWARD.values())
    ops_calls = sum(CALLS[n] for n in CALLS if not n.startswith("("))
    print(f"\nops {ops_calls / args.steps:.0f} per step; time in the rows above "
          f"{in_ops / args.steps * 1e3:.1f} ms of {traced * 1e3:.1f} ms; the rest (graph "
          f"walk, module code, batching) "
          f"{(traced - in_ops / args.steps) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
