"""What a learner steps through: the lines and functions one decoder step runs, its graph,
and the engine lines of its backward pass, counted with ``sys.settrace``.

The model is d2l's size from ``bench_seq2seq.CONFIGS["d2l"]`` (vocab 200, embed 32, 32 hidden
units, 2 layers, dropout 0.2), in training mode. One decoder step is the decoder run on one
column of tokens with teacher forcing, ``decoder(X[:, :1], state)``, after a warm-up step; the
encoder's state is detached, so the graph counted is the step's own. Only files of the
packages (minigrad/, attention/, seq2seq/) are counted.

    python benchmarks/trace_step.py                # readable and fast mode
    python benchmarks/trace_step.py --readable     # readable mode only
    python benchmarks/trace_step.py --list         # and every function run, by file
"""
import argparse
import collections
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, ROOT)
sys.path.insert(0, HERE)

import numpy as np                                   # noqa: E402

import minigrad as mg                                # noqa: E402
from minigrad.autograd import topological_order      # noqa: E402
from bench_seq2seq import CONFIGS, DROPOUT, make_batches   # noqa: E402

PACKAGES = tuple(os.path.join(ROOT, p) + os.sep for p in ("minigrad", "attention", "seq2seq"))


class Tracer:
    """Counts line events, distinct lines and distinct functions in the packages' files."""

    def __init__(self, only=None):
        self.only = only or PACKAGES
        self.events = 0
        self.lines = set()
        self.functions = collections.Counter()

    def __call__(self, frame, event, arg):
        filename = frame.f_code.co_filename
        if not filename.startswith(self.only):
            return None                 # do not trace inside this frame
        if event == "call":
            code = frame.f_code
            self.functions[(os.path.relpath(filename, ROOT), code.co_firstlineno,
                            code.co_name)] += 1
        elif event == "line":
            self.events += 1
            self.lines.add((filename, frame.f_lineno))
        return self

    def run(self, function, *args):
        sys.settrace(self)
        try:
            return function(*args)
        finally:
            sys.settrace(None)

    @property
    def files(self):
        return {f for f, _, _ in self.functions}


def _detached(state):
    enc_outputs, hidden_state, enc_valid_lens = state
    return enc_outputs.detach(), hidden_state.detach(), enc_valid_lens


def measure(readable, show=False):
    mg.set_backend("numpy")
    mg.set_readable(readable)
    cfg = CONFIGS["d2l"]
    mg.manual_seed(0)
    from seq2seq import build_model
    model = build_model(cfg["vocab"], cfg["vocab"], cfg["embed"], cfg["hidden"], cfg["layers"],
                        dropout=DROPOUT)
    model.train()
    src, src_len, dec_input, _, _ = make_batches(cfg, 1, seed=1)[0]
    state = _detached(model.decoder.init_state(model.encoder(src, src_len), src_len))
    X = dec_input[:, :1]
    model.decoder(X, state)                         # warm-up: first-call work is not counted

    step = Tracer()
    logits, _ = step.run(model.decoder, X, state)
    order = topological_order(logits)
    ops = collections.Counter(node._op for node in order if node._backward is not None)
    leaves = [node for node in order if node._backward is None]
    by_scope = mg.graph_scopes(logits) if hasattr(mg, "graph_scopes") else ""

    loss = logits.sum()
    engine = Tracer(only=(os.path.join(ROOT, "minigrad", "autograd.py"),
                          os.path.join(ROOT, "minigrad", "fast_grads.py"),
                          os.path.join(ROOT, "minigrad", "tensor.py")))
    engine.run(loss.backward)
    mg.set_readable(False)

    mode = "readable" if readable else "fast"
    print(f"{mode}: one decoder step runs {step.events:,} lines ({len(step.lines):,} distinct) "
          f"in {len(step.functions)} functions across {len(step.files)} files")
    print(f"{mode}: its graph has {sum(ops.values())} op nodes and {len(leaves)} leaves; "
          f"busiest ops: " + ", ".join(f"{op} {n}" for op, n in ops.most_common(6)))
    named = sum(1 for leaf in leaves if leaf.name)
    print(f"{mode}: {named} of its {len(leaves)} leaves carry a name; ops by module scope:")
    if by_scope:
        print("  " + by_scope.replace("\n", "\n  "))
    print(f"{mode}: backward of the step runs {engine.events:,} engine lines "
          f"({len(engine.lines)} distinct) in {len(engine.functions)} engine functions")
    if show:
        by_file = collections.defaultdict(list)
        for (path, line, name), calls in sorted(step.functions.items()):
            by_file[path].append(f"{name}:{line}x{calls}")
        for path, names in sorted(by_file.items()):
            print(f"  {path}: " + ", ".join(names))
    return step, ops


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readable", action="store_true", help="readable mode only")
    parser.add_argument("--list", action="store_true", help="list every function run")
    args = parser.parse_args()
    np.seterr(all="ignore")
    for readable in ((True,) if args.readable else (True, False)):
        measure(readable, show=args.list)


if __name__ == "__main__":
    main()
