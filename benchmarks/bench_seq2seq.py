"""Training and decoding speed of the Bahdanau model: minigrad against PyTorch, in one run.

Both engines train the same model (d2l's structure, the same initial weights, the same
batches, float32, dropout 0.2, Adam, gradient clipping at 1) in alternating rounds; the table
reports medians of training tokens/s (target tokens, as d2l counts them), the ratio of the
medians and the paired ratio (the median of each round's own ratio, steadier when the machine
is disturbed for a while), greedy-decoding
sentences/s, and the peak memory each engine adds while training (each measured in a fresh
subprocess). minigrad's training is timed two ways in the same rounds: ``model.loss`` (what
seq2seq.train calls) and the public path a reader of d2l writes,
``masked_cross_entropy(model(X, dec_X, X_valid_len), Y, Y_valid_len)``, reported as tokens/s
and as a paired percentage of ``model.loss``'s. The PyTorch model is the d2l-style twin in
tests/seq2seq/seq2seq_torch_reference.py.

    python benchmarks/bench_seq2seq.py                      # both configs, CPU
    python benchmarks/bench_seq2seq.py --backend cupy       # minigrad on CuPy vs PyTorch CUDA
"""
import argparse
import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "seq2seq"))

CONFIGS = {
    "d2l": dict(vocab=200, embed=32, hidden=32, layers=2, batch=64, steps=10),
    "wide": dict(vocab=5000, embed=256, hidden=256, layers=2, batch=64, steps=20),
}
DROPOUT, LR, CLIP = 0.2, 0.005, 1.0
PAD, BOS, EOS = 1, 2, 3


def make_batches(cfg, count, seed):
    """Random token batches with d2l's layout: ids >= 4, <eos> then <pad> past each length."""
    rng = np.random.default_rng(seed)
    B, T, V = cfg["batch"], cfg["steps"], cfg["vocab"]
    batches = []
    for _ in range(count):
        src_len = rng.integers(2, T + 1, B)
        tgt_len = rng.integers(2, T + 1, B)
        src = rng.integers(4, V, (B, T))
        label = rng.integers(4, V, (B, T))
        positions = np.arange(T)[None, :]
        for ids, lens in ((src, src_len), (label, tgt_len)):
            ids[positions == (lens - 1)[:, None]] = EOS
            ids[positions >= lens[:, None]] = PAD
        dec_input = np.concatenate([np.full((B, 1), BOS), label[:, :-1]], axis=1)
        batches.append((src, src_len, dec_input, label, tgt_len))
    return batches


def minigrad_step(model, lr=LR, public=False):
    """One training step as seq2seq.train takes it (EncoderDecoder.loss, Adam, clipping); with
    ``public``, the loss as d2l's reader writes it: masked_cross_entropy of the model's logits."""
    import minigrad as mg
    from seq2seq import masked_cross_entropy
    optimizer = mg.optim.Adam(model.parameters(), lr=lr)
    params = model.parameters()

    def step(batch):
        src, src_len, dec_input, label, tgt_len = batch
        model.train()
        if public:
            loss = masked_cross_entropy(model(src, dec_input, src_len), label, tgt_len)
        else:
            loss = model.loss(src, dec_input, src_len, label, tgt_len)
        optimizer.zero_grad()
        loss.backward()
        mg.nn.utils.clip_grad_norm_(params, CLIP)
        optimizer.step()
        return loss.item()
    return step


def torch_step(model, lr=LR, device="cpu"):
    """One training step the d2l way: all logits, masked cross-entropy, Adam, clipping."""
    import torch
    import seq2seq_torch_reference as reference
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)

    def step(batch):
        src, src_len, dec_input, label, tgt_len = (torch.from_numpy(a).to(device)
                                                    for a in batch)
        model.train()
        logits = model(src, dec_input, src_len)
        loss = reference.masked_cross_entropy(logits, label, tgt_len)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
        optimizer.step()
        return loss.item()
    return step


def make_minigrad(cfg, seed, backend="numpy", public=False):
    import minigrad as mg
    from seq2seq import build_model
    mg.set_backend(backend)
    mg.manual_seed(seed)
    model = build_model(cfg["vocab"], cfg["vocab"], cfg["embed"], cfg["hidden"], cfg["layers"],
                        dropout=DROPOUT)
    return model, minigrad_step(model, public=public)


def make_torch(cfg, state_dict, device="cpu"):
    import torch
    import seq2seq_torch_reference as reference
    model = reference.build(cfg["vocab"], cfg["vocab"], cfg["embed"], cfg["hidden"],
                            cfg["layers"], dropout=DROPOUT).to(device)
    model.load_state_dict({k: torch.from_numpy(v) for k, v in state_dict.items()})
    return model, torch_step(model, device=device)


def training_speed(steps, batches, rounds, steps_per_round, backend="numpy"):
    """Target tokens/s of each named step function over ``rounds`` rounds of
    ``steps_per_round`` batches, the engines alternating within each round (each round
    starting with the next engine, so none always runs first); batches[0] is a warm-up step
    for each, untimed. Returns the list of per-round rates of each engine."""
    for step in steps.values():
        step(batches[0])
    names = list(steps)
    tokens = {name: [] for name in steps}
    for r in range(rounds):
        chunk = batches[1 + r * steps_per_round:1 + (r + 1) * steps_per_round]
        count = sum(int(b[4].sum()) for b in chunk)
        for name in names[r % len(names):] + names[:r % len(names)]:
            synchronize(backend)
            start = time.perf_counter()
            for batch in chunk:
                steps[name](batch)
            synchronize(backend)
            tokens[name].append(count / (time.perf_counter() - start))
    return tokens


def paired_ratio(numerators, denominators):
    """The median over rounds of each round's own ratio: a machine that slows down for a
    while slows both engines of a round, so the paired ratio moves less than a ratio of
    medians (both are printed)."""
    return statistics.median(a / b for a, b in zip(numerators, denominators))


def torch_greedy(model, src, src_len, steps, device="cpu"):
    """d2l's predict loop, batched: feed back the argmax, ``steps`` times."""
    import torch
    model.eval()
    with torch.no_grad():
        src, src_len = torch.from_numpy(src).to(device), torch.from_numpy(src_len).to(device)
        state = model.decoder.init_state(model.encoder(src, src_len), src_len)
        tokens = torch.full((src.shape[0], 1), BOS, dtype=torch.int64, device=device)
        outputs = []
        for _ in range(steps):
            logits, state = model.decoder(tokens, state)
            tokens = logits.argmax(2)
            outputs.append(tokens)
        return torch.cat(outputs, 1).cpu().numpy()


def synchronize(backend):
    if backend == "cupy":
        import cupy
        import torch
        cupy.cuda.Device().synchronize()
        torch.cuda.synchronize()


def measure_speed(cfg, rounds, steps_per_round, backend):
    from seq2seq.decoding import greedy_decode
    device = "cuda" if backend == "cupy" else "cpu"
    batches = make_batches(cfg, rounds * steps_per_round + 1, seed=1)
    ours_model, ours = make_minigrad(cfg, seed=0, backend=backend)
    _, public = make_minigrad(cfg, seed=0, backend=backend, public=True)   # the same weights
    theirs_model, theirs = make_torch(cfg, ours_model.state_dict(), device)
    tokens = training_speed({"minigrad": ours, "public": public, "pytorch": theirs}, batches,
                            rounds, steps_per_round, backend)
    ratios = {"vs pytorch": paired_ratio(tokens["minigrad"], tokens["pytorch"]),
              "public": paired_ratio(tokens["public"], tokens["minigrad"])}
    tokens = {name: statistics.median(values) for name, values in tokens.items()}
    src, src_len = batches[0][0], batches[0][1]
    decode = {"minigrad": [], "pytorch": []}
    for _ in range(rounds):
        start = time.perf_counter()
        greedy_decode(ours_model, src, src_len, BOS, -1, cfg["steps"])   # -1: never stops
        decode["minigrad"].append(len(src) / (time.perf_counter() - start))
        start = time.perf_counter()
        torch_greedy(theirs_model, src, src_len, cfg["steps"], device)
        decode["pytorch"].append(len(src) / (time.perf_counter() - start))
    return tokens, ratios, {k: statistics.median(v) for k, v in decode.items()}


def _rss_kib(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def memory_child(engine, config, steps, backend):
    """In a fresh process: the memory one engine adds while training ``steps`` steps."""
    cfg = CONFIGS[config]
    batches = make_batches(cfg, steps, seed=1)
    model, step = make_minigrad(cfg, seed=0, backend=backend)
    if engine == "pytorch":
        import torch
        device = "cuda" if backend == "cupy" else "cpu"
        model, step = make_torch(cfg, model.state_dict(), device)
    before = _rss_kib("VmRSS")
    for batch in batches:
        step(batch)
    if backend == "cupy":
        if engine == "pytorch":
            peak = torch.cuda.max_memory_allocated() // 1024
        else:
            import cupy
            peak = cupy.get_default_memory_pool().total_bytes() // 1024
        print(json.dumps({"peak_kib": peak, "what": "GPU"}))
    else:
        print(json.dumps({"peak_kib": _rss_kib("VmHWM") - before, "what": "RSS above start"}))


def measure_memory(config, steps, backend):
    result = {}
    for engine in ("minigrad", "pytorch"):
        out = subprocess.run([sys.executable, __file__, "--memory-child", engine,
                              "--config", config, "--steps", str(steps),
                              "--backend", backend],
                             capture_output=True, text=True, check=True)
        result[engine] = json.loads(out.stdout.strip().splitlines()[-1])["peak_kib"] / 1024
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", choices=sorted(CONFIGS), action="append")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--steps", type=int, default=10, help="training steps per round")
    parser.add_argument("--backend", default="numpy", choices=["numpy", "cupy"])
    parser.add_argument("--threads", type=int, default=os.cpu_count(),
                        help="PyTorch CPU threads (default: every core)")
    parser.add_argument("--memory-child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    import torch
    torch.set_num_threads(args.threads)
    if args.memory_child:
        return memory_child(args.memory_child, args.config[0], args.steps, args.backend)

    from common import machine
    print(f"# Bahdanau training, minigrad ({args.backend}) vs PyTorch "
          f"({'CUDA' if args.backend == 'cupy' else 'CPU'}), {datetime.date.today()}")
    print(f"Machine: {machine()}; command: python benchmarks/bench_seq2seq.py "
          f"{' '.join(sys.argv[1:])}\n")
    print("| config | train tokens/s minigrad | public path | % of model.loss | PyTorch | ratio "
          "| paired ratio | greedy sent/s minigrad | PyTorch | ratio | peak MiB minigrad "
          "| PyTorch |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for config in args.config or ["d2l", "wide"]:
        cfg = CONFIGS[config]
        tokens, ratios, decode = measure_speed(cfg, args.rounds, args.steps, args.backend)
        memory = measure_memory(config, args.steps, args.backend)
        print(f"| {config} | {tokens['minigrad']:,.0f} | {tokens['public']:,.0f} | "
              f"{100 * ratios['public']:.1f}% | {tokens['pytorch']:,.0f} | "
              f"{tokens['minigrad'] / tokens['pytorch']:.2f}x | {ratios['vs pytorch']:.2f}x | "
              f"{decode['minigrad']:,.0f} | "
              f"{decode['pytorch']:,.0f} | {decode['minigrad'] / decode['pytorch']:.2f}x | "
              f"{memory['minigrad']:.0f} | {memory['pytorch']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
