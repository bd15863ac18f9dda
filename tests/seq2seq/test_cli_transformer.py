"""``python -m seq2seq train --model transformer``, then translate and evaluate from its
checkpoint, run as a user runs them (in a subprocess), with a tiny model trained for a second.
What the command line prints is compared with what the library returns in this process."""
import os
import re
import subprocess
import sys

import pytest

from seq2seq.checkpoint import read_checkpoint
from seq2seq.datasets import load_builtin
from seq2seq.train import evaluate_bleu
from seq2seq.transformer import TransformerDecoder
from test_cli import (ENV, ROOT, SENTENCES, assert_png_with_ink, checkpoint, cli,
                      failed_with, load_trained, succeeded, train_briefly)

pytestmark = pytest.mark.numpy_only

TINY = ["--model", "transformer", "--epochs", "1", "--num-hiddens", "16", "--num-heads", "2",
        "--ffn-num-hiddens", "32", "--num-blks", "1", "--batch-size", "128"]
PER_HEAD = ["attention_dec_self.png", "attention_enc_dec.png", "attention_enc_self.png"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return train_briefly(tmp_path_factory.mktemp("transformer"), TINY)


@pytest.fixture
def library(run):
    return load_trained(run)


def test_train_saves_a_transformer_checkpoint_and_heatmaps_per_head(run, library):
    out, lines = run
    assert sorted(os.listdir(out)) == sorted(["attention.png", "best.npz", "curves.png",
                                              "last.npz"] + PER_HEAD)
    for name in ["attention.png"] + PER_HEAD:
        assert_png_with_ink(out / name)
    config = read_checkpoint(checkpoint(run))["model_config"]
    assert config == {"model": "transformer", "src_vocab_size": 81, "tgt_vocab_size": 148,
                      "num_hiddens": 16, "ffn_num_hiddens": 32, "num_heads": 2,
                      "num_blks": 1, "dropout": 0.1}
    assert isinstance(library[0].decoder, TransformerDecoder)
    paths = ", ".join(str(out / name) for name in ["attention.png", "attention_enc_self.png",
                                                   "attention_dec_self.png",
                                                   "attention_enc_dec.png"])
    assert lines[-1] == f"attention heatmap: {paths}; checkpoint: {out / 'best.npz'}"
    assert any(re.fullmatch(r"model: [\d,]+ parameters", line) for line in lines)


def test_translate_greedy_and_beam_match_the_library(run, library):
    for beam in ("1", "3"):
        lines = succeeded(cli("translate", "--backend", "numpy", "--checkpoint",
                              checkpoint(run), "--beam", beam, *SENTENCES))
        assert lines == library[2](SENTENCES, beam_size=int(beam))


def test_translate_writes_the_heatmap_and_one_per_head(run, tmp_path):
    succeeded(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                  "--heatmap", str(tmp_path / "attention.png"), SENTENCES[0]))
    assert sorted(os.listdir(tmp_path)) == sorted(["attention.png"] + PER_HEAD)
    for name in PER_HEAD:
        assert_png_with_ink(tmp_path / name)


def test_evaluate_rebuilds_the_transformer(run, library):
    lines = succeeded(cli("evaluate", "--backend", "numpy", "--checkpoint", checkpoint(run)))
    data = load_builtin()
    assert lines == [f"test corpus BLEU {evaluate_bleu(library[0], data.test, data):.2f} "
                     f"(500 sources, greedy)"]


def test_translate_on_the_strict_backend(run, library):
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint",
                             checkpoint(run), *SENTENCES], cwd=ROOT, capture_output=True,
                            text=True, env=dict(ENV, MINIGRAD_BACKEND="strict"), timeout=300)
    assert succeeded(result) == library[2](SENTENCES)


@pytest.mark.parametrize("flags, message", [
    (["--model", "transformer", "--embed-size", "8", "--cell", "lstm"],
     r"^error: --embed-size, --cell do not apply to --model transformer$"),
    (["--num-heads", "2"], r"^error: --num-heads does not apply to --model rnn$"),
    (["--model", "transformer", "--num-hiddens", "10", "--num-heads", "4"],
     r"^error: MultiHeadAttention: num_hiddens \(10\) must split evenly into num_heads \(4\)"),
])
def test_flags_of_the_other_model_are_refused(flags, message, tmp_path):
    result = cli("train", "--backend", "numpy", *flags, "--out", str(tmp_path))
    failed_with(result, message)
    assert os.listdir(tmp_path) == []
