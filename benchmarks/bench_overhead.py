"""Per-op overhead of minigrad against the raw NumPy call and against PyTorch (CPU).

For small arrays (64x32) the arithmetic takes well under a microsecond, so what is measured is
the cost of the framework around it: minigrad's Tensor creation and graph bookkeeping, and
PyTorch's dispatcher. "overhead" = minigrad time - NumPy time for the same computation.

    python benchmarks/bench_overhead.py [--rounds 7] [--number 20000]
"""
import argparse
import datetime

import numpy as np
import torch

import minigrad as mg
from common import interleaved, machine


def cases(requires_grad):
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((64, 32)).astype(np.float32)
    b_np = rng.standard_normal((64, 32)).astype(np.float32)
    w_np = rng.standard_normal((32, 32)).astype(np.float32)
    a, b, w = (mg.Tensor(x, requires_grad=requires_grad) for x in (a_np, b_np, w_np))
    ta, tb, tw = (torch.from_numpy(x.copy()).requires_grad_(requires_grad)
                  for x in (a_np, b_np, w_np))
    return {
        "add": (lambda: a_np + b_np, lambda: a + b, lambda: ta + tb),
        "mul": (lambda: a_np * b_np, lambda: a * b, lambda: ta * tb),
        "tanh": (lambda: np.tanh(a_np), lambda: a.tanh(), lambda: ta.tanh()),
        "sum(axis=1)": (lambda: a_np.sum(axis=1), lambda: a.sum(axis=1),
                        lambda: ta.sum(dim=1)),
        "matmul 64x32 @ 32x32": (lambda: a_np @ w_np, lambda: a @ w, lambda: ta @ tw),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--number", type=int, default=20000)
    args = parser.parse_args()
    torch.set_num_threads(1)
    print(f"# Per-op overhead, 64x32 float32 ({datetime.date.today()})")
    print(f"Machine: {machine()}; torch limited to 1 thread (no gain at this size)\n")
    print("| op | requires_grad | NumPy µs | minigrad µs | PyTorch µs | minigrad overhead µs |")
    print("|---|---|---:|---:|---:|---:|")
    for requires_grad in (False, True):
        for name, (raw, ours, theirs) in cases(requires_grad).items():
            t = interleaved({"numpy": raw, "minigrad": ours, "torch": theirs},
                            args.number, args.rounds)
            print(f"| {name} | {requires_grad} | {t['numpy'] * 1e6:.2f} | "
                  f"{t['minigrad'] * 1e6:.2f} | {t['torch'] * 1e6:.2f} | "
                  f"{(t['minigrad'] - t['numpy']) * 1e6:.2f} |")

    # Backward: a chain of 5 elementwise ops and a sum, forward + backward, per op.
    rng = np.random.default_rng(1)
    x_np = rng.standard_normal((64, 32)).astype(np.float32)
    x = mg.Tensor(x_np, requires_grad=True)
    tx = torch.from_numpy(x_np.copy()).requires_grad_(True)

    def ours():
        ((x * 2 + 1).tanh() * x - x).sum().backward()
        x.grad = None

    def theirs():
        ((tx * 2 + 1).tanh() * tx - tx).sum().backward()
        tx.grad = None
    t = interleaved({"minigrad": ours, "torch": theirs}, args.number // 4, args.rounds)
    print(f"\nForward + backward of a 6-op chain on 64x32: minigrad {t['minigrad'] * 1e6:.1f} µs,"
          f" PyTorch {t['torch'] * 1e6:.1f} µs (ratio {t['torch'] / t['minigrad']:.2f}x)")


if __name__ == "__main__":
    main()
