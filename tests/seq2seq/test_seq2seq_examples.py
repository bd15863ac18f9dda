"""The seq2seq examples run as scripts, with few epochs, and print what their docstrings
promise: the book's four sentences with BLEU and a heatmap; the plain-vs-attention table; the
Transformer's per-head heatmaps (its shape checks: tests/attention/test_book_examples.py)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import matplotlib.image
import pytest

from seq2seq.builtin_corpus import generate_pairs
from seq2seq.datasets import D2L_EXAMPLES

pytestmark = pytest.mark.numpy_only      # the scripts choose their backend themselves

ROOT = Path(__file__).resolve().parents[2]
FRA_TXT = ROOT.parent / "shared" / "data" / "fra-eng" / "fra.txt"


def run_example(script, *arguments):
    # The repository root first on the path, so the scripts import this checkout.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(ROOT)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    env.pop("MINIGRAD_BACKEND", None)
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *arguments],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_bahdanau_d2l_prints_the_books_four_sentences_and_a_heatmap(tmp_path):
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")
    lines = run_example("bahdanau_d2l.py", "--data", str(FRA_TXT), "--epochs", "2",
                        "--out", str(tmp_path))
    assert lines[0].startswith("TranslationData('d2l-small': 601 train pairs")
    printed = [re.fullmatch(r"(.+) => (.*), bleu (\d\.\d{3})", line) for line in lines]
    printed = [match for match in printed if match]
    assert [match[1] for match in printed] == [english for english, _ in D2L_EXAMPLES]
    picture = tmp_path / "bahdanau_d2l_attention.png"
    assert lines[-1] == f"attention heatmap: {picture}"
    assert matplotlib.image.imread(picture)[..., :3].var() > 0


def test_plain_vs_attention_prints_one_row_per_decoder():
    lines = run_example("plain_vs_attention.py", "--epochs", "1", "--num-train", "300",
                        "--num-held-out", "40")
    assert lines[0].startswith("TranslationData('builtin': 300 train pairs, 40 valid / 40 test")
    rows = [re.fullmatch(r"\| (\w+) \| ([\d,]+) \| (\d+\.\d{3}) \| (\d+\.\d) \| \d+ \|", line)
            for line in lines]
    rows = [row for row in rows if row]
    assert [row[1] for row in rows] == ["plain", "attention"]
    assert all(0 <= float(row[4]) <= 100 for row in rows)


def test_transformer_example_runs_and_writes_its_heatmaps(tmp_path):
    fake = tmp_path / "fra.txt"      # d2l's two columns, from the built-in grammar
    fake.write_text("".join(f"{' '.join(en)}\t{' '.join(fr)}\n"
                            for en, fr in generate_pairs(700, seed=3)), encoding="utf-8")
    out = tmp_path / "out"
    lines = run_example("transformer_d2l.py", "--data", str(fake), "--epochs", "1",
                        "--out", str(out))
    assert lines[0].startswith("TranslationData('d2l-small': 601 train pairs")
    assert sum(" => " in line for line in lines) == 4
    pictures = ["transformer_d2l_attention_dec_self.png", "transformer_d2l_attention_enc_dec.png",
                "transformer_d2l_attention_enc_self.png"]
    assert sorted(os.listdir(out)) == pictures
    for picture in pictures:
        assert matplotlib.image.imread(out / picture)[..., :3].var() > 0
