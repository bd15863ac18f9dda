"""Array operations and device syncs per training and decoding step, counted exactly.

Run under the strict backend, whose every array operation (one kernel launch each on CuPy) and
every device-to-host read (a sync) is reported to ``minigrad.testing.counter``. The "CuPy path" column
takes the device branches, as a GPU run would; the "NumPy path" takes the CPU's branches
(``backend.host_branches()``), as ``MINIGRAD_BACKEND=numpy`` does. Counts are exact and repeat
from run to run, unlike timings. The training step is counted as seq2seq.train takes it
(``model.loss``) and, in the "public" columns, as a reader of d2l writes it:
``masked_cross_entropy(model(X, dec_X, X_valid_len), Y, Y_valid_len)``.

    python benchmarks/count_ops.py                  # markdown tables: d2l, wide, transformer
    python benchmarks/count_ops.py --top 15         # and the 15 busiest ops and call sites
"""
import argparse
import contextlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, HERE)

import minigrad as mg                                    # noqa: E402
from minigrad import backend                             # noqa: E402
from minigrad.testing import counter                     # noqa: E402
from bench_seq2seq import CONFIGS, CLIP, DROPOUT, LR, make_batches   # noqa: E402
from bench_transformer import CONFIGS as TRANSFORMER_CONFIGS          # noqa: E402


def build(name, seed=0):
    from seq2seq import build_model
    mg.manual_seed(seed)
    if name == "transformer":
        cfg = TRANSFORMER_CONFIGS["builtin"]
        model = build_model(cfg["vocab"], cfg["vocab"], model="transformer",
                            num_hiddens=cfg["hidden"], ffn_num_hiddens=cfg["ffn"],
                            num_heads=cfg["heads"], num_blks=cfg["blks"], dropout=DROPOUT)
    else:
        cfg = CONFIGS[name]
        model = build_model(cfg["vocab"], cfg["vocab"], cfg["embed"], cfg["hidden"],
                            cfg["layers"], dropout=DROPOUT)
    return model, cfg


def count_training_step(model, batch, public=False):
    """Counts of one step as seq2seq.train takes it, split by phase; with ``public``, the loss
    is d2l's masked cross-entropy of the model's logits instead of ``model.loss``."""
    from seq2seq import masked_cross_entropy
    optimizer = mg.optim.Adam(model.parameters(), lr=LR)
    params = model.parameters()
    src, src_len, dec_input, label, tgt_len = batch

    def step(counts):
        model.train()
        with counts.in_phase("forward"):
            if public:
                loss = masked_cross_entropy(model(src, dec_input, src_len), label, tgt_len)
            else:
                loss = model.loss(src, dec_input, src_len, label, tgt_len)
        with counts.in_phase("backward"):
            optimizer.zero_grad()
            loss.backward()
        with counts.in_phase("clipping"):
            mg.nn.utils.clip_grad_norm_(params, CLIP)
        with counts.in_phase("optimizer"):
            optimizer.step()
        with counts.in_phase("progress bar"):
            loss.item()
    with counter.counting() as warm_up:    # Adam's first step creates its state: not typical
        step(warm_up)
    with counter.counting() as counts:
        step(counts)
    return counts


def count_greedy_step(model, batch, steps=4):
    """Operations and syncs of one decoder step of greedy decoding (the mean of ``steps``)."""
    from seq2seq.decoding import greedy_decode
    src, src_len = batch[0][:8], batch[1][:8]
    with counter.counting() as short:
        greedy_decode(model, src, src_len, 2, -1, 1)
    with counter.counting() as long:
        greedy_decode(model, src, src_len, 2, -1, 1 + steps)
    return (long.ops - short.ops) / steps, (long.syncs - short.syncs) / steps


def count_beam_step(model, batch, steps=4, beam=4):
    from seq2seq.decoding import beam_search
    src, src_len = batch[0][0], int(batch[1][0])
    with counter.counting() as short:
        beam_search(model, src, src_len, 2, -1, 2, beam_size=beam)
    with counter.counting() as long:
        beam_search(model, src, src_len, 2, -1, 2 + steps, beam_size=beam)
    return (long.ops - short.ops) / steps, (long.syncs - short.syncs) / steps


def count_config(name, host_path):
    mg.set_backend("strict")
    branches = backend.host_branches() if host_path else contextlib.nullcontext()
    with branches:
        model, cfg = build(name)
        batch = make_batches(dict(cfg, embed=cfg.get("embed")), 1, seed=1)[0]
        train = count_training_step(model, batch)
        greedy = count_greedy_step(model, batch)
        beam = count_beam_step(model, batch)
        model, _ = build(name)          # a fresh model: the same weights, a fresh optimizer
        public = count_training_step(model, batch, public=True)
    return train, greedy, beam, public


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", action="append", choices=["d2l", "wide", "transformer"])
    parser.add_argument("--top", type=int, default=0, help="also list the N busiest ops/sites")
    args = parser.parse_args()
    phases = ("forward", "backward", "clipping", "optimizer", "progress bar")
    print("| config | path | ops / step | syncs / step | " + " | ".join(phases)
          + " | greedy ops / step | greedy syncs / step | beam ops / step | beam syncs / step"
          " | public ops / step | public syncs / step |")
    print("|---|---|" + "---:|" * (2 + len(phases) + 6))
    details = []
    for name in args.config or ["d2l", "wide", "transformer"]:
        for path, host in (("NumPy", True), ("CuPy", False)):
            train, greedy, beam, public = count_config(name, host)
            cells = [f"{train.by_phase[p]} / {train.syncs_by_phase[p]}" for p in phases]
            print(f"| {name} | {path} | {train.ops:,} | {train.syncs} | " + " | ".join(cells)
                  + f" | {greedy[0]:.1f} | {greedy[1]:.2f} | {beam[0]:.1f} | {beam[1]:.2f}"
                  f" | {public.ops:,} | {public.syncs} |")
            details.append((name, path, train))
    print("\n(phase cells: operations / syncs; public: the step with d2l's "
          "masked_cross_entropy(model(X, dec_X, X_valid_len), Y, Y_valid_len))")
    if args.top:
        for name, path, train in details:
            print(f"\n{name}, {path} path: busiest ops: "
                  + ", ".join(f"{op} {n}" for op, n in train.by_op.most_common(args.top)))
            print("  busiest sites: " + "; ".join(f"{site} {n}" for site, n
                                                    in train.op_sites.most_common(args.top)))
            if train.sync_sites:
                print("  syncs: " + "; ".join(f"{site} {n}" for site, n
                                               in train.sync_sites.most_common()))


if __name__ == "__main__":
    main()
