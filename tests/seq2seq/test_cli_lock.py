"""One run per folder: `train` and `--resume` hold --out while they run; a second command is
refused in one line naming the first; contradicting flags are refused; and what a command
prints as its result is its own run's."""
import re
import subprocess
import sys
import time

import pytest

from minigrad.files import folder_lock
from tests.seq2seq.test_cli import ENV, ROOT, TINY, cli, failed_with, succeeded

pytestmark = pytest.mark.numpy_only


def start_training(out, *flags):
    """A `train` that runs until it is stopped, once it holds ``out``."""
    process = subprocess.Popen(
        [sys.executable, "-m", "seq2seq", "train", "--backend", "numpy", *TINY,
         "--epochs", "1000", *flags, "--out", str(out)], cwd=ROOT, env=ENV, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in process.stdout:            # the folder is locked before the model's line
        if line.startswith("model:"):
            break
    for _ in range(200):
        if (out / ".running").exists():
            return process
        time.sleep(0.05)
    process.kill()
    raise AssertionError("the training run never took its folder")


def test_a_second_train_or_resume_into_a_running_folder_is_refused_naming_the_first(tmp_path):
    out = tmp_path / "out"
    first = start_training(out)
    try:
        for flags in ([], ["--overwrite"], ["--resume"]):
            line = failed_with(cli("train", "--backend", "numpy", *TINY, *flags,
                                   "--out", str(out)),
                               rf"^error: --out {re.escape(str(out))} is in use by another "
                               rf"run \(pid {first.pid}: python -m seq2seq train .*--epochs "
                               r"1000 .*\); wait for it to finish")
            assert str(out) in line
    finally:
        first.kill()                           # kill -9: the kernel drops the lock with it
        first.communicate(timeout=60)
    with folder_lock(out, "the next run"):     # no stale lock left behind
        pass


def test_resume_and_overwrite_together_are_refused(tmp_path):
    failed_with(cli("train", "--backend", "numpy", *TINY, "--resume", "--overwrite",
                    "--out", str(tmp_path / "out")),
                r"^error: --resume and --overwrite contradict each other")
    assert not (tmp_path / "out").exists()


def test_overwrite_with_no_epoch_does_not_claim_the_earlier_runs_checkpoint(tmp_path):
    (tmp_path / "best.npz").write_bytes(b"the earlier run's best")
    (tmp_path / "last.npz").write_bytes(b"the earlier run's last")
    lines = succeeded(cli("train", "--backend", "numpy", *TINY[2:], "--epochs", "0",
                          "--overwrite", "--out", str(tmp_path)))
    assert lines[-1].endswith("no checkpoint (no epoch was trained; the earlier run's "
                              "checkpoints are untouched)")
    assert (tmp_path / "best.npz").read_bytes() == b"the earlier run's best"
    assert not (tmp_path / ".running").exists()
