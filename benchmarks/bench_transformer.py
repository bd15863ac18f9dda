"""Training speed of the Transformer: minigrad against PyTorch, in one run.

Both engines train the same model (d2l's Transformer, the same initial weights, the same
batches, float32, dropout 0.1, Adam, gradient clipping at 1) in alternating rounds; the table
reports the median of training tokens/s (target tokens, as d2l counts them) and the number of
parameters. The PyTorch model is the d2l-style twin in
tests/seq2seq/transformer_torch_reference.py. Keep runs short on a shared machine.

    python benchmarks/bench_transformer.py                        # both configs, CPU
    python benchmarks/bench_transformer.py --config builtin --rounds 3 --steps 4
    python benchmarks/bench_transformer.py --backend cupy     # minigrad on CuPy vs PyTorch CUDA
"""
import argparse
import datetime
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "seq2seq"))

# the same random batches, training step and interleaved timing as the Bahdanau benchmark
from bench_seq2seq import (make_batches, minigrad_step, paired_ratio, torch_step,  # noqa: E402
                           training_speed)

CONFIGS = {
    # the CLI's preset for the built-in corpus (--model transformer)
    "builtin": dict(vocab=150, hidden=64, ffn=128, heads=4, blks=2, batch=64, steps=10),
    # d2l 11.7's settings for fra-eng
    "d2l": dict(vocab=200, hidden=256, ffn=64, heads=4, blks=2, batch=128, steps=10),
}
DROPOUT, LR = 0.1, 0.001


def make_minigrad(cfg, seed, backend="numpy"):
    import minigrad as mg
    from seq2seq import build_model
    mg.set_backend(backend)
    mg.manual_seed(seed)
    model = build_model(cfg["vocab"], cfg["vocab"], model="transformer",
                        num_hiddens=cfg["hidden"], ffn_num_hiddens=cfg["ffn"],
                        num_heads=cfg["heads"], num_blks=cfg["blks"], dropout=DROPOUT)
    return model, minigrad_step(model, LR)


def make_torch(cfg, state_dict, device="cpu"):
    import torch
    import transformer_torch_reference as reference
    model = reference.build(cfg["vocab"], cfg["vocab"], cfg["hidden"], cfg["ffn"],
                            cfg["heads"], cfg["blks"], dropout=DROPOUT).to(device)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    return model, torch_step(model, LR, device=device)


def measure(cfg, rounds, steps_per_round, backend="numpy"):
    """Median training tokens/s of each engine, rounds interleaved, after one warm-up step,
    and the paired ratio (``bench_seq2seq.paired_ratio``)."""
    batches = make_batches(cfg, rounds * steps_per_round + 1, seed=1)
    ours_model, ours = make_minigrad(cfg, seed=0, backend=backend)
    device = "cuda" if backend == "cupy" else "cpu"
    _, theirs = make_torch(cfg, ours_model.state_dict(), device)
    tokens = training_speed({"minigrad": ours, "pytorch": theirs}, batches, rounds,
                            steps_per_round, backend)
    ratio = paired_ratio(tokens["minigrad"], tokens["pytorch"])
    tokens = {name: statistics.median(values) for name, values in tokens.items()}
    return tokens, ratio, ours_model.num_parameters()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=5, help="training steps per round")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="PyTorch CPU threads (default: every core)")
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)

    from common import machine
    print(f"# Transformer training, minigrad ({args.backend}) vs PyTorch "
          f"({'CUDA' if args.backend == 'cupy' else 'CPU'}), {datetime.date.today()}")
    print(f"Machine: {machine()}; command: python benchmarks/bench_transformer.py "
          f"{' '.join(sys.argv[1:])}\n")
    print("| config | parameters | train tokens/s minigrad | PyTorch | ratio | paired ratio |")
    print("|---|---:|---:|---:|---:|---:|")
    for config in args.config or ["builtin", "d2l"]:
        tokens, ratio, parameters = measure(CONFIGS[config], args.rounds, args.steps, args.backend)
        print(f"| {config} | {parameters:,} | {tokens['minigrad']:,.0f} | "
              f"{tokens['pytorch']:,.0f} | {tokens['minigrad'] / tokens['pytorch']:.2f}x | "
              f"{ratio:.2f}x |",
              flush=True)


if __name__ == "__main__":
    main()
