"""Resume means resume: a `train` stopped by a real SIGINT or SIGTERM in the middle of an
epoch saves where it stood, and `--resume` ends with the weights of a run never stopped, bit
for bit (NumPy)."""
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from seq2seq.checkpoint import read_checkpoint
from tests.seq2seq.test_cli import ENV, ROOT, TINY, cli, succeeded

pytestmark = pytest.mark.numpy_only

# one epoch of 313 batches of 16 (about 2 s on a quiet 2-core machine), dropout masks to restore
FLAGS = [*TINY, "--dropout", "0.1", "--batch-size", "16"]


@pytest.fixture(scope="module")
def straight(tmp_path_factory):
    out = tmp_path_factory.mktemp("straight")
    succeeded(cli("train", "--backend", "numpy", *FLAGS, "--out", str(out)))
    return read_checkpoint(str(out / "last.npz"))


# the epoch takes about 2 s on a quiet machine, so each signal lands well inside it (an epoch
# of 40 batches, 0.4-0.6 s, let a 0.5 s signal land after it on a fast machine)
@pytest.mark.parametrize("signum, delay", [("SIGINT", 0.3), ("SIGTERM", 0.5)])
def test_a_signal_in_mid_epoch_then_resume_gives_the_straight_runs_weights(signum, delay,
                                                                         straight, tmp_path):
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "seq2seq", "train", "--backend", "numpy", *FLAGS,
         "--out", str(out)], cwd=ROOT, env=ENV, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in process.stdout:          # training starts after the model's line
        if line.startswith("model:"):
            break
    time.sleep(delay)
    process.send_signal(getattr(signal, signum))
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    stopped = re.search(rf"^interrupted: training stopped in epoch 1 by {signum} after "
                        r"(\d+) of (\d+) batches; saved .*last\.npz with its position", stderr,
                        re.M)
    assert stopped, stderr
    total = straight["history"]["batches"][0]
    assert int(stopped[2]) == total and int(stopped[1]) < total
    resumed = succeeded(cli("train", "--backend", "numpy", *FLAGS, "--resume",
                            "--out", str(out)))
    assert any(line.endswith(f"in epoch 1 at batch {int(stopped[1]) + 1}, where {signum} "
                             f"stopped it") for line in resumed), resumed
    state = read_checkpoint(str(out / "last.npz"))
    assert "position" not in state and state["history"]["batches"] == [total]
    assert state["history"]["loss"] == straight["history"]["loss"]
    for name, weight in straight["model"].items():
        np.testing.assert_array_equal(state["model"][name], weight, err_msg=name)
