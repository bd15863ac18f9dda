"""atomic_write's target: a special file is refused, a symlink is written through. The fault
battery of 2026-12-07 ran `translate --heatmap /dev/null` as root: the temporary file was
renamed over /dev/null, which became an empty regular file for every process on the machine."""
import os
import stat

import pytest

from minigrad.files import atomic_write


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs a FIFO")
def test_a_target_that_is_not_a_regular_file_is_refused_and_left_alone(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(FileExistsError, match="exists and is not a regular file"):
        with atomic_write(fifo, "w") as f:
            f.write("x")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)          # still the FIFO
    assert sorted(os.listdir(tmp_path)) == ["pipe"]      # and no temporary file left behind
    with pytest.raises(FileExistsError):
        with atomic_write(tmp_path, "w") as f:          # a folder too
            f.write("x")


def test_a_symlink_is_written_through_and_kept(tmp_path):
    (tmp_path / "real.txt").write_text("old")
    os.symlink("real.txt", tmp_path / "link.txt")
    with atomic_write(tmp_path / "link.txt", "w") as f:
        f.write("new")
    assert os.path.islink(tmp_path / "link.txt")          # was replaced by a regular file
    assert (tmp_path / "real.txt").read_text() == "new"


def test_an_empty_name_is_refused_before_a_temporary_file_is_made(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(FileNotFoundError, match="cannot write a file with an empty name"):
        with atomic_write("", "w") as f:     # was the rename's error, naming '..XXXX.tmp'
            f.write("x")
    assert os.listdir(tmp_path) == []
