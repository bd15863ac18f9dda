"""The Transformer example runs as a script, on a small fra.txt-style file, and writes its
heatmaps; its shape checks print d2l's shapes."""
import os
import subprocess
import sys

import matplotlib.image
import pytest

from seq2seq.builtin_corpus import generate_pairs

pytestmark = pytest.mark.numpy_only      # the script chooses its backend itself

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_transformer_example_runs_and_writes_its_heatmaps(tmp_path):
    fake = tmp_path / "fra.txt"      # d2l's two columns, from the built-in grammar
    fake.write_text("".join(f"{' '.join(en)}\t{' '.join(fr)}\n"
                            for en, fr in generate_pairs(700, seed=3)), encoding="utf-8")
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", "transformer_d2l.py"), "--data",
         str(fake), "--epochs", "1", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "PositionWiseFFN(8, 4) on (2, 3, 4): (2, 3, 4)"
    assert lines[4] == "TransformerDecoderBlock on (2, 100, 24): (2, 100, 24)"
    assert sum(" => " in line for line in lines) == 4
    pictures = ["transformer_d2l_attention_dec_self.png", "transformer_d2l_attention_enc_dec.png",
                "transformer_d2l_attention_enc_self.png"]
    assert sorted(os.listdir(out)) == pictures
    for picture in pictures:
        assert matplotlib.image.imread(out / picture)[..., :3].var() > 0
