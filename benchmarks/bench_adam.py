"""Adam's step on the parameters of the Bahdanau models: minigrad against PyTorch, in one run.

The parameters have the shapes of ``bench_seq2seq.py``'s models (``wide``: 5.75 million
float32 numbers, 22 MiB; ``d2l``: 0.05 million), with random gradients. Four updates are timed
in interleaved rounds (medians of the per-step time):

- minigrad's Adam as it runs: the flat arrays in cache-sized blocks (``Adam.block_size``);
- the same flat update in one block, every one of its dozen passes over the whole arrays (the
  update before blocks; the same bits);
- ``torch.optim.Adam`` on the same numbers, with its CPU default (a loop over the
  parameters) and with ``fused=True`` (one fused pass per parameter), on torch's default
  number of threads (the machine line says how many).

Each step's ``gather`` (the gradients copied into the flat array) is included, as in training.

    python benchmarks/bench_adam.py
"""
import argparse
import datetime

import numpy as np

import minigrad as mg
from common import interleaved, machine
from bench_seq2seq import CONFIGS, LR


def parameter_shapes(cfg):
    """The shapes of the Bahdanau model's parameters for a bench_seq2seq configuration."""
    from seq2seq import build_model
    mg.manual_seed(0)
    model = build_model(cfg["vocab"], cfg["vocab"], cfg["embed"], cfg["hidden"],
                        cfg["layers"], dropout=0.2)
    return [p.shape for p in model.parameters()]


def minigrad_adam(shapes, block_size):
    rng = np.random.default_rng(0)
    params = [mg.Tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in shapes]
    for p in params:
        p.grad = rng.standard_normal(p.shape).astype(np.float32)
    optimizer = mg.optim.Adam(params, lr=LR)
    optimizer.block_size = block_size
    optimizer.step()                    # the first step packs the flat arrays
    return optimizer.step


def torch_adam(shapes, fused):
    import torch
    rng = np.random.default_rng(0)
    params = [torch.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True)
              for s in shapes]
    for p in params:
        p.grad = torch.tensor(rng.standard_normal(p.shape).astype(np.float32))
    optimizer = torch.optim.Adam(params, lr=LR, fused=fused or None)
    optimizer.step()
    return optimizer.step


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()
    print(f"# Adam step, minigrad vs PyTorch (CPU), {datetime.date.today()}")
    print(f"Machine: {machine()}\n")
    print("| config | parameters | minigrad blocks ms | one block ms | PyTorch ms | "
          "PyTorch fused ms | one block / blocks | PyTorch / blocks | fused / blocks |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name in args.config or ["d2l", "wide"]:
        shapes = parameter_shapes(CONFIGS[name])
        size = sum(int(np.prod(s)) for s in shapes)
        number = 10 if size > 1_000_000 else 200
        times = interleaved({
            "blocks": minigrad_adam(shapes, mg.optim.Adam.block_size),
            "one block": minigrad_adam(shapes, size),
            "torch": torch_adam(shapes, fused=False),
            "torch fused": torch_adam(shapes, fused=True)}, number, args.rounds)
        blocks, one = times["blocks"], times["one block"]
        torch_time, fused = times["torch"], times["torch fused"]
        print(f"| {name} | {size:,} | {blocks * 1e3:.2f} | {one * 1e3:.2f} | "
              f"{torch_time * 1e3:.2f} | {fused * 1e3:.2f} | {one / blocks:.2f}x | "
              f"{torch_time / blocks:.2f}x | {fused / blocks:.2f}x |")


if __name__ == "__main__":
    main()
