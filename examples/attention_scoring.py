"""Three attention scoring functions on the same queries and keys, and what each costs.

    additive      a(q, k) = w_v^T tanh(W_q q + W_k k)      forms a (B, Q, K, h) tensor
    dot product   a(q, k) = q^T k / sqrt(d)                one (B, Q, d) x (B, d, K) product
    general       a(q, k) = q^T W k                        W k once, then the same product

Each query is a noisy copy of one key, so a scorer that compares q and k directly finds its
key at once: the dot product does, untrained. The additive and general scorers learn their
comparison; with the random weights they start from, their heatmaps show no such pattern.
The second example's keys beyond its valid length are masked (weight 0).

Then we time each scorer's forward pass (and forward + backward) as the number of keys K
grows: all three grow linearly in K, but the additive one carries h times more work per
(query, key) pair than the dot product.

    python examples/attention_scoring.py --out out/
"""
import argparse
import os
import statistics
import time

import numpy as np

import minigrad as mg
from attention import AdditiveAttention, DotProductAttention, GeneralAttention, show_heatmaps


def make_scorers(d, num_hiddens):
    return {"additive": AdditiveAttention(d, d, num_hiddens),
            "dot product": DotProductAttention(),
            "general": GeneralAttention(d, d)}


def seconds(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median_times(calls, repeats):
    """Median seconds of each named call; rounds interleaved so machine noise hits all alike."""
    for fn in calls.values():                       # warm up caches and allocators
        fn()
    samples = {name: [] for name in calls}
    for _ in range(repeats):
        for name, fn in calls.items():
            samples[name].append(seconds(fn))
    return {name: statistics.median(times) for name, times in samples.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mg.flags.add_mode_flags(parser, readable=False)
    parser.add_argument("--out", default="out", help="folder for the PNG file")
    parser.add_argument("--sizes", type=int, nargs="+", default=[16, 64, 256, 1024],
                        help="key lengths K to time")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--seed", type=mg.flags.seed, default=0)
    args, _ = parser.parse_known_args()   # known args only: a notebook kernel passes its own
    mg.flags.apply_mode_flags(args)   # prints the backend and mode
    mg.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)

    # Queries that each match one key: query i is key 2i plus a little noise.
    B, Q, K, d, num_hiddens = 2, 6, 12, 16, 16
    keys = rng.standard_normal((B, K, d))
    queries = keys[:, 0:2 * Q:2] + 0.3 * rng.standard_normal((B, Q, d))
    values = rng.standard_normal((B, K, 4))
    valid_lens = np.array([K, 8])
    scorers = make_scorers(d, num_hiddens)
    weights = []
    for name, scorer in scorers.items():
        scorer(mg.Tensor(queries), mg.Tensor(keys), mg.Tensor(values), valid_lens)
        weights.append([scorer.attention_weights[b] for b in range(B)])    # (Q, K) each
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "attention_scoring.png")
    titles = [[f"{name}, valid length {n}" for n in valid_lens] for name in scorers]
    show_heatmaps(weights, titles=titles, path=path, figsize=(7.5, 8))
    print(f"wrote {path}")

    # Cost as the number of keys grows.
    B, Q, d = 4, 8, 32
    scorers = make_scorers(d, d)
    print(f"\nmilliseconds per call on backend {mg.get_backend()!r} (median of {args.repeats}),"
          f" B={B}, Q={Q}, d=h={d}")
    print(f"{'K':>6}" + "".join(f"{name + ' fwd':>17}{name + ' fwd+bwd':>22}" for name in scorers))
    for K in args.sizes:
        q = mg.Tensor(rng.standard_normal((B, Q, d)), requires_grad=True)
        k = mg.Tensor(rng.standard_normal((B, K, d)), requires_grad=True)
        v = mg.Tensor(rng.standard_normal((B, K, d)), requires_grad=True)
        calls = {}
        for name, scorer in scorers.items():
            def forward(scorer=scorer):
                with mg.no_grad():
                    scorer(q, k, v).sum().item()           # .item() waits for a GPU too

            def forward_backward(scorer=scorer):
                q.grad = None
                scorer(q, k, v).sum().backward()
                q.grad.sum().item()
            calls[name, "fwd"], calls[name, "fwd+bwd"] = forward, forward_backward
        times = median_times(calls, args.repeats)
        print(f"{K:>6}" + "".join(f"{1e3 * times[name, 'fwd']:>17.3f}"
                                  f"{1e3 * times[name, 'fwd+bwd']:>22.3f}" for name in scorers))


if __name__ == "__main__":
    main()
