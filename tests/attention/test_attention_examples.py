"""Each attention example runs as a script, with small settings, and writes its PNG files."""
import os
import subprocess
import sys

import matplotlib.image
import pytest

pytestmark = pytest.mark.numpy_only      # the scripts choose their backend from the environment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.mark.parametrize("script, arguments, pictures", [
    ("nadaraya_watson.py", ["--epochs", "2"],
     ["nadaraya_watson_fit.png", "nadaraya_watson_attention_non-parametric.png",
      "nadaraya_watson_attention_parametric.png"]),
    ("attention_scoring.py", ["--sizes", "4", "8", "--repeats", "1"], ["attention_scoring.png"]),
    ("multihead_self_attention.py", ["--num-hiddens", "8", "--num-heads", "2"],
     ["multihead_self_attention.png", "positional_encoding.png"]),
])
def test_example_runs_and_writes_its_pictures(script, arguments, pictures, tmp_path):
    # The repository root first on the path, so the scripts import this checkout.
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run(
        [sys.executable, os.path.join(ROOT, "examples", script), "--out", str(tmp_path),
         *arguments], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(tmp_path)) == sorted(pictures)
    for picture in pictures:
        assert matplotlib.image.imread(tmp_path / picture)[..., :3].var() > 0
