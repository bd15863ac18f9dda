"""A signal at any moment of a command, not only while it trains: SIGINT or SIGTERM while the
data loads exits 130 with one line and leaves no file (its handler used to be installed only
once training started: a Ctrl-C there was a traceback, a SIGTERM a silent death by -15)."""
import random
import signal
import subprocess
import sys

import pytest

from tests.seq2seq.test_cli import ENV, ROOT

pytestmark = pytest.mark.numpy_only

WORDS = "the red car is small big dog cat see we do not my book green old".split()


@pytest.fixture(scope="module")
def large_corpus(tmp_path_factory):
    """A fra.txt-style file that takes seconds to load (100,000 pairs, about 4 MB)."""
    rng = random.Random(0)
    path = tmp_path_factory.mktemp("corpus") / "fra.txt"
    with open(path, "w", encoding="utf-8") as f:
        for _ in range(100_000):
            words = " ".join(rng.choice(WORDS) for _ in range(6))
            f.write(f"{words} .\t{words} !\n")
    return path


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_while_the_data_loads_exits_130_in_one_line_leaving_no_file(
        signum, large_corpus, tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "seq2seq", "train", "--backend", "numpy", "--data",
         str(large_corpus), "--epochs", "1", "--out", str(out)], cwd=ROOT, env=ENV,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = process.stdout.readline()        # printed just before the file is read
    assert first.startswith(f"reading --data {large_corpus} ("), first
    process.send_signal(getattr(signal, signum))
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        f"interrupted by {signum}: python -m seq2seq train stopped before it finished"), stderr
    assert not stdout.strip(), stdout           # the data's line never came: it was loading
    assert not out.exists()
