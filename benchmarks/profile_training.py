"""Where minigrad's training time goes: per op, forward and backward, against a roofline.

Times every op of ``minigrad.ops`` (forward: the op call; backward: its backward function)
during training steps of the Bahdanau model, counts the matmul FLOPs of one step, and
compares the step time with the roofline: FLOPs / the float32 matmul rate NumPy reaches on
this machine. "Python overhead" is estimated as the op count times the engine's per-op cost
measured on tiny arrays.

    python benchmarks/profile_training.py --config wide
"""
import argparse
import collections
import functools
import time

import numpy as np

import minigrad as mg
from minigrad import ops
from minigrad.tensor import Tensor
from bench_seq2seq import CONFIGS, make_batches, make_minigrad

FORWARD = collections.defaultdict(float)
BACKWARD = collections.defaultdict(float)
CALLS = collections.Counter()
FLOPS = collections.Counter()
_depth = [0]


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
    return wrapper


def _timed_backward(name, backward):
    def wrapper(g):
        start = time.perf_counter()
        result = backward(g)
        BACKWARD[name] += time.perf_counter() - start
        return result
    return wrapper


def instrument():
    """Wrap the ops and the backward functions they record (this script only)."""
    for name in ops.__all__:
        setattr(ops, name, _timed_op(name, getattr(ops, name)))
    original = Tensor._from_op

    def from_op(data, parents, backward, op):
        if backward is not None:
            backward = _timed_backward(op, backward)
        return original(data, parents, backward, op)
    Tensor._from_op = staticmethod(from_op)


def matmul_rate():
    """float32 GFLOP/s of a large NumPy matrix product on this machine."""
    a = np.random.default_rng(0).standard_normal((1280, 1024)).astype(np.float32)
    b = np.random.default_rng(1).standard_normal((1024, 1024)).astype(np.float32)
    a @ b
    start, reps = time.perf_counter(), 10
    for _ in range(reps):
        a @ b
    return 2 * 1280 * 1024 * 1024 * reps / (time.perf_counter() - start) / 1e9


def step_flops(cfg):
    """Matmul FLOPs of one training step (forward x 3 for forward + backward)."""
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
    start = time.perf_counter()
    for batch in batches[1:]:
        step(batch)
    plain = (time.perf_counter() - start) / args.steps

    instrument()
    start = time.perf_counter()
    for batch in batches[1:]:
        step(batch)
    traced = (time.perf_counter() - start) / args.steps

    rate = matmul_rate()
    flops = step_flops(cfg)
    roofline = flops / (rate * 1e9)
    print(f"# Profile of one training step, config {args.config}: {cfg}\n")
    print(f"step {plain * 1e3:.1f} ms (instrumented {traced * 1e3:.1f} ms); matmul FLOPs "
          f"{flops / 1e9:.2f} G; NumPy matmul rate {rate:.0f} GFLOP/s; roofline "
          f"{roofline * 1e3:.1f} ms; step / roofline = {plain / roofline:.2f}\n")
    total_calls = sum(CALLS.values())
    print("| op | calls/step | forward ms/step | backward ms/step | share of step |")
    print("|---|---:|---:|---:|---:|")
    rows = sorted(CALLS, key=lambda n: -(FORWARD[n] + BACKWARD[n]))
    for name in rows:
        f, b = FORWARD[name] / args.steps, BACKWARD[name] / args.steps
        print(f"| {name} | {CALLS[name] / args.steps:.0f} | {f * 1e3:.2f} | {b * 1e3:.2f} | "
              f"{(f + b) / traced:.1%} |")
    in_ops = sum(FORWARD.values()) + sum(BACKWARD.values())
    print(f"\nops {total_calls / args.steps:.0f} per step; time inside ops "
          f"{in_ops / args.steps * 1e3:.1f} ms of {traced * 1e3:.1f} ms; the rest (graph "
          f"walk, optimizer, clipping, batching, module code) "
          f"{(traced - in_ops / args.steps) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
