"""Attention modules, forward + backward, minigrad against d2l-style PyTorch twins, float32 CPU.

Each iteration: out = attention(queries, keys, values, valid_lens); out.backward(G) with a fixed
upstream gradient G; gradients reset before the next one. The PyTorch twins are the ones the
tests compare with (tests/attention/attention_torch_reference.py), holding the same weights.
Rounds are interleaved and the median per iteration is reported.

A second table times what a seq2seq decoder does: T steps, each one query (B, 1, H) over the
same K keys, with the keys projected at every step (as d2l) or once (``project_keys``).

    python benchmarks/bench_attention.py [--rounds 7] [--threads N]

On a machine shared with other work, multi-threaded BLAS stalls waiting for its threads;
there, compare single-threaded: OPENBLAS_NUM_THREADS=1 python ... --threads 1.
"""
import argparse
import datetime
import os
import sys

import numpy as np
import torch

import minigrad as mg
from attention import (AdditiveAttention, DotProductAttention, GeneralAttention,
                       MultiHeadAttention)
from common import interleaved, machine

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                                "tests", "attention"))
import attention_torch_reference as ref  # noqa: E402


def modules(kind, d):
    if kind == "additive":
        return AdditiveAttention(d, d, d), ref.AdditiveAttention(d, d, d)
    if kind == "dot product":
        return DotProductAttention(), ref.DotProductAttention()
    if kind == "general":
        return GeneralAttention(d, d), ref.GeneralAttention(d, d)
    return MultiHeadAttention(d, 8), ref.MultiHeadAttention(d, 8)


def candidates(kind, B, Q, K, d):
    rng = np.random.default_rng(0)
    q_np, k_np, v_np = (rng.standard_normal(shape).astype(np.float32)
                        for shape in ((B, Q, d), (B, K, d), (B, K, d)))
    g_np = rng.standard_normal((B, Q, d)).astype(np.float32)
    lens = rng.integers(1, K + 1, size=B)
    mg.manual_seed(0)
    ours, theirs = modules(kind, d)
    ref.load_weights(theirs, ours)
    q, k, v = (mg.Tensor(x, requires_grad=True) for x in (q_np, k_np, v_np))
    tq, tk, tv = (torch.from_numpy(x).requires_grad_(True) for x in (q_np, k_np, v_np))
    g, tg, tlens = mg.Tensor(g_np), torch.from_numpy(g_np), torch.from_numpy(lens)

    def minigrad_step():
        ours.zero_grad()
        q.grad = k.grad = v.grad = None
        ours(q, k, v, lens).backward(g)

    def torch_step():
        theirs.zero_grad(set_to_none=True)
        tq.grad = tk.grad = tv.grad = None
        theirs(tq, tk, tv, tlens).backward(tg)

    minigrad_step()          # the two agree before we time them
    torch_step()
    assert np.allclose(mg.backend.to_numpy(k.grad), tk.grad.numpy(), atol=1e-4)
    return {"minigrad": minigrad_step, "torch": torch_step}


def decoder_candidates(T, B, K, H):
    """T steps of additive attention with one query each, keys projected per step or once."""
    rng = np.random.default_rng(0)
    mg.manual_seed(0)
    attention = AdditiveAttention(H, H, H)
    queries = [mg.Tensor(rng.standard_normal((B, 1, H))) for _ in range(T)]
    enc = mg.Tensor(rng.standard_normal((B, K, H)), requires_grad=True)
    lens = rng.integers(1, K + 1, size=B)

    def every_step():
        attention.zero_grad()
        enc.grad = None
        outputs = [attention(query, enc, enc, lens) for query in queries]
        mg.ops.concat(outputs, axis=1).sum().backward()

    def once():
        attention.zero_grad()
        enc.grad = None
        keys = attention.project_keys(enc)
        outputs = [attention(query, None, enc, lens, projected_keys=keys) for query in queries]
        mg.ops.concat(outputs, axis=1).sum().backward()

    every_step()
    grad = mg.backend.to_numpy(enc.grad)
    once()
    assert np.allclose(grad, mg.backend.to_numpy(enc.grad), rtol=1e-4, atol=1e-5)
    return {"per step": every_step, "once": once}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="PyTorch's threads (NumPy's BLAS: set OPENBLAS_NUM_THREADS)")
    args = parser.parse_args()
    mg.set_backend("numpy")
    mg.set_default_dtype("float32")
    torch.set_num_threads(args.threads)
    print(f"# Attention forward + backward, float32, CPU ({datetime.date.today()})")
    blas = os.environ.get("OPENBLAS_NUM_THREADS", "default")
    print(f"Machine: {machine()}; torch.set_num_threads({args.threads}), "
          f"OPENBLAS_NUM_THREADS={blas}\n")
    print("| module | B | Q | K | d = h | minigrad ms | PyTorch ms | minigrad / PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for kind in ("additive", "dot product", "general", "multi-head (8 heads)"):
        for B, Q, K, d in ((64, 1, 10, 256), (64, 10, 10, 256), (16, 50, 50, 64)):
            steps = candidates(kind, B, Q, K, d)
            t = interleaved(steps, 20, args.rounds)
            print(f"| {kind} | {B} | {Q} | {K} | {d} | {t['minigrad'] * 1e3:.3f} | "
                  f"{t['torch'] * 1e3:.3f} | {t['minigrad'] / t['torch']:.2f} |")

    print("\n# Decoder-style additive attention: T steps of one query over K keys\n")
    print("| T | B | K | H | keys projected every step, ms | projected once, ms | ratio |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for T, B, K, H in ((10, 64, 10, 256), (20, 64, 20, 256)):
        t = interleaved(decoder_candidates(T, B, K, H), 5, args.rounds)
        print(f"| {T} | {B} | {K} | {H} | {t['per step'] * 1e3:.2f} | {t['once'] * 1e3:.2f} | "
              f"{t['per step'] / t['once']:.2f} |")


if __name__ == "__main__":
    main()
