"""A bad MINIGRAD_BACKEND stops the command line with one line on stderr, not a traceback."""
import os
import subprocess
import sys

import pytest


@pytest.mark.numpy_only
def test_unknown_backend_in_the_environment_is_one_line():
    env = dict(os.environ, MINIGRAD_BACKEND="bogus")
    done = subprocess.run([sys.executable, "-m", "seq2seq", "train", "--epochs", "1"],
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr
    assert "MINIGRAD_BACKEND=bogus" in lines[0] and "numpy, cupy, strict" in lines[0]
