"""One GRU layer, forward + backward, minigrad against torch.nn.GRU on the CPU, float32.

Each iteration: outputs, h_n = gru(X); outputs.backward(G) with a fixed upstream gradient G;
gradients are reset before the next iteration (zero_grad, set to None in both). X requires grad,
as the output of an embedding would. Input size = hidden size. Rounds are interleaved and the
median per iteration is reported.

    python benchmarks/bench_gru.py [--rounds 7] [--sizes 10,64,32 20,64,256]
"""
import argparse
import datetime
import os

import numpy as np
import torch

import minigrad as mg
from common import interleaved, machine


def candidates(T, B, H):
    rng = np.random.default_rng(0)
    x_np = rng.standard_normal((T, B, H)).astype(np.float32)
    g_np = rng.standard_normal((T, B, H)).astype(np.float32)

    mg.manual_seed(0)
    ours = mg.nn.GRU(H, H)
    theirs = torch.nn.GRU(H, H)
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x, g = mg.Tensor(x_np, requires_grad=True), mg.Tensor(g_np)
    tx, tg = torch.from_numpy(x_np).requires_grad_(True), torch.from_numpy(g_np)

    def minigrad_step():
        ours.zero_grad()
        x.grad = None
        outputs, _ = ours(x)
        outputs.backward(g)

    def torch_step():
        theirs.zero_grad(set_to_none=True)
        tx.grad = None
        outputs, _ = theirs(tx)
        outputs.backward(tg)

    # the two agree before we time them (same weights, same gradients)
    minigrad_step()
    torch_step()
    assert np.allclose(x.grad, tx.grad.numpy(), atol=1e-4)
    return {"minigrad": minigrad_step, "torch": torch_step}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--sizes", nargs="+", default=["10,64,32", "20,64,256"],
                        help="T,B,H triples")
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="torch threads (default: all cores); NumPy's BLAS threads are set "
                             "with OPENBLAS_NUM_THREADS / OMP_NUM_THREADS before starting")
    args = parser.parse_args()
    mg.set_backend("numpy")
    mg.set_default_dtype("float32")
    torch.set_num_threads(args.threads)
    blas = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    print(f"# GRU layer forward + backward, float32, CPU ({datetime.date.today()})")
    print(f"Machine: {machine()}; torch.set_num_threads({args.threads}) "
          f"(the machine has {os.cpu_count()} cores); NumPy BLAS threads: {blas}\n")
    print("| T | B | H (= input size) | minigrad ms | PyTorch ms | minigrad / PyTorch |")
    print("|---:|---:|---:|---:|---:|---:|")
    for size in args.sizes:
        T, B, H = (int(n) for n in size.split(","))
        steps = candidates(T, B, H)
        number = max(5, int(2000 / (T * max(1, H // 32))))   # about the same time per round
        t = interleaved(steps, number, args.rounds)
        print(f"| {T} | {B} | {H} | {t['minigrad'] * 1e3:.3f} | {t['torch'] * 1e3:.3f} | "
              f"{t['minigrad'] / t['torch']:.2f} |")


if __name__ == "__main__":
    main()
