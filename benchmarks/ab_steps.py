"""Training-step time of this working tree against an earlier revision, in one run.

Checks "no configuration gets slower" for a change whose effect is smaller than this machine's
run-to-run noise (10-30% between runs, see BENCHMARKS.md): the base revision is checked out in
a temporary git worktree, and rounds alternate between the two trees, each round a fresh
subprocess that builds bench_seq2seq's model from its own tree and times ``--steps`` training
steps (``model.loss``, backward, clipping, Adam). Each round's order alternates too. The paired
ratio is the median over rounds of each round's own new / base ratio.

    python benchmarks/ab_steps.py --base HEAD~3 --config d2l --rounds 8
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

# run in a subprocess with the tree's root as argv[1]: that tree's minigrad, seq2seq and
# benchmarks are imported, never the other one's
CHILD = r"""
import json, statistics, sys, time
root, config, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path[:0] = [root, root + "/benchmarks", root + "/tests/seq2seq"]
from bench_seq2seq import CONFIGS, make_batches, make_minigrad
cfg = CONFIGS[config]
_, step = make_minigrad(cfg, seed=0)
batches = make_batches(cfg, 8, seed=0)
step(batches[0]); step(batches[1])          # Adam's state, caches, allocator: not timed
times = []
for i in range(steps):
    start = time.perf_counter()
    step(batches[i % len(batches)])
    times.append(time.perf_counter() - start)
print(json.dumps(statistics.median(times)))
"""


def time_tree(root, config, steps):
    """Median seconds per training step of the tree at ``root``, in a fresh process."""
    done = subprocess.run([sys.executable, "-c", CHILD, root, config, str(steps)],
                          capture_output=True, text=True, cwd=root)
    if done.returncode:
        raise SystemExit(f"ab_steps: the step failed in {root}:\n{done.stderr}")
    return json.loads(done.stdout)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, help="the git revision to compare against")
    parser.add_argument("--config", default="d2l", choices=["d2l", "wide"])
    parser.add_argument("--rounds", type=int, default=8)
    parser.add_argument("--steps", type=int, default=50, help="timed steps per round")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="minigrad-ab-") as scratch:
        base_root = os.path.join(scratch, "base")
        subprocess.run(["git", "-C", ROOT, "worktree", "add", "--detach", "--quiet",
                        base_root, args.base], check=True)
        try:
            times = {"base": [], "new": []}
            for round_ in range(args.rounds):
                order = ("base", "new") if round_ % 2 == 0 else ("new", "base")
                for which in order:
                    root = base_root if which == "base" else ROOT
                    times[which].append(time_tree(root, args.config, args.steps))
        finally:
            subprocess.run(["git", "-C", ROOT, "worktree", "remove", "--force", base_root],
                           check=False)
    ratios = [new / base for new, base in zip(times["new"], times["base"])]
    print(f"{args.config}: base {args.base} {statistics.median(times['base']) * 1e3:.2f} ms, "
          f"this tree {statistics.median(times['new']) * 1e3:.2f} ms per step (medians of "
          f"{args.rounds} rounds of {args.steps} steps); paired new / base "
          f"{statistics.median(ratios):.3f} (rounds: "
          f"{', '.join(f'{r:.3f}' for r in ratios)})")


if __name__ == "__main__":
    main()
