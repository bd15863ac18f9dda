"""``python -m seq2seq train`` given what the 2026-12-07 fault battery gave it: a flag the model
would ignore, an absurd depth, a best.npz damaged between two runs."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.numpy_only

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k not in ("MINIGRAD_BACKEND", "MINIGRAD_READABLE")}
TINY = ["--epochs", "1", "--num-hiddens", "8", "--embed-size", "8", "--batch-size", "128"]


def train(*args):
    return subprocess.run([sys.executable, "-m", "seq2seq", "train", *args], cwd=ROOT, env=ENV,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("flags, message", [
    (["--decoder", "plain", "--scorer", "dot"], "--scorer dot does not apply to --decoder plain"),
    (["--num-layers", "100000"], "--num-layers 100000 is more than 100"),
    (["--model", "transformer", "--num-blks", "101"], "--num-blks 101 is more than 100")])
def test_ignored_or_absurd_model_flags_are_one_line_errors(flags, message, tmp_path):
    result = train(*flags, "--out", str(tmp_path / "run"))
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]   # one line
    assert message in result.stderr
    assert not (tmp_path / "run").exists()       # refused before anything was written


def test_a_damaged_best_checkpoint_is_a_warning_after_resume_not_a_traceback(tmp_path):
    out = tmp_path / "run"
    slow = ["--lr", "1e-6"]       # BLEU stays 0, so the resumed epoch does not replace best.npz
    assert train(*TINY, *slow, "--out", str(out)).returncode == 0
    (out / "best.npz").write_bytes((out / "best.npz").read_bytes()[:100])
    result = train(*TINY[2:], *slow, "--epochs", "2", "--out", str(out), "--resume")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert f"warning: {out / 'best.npz'} cannot be read" in result.stderr
    assert f"checkpoint: {out / 'last.npz'} ({out / 'best.npz'} is unreadable)" in result.stdout


def test_an_empty_heatmap_name_is_refused(tmp_path):
    out = tmp_path / "run"
    assert train(*TINY, "--out", str(out)).returncode == 0
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint",
                             str(out / "best.npz"), "--heatmap", "", "i see ."], cwd=ROOT,
                            env=ENV, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1          # was exit 0 and no heatmap, without a word
    assert result.stderr.strip() == "error: --heatmap needs a file name, such as att.png"
