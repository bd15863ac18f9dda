"""docs/transformer.md stays true: the sizes in its table, the parameter count and the shapes it
quotes are those of the model the builtin preset builds, run on a batch of 4."""
from pathlib import Path

import numpy as np
import pytest

import minigrad as mg
from seq2seq.cli import TRANSFORMER_PRESETS
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model

pytestmark = pytest.mark.numpy_only

PAGE = Path(__file__).resolve().parents[2] / "docs" / "transformer.md"
B = 4      # the page's --batch-size


def test_the_pages_sizes_counts_and_shapes_are_the_models(rng):
    page = PAGE.read_text(encoding="utf-8")
    preset = TRANSFORMER_PRESETS["builtin"]
    data = load_builtin()
    H, h, T = preset["num_hiddens"], preset["num_heads"], data.num_steps
    V_src, V_tgt = len(data.src_vocab), len(data.tgt_vocab)
    for row in (f"| B | sentence pairs in the batch | {B} |",
                f"| T | `num_steps` (source and target) | {T} |",
                f"| H | `num_hiddens` (embedding size too) | {H} |",
                f"| h | `num_heads`, each of size H / h = {H // h} | {h} |",
                f"| F | `ffn_num_hiddens` | {preset['ffn_num_hiddens']} |",
                f"| | `num_blks` in each half | {preset['num_blks']} |",
                f"| V_src, V_tgt | vocabularies | {V_src}, {V_tgt} |"):
        assert row in page, row

    model = build_model(V_src, V_tgt, model="transformer", dropout=preset["dropout"],
                        **{k: preset[k] for k in ("num_hiddens", "ffn_num_hiddens",
                                                  "num_heads", "num_blks")})
    assert (f"{len(model.state_dict())} parameter tensors, {model.num_parameters():,} numbers"
            in page)

    src, tgt = rng.integers(0, V_src, (B, T)), rng.integers(0, V_tgt, (B, T))
    with mg.no_grad():
        logits = model(src, tgt, np.array([T, 3, 5, 7]))
    enc_weights = model.encoder.attention_weights[0].shape            # block 0, all heads
    cross_weights = model.decoder.attention_weights[1][0].shape
    for quoted in (f"| to the vocabulary | `self.dense(X)` | {logits.shape} |",
                   f"`encoder.attention_weights` keeps each block's {enc_weights} weights",
                   f"one\n{cross_weights} array per block each"):
        assert quoted in page, quoted
