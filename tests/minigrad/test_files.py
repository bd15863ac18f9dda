"""atomic_write: the whole new file or the old one, never a temporary file left behind."""
import os

import pytest

from minigrad import files
from minigrad.files import atomic_write


def test_a_successful_write_replaces_the_file_with_the_usual_permissions(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
    mask = os.umask(0)
    os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask
    assert os.listdir(tmp_path) == ["out.bin"]


def test_an_error_while_writing_leaves_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(path) as f:
            f.write(b"half")
            raise KeyboardInterrupt
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]


def test_a_failing_chmod_closes_and_removes_the_temporary(tmp_path, monkeypatch):
    opened = []
    real_fdopen = os.fdopen

    def fdopen(fd, mode):
        opened.append(real_fdopen(fd, mode))
        return opened[-1]

    def chmod(path, mode):
        raise PermissionError(f"chmod refused for {path}")

    monkeypatch.setattr(files.os, "fdopen", fdopen)
    monkeypatch.setattr(files.os, "chmod", chmod)
    with pytest.raises(PermissionError, match="chmod refused"):
        with atomic_write(tmp_path / "out.bin") as f:
            f.write(b"never")
    assert opened and opened[0].closed
    assert os.listdir(tmp_path) == []


def test_stale_temporaries_of_killed_saves_are_removed_at_the_next_save(tmp_path):
    import time
    from minigrad.files import STALE_SECONDS
    old = time.time() - STALE_SECONDS - 60
    stale = tmp_path / ".last.npz.ab12cd_9.tmp"      # a killed save's leftover
    live = tmp_path / ".best.npz.zz12cd_9.tmp"       # a save still writing (fresh mtime)
    other = tmp_path / "notes.ab12cd_9.tmp"          # not our pattern: never touched
    for path in (stale, live, other):
        path.write_bytes(b"x")
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    with atomic_write(tmp_path / "last.npz") as f:
        f.write(b"new")
    assert not stale.exists()
    assert live.exists() and other.exists()
    assert (tmp_path / "last.npz").read_bytes() == b"new"


def test_folder_lock_refuses_a_second_holder_naming_the_first_and_ends_with_the_block(tmp_path):
    folder = tmp_path / "run"
    with files.folder_lock(folder, "train --out run"):
        assert (folder / ".running").read_text() == f"{os.getpid()} train --out run\n"
        with pytest.raises(files.FolderInUse, match=rf"^{folder} is in use by another run "
                                                    rf"\(pid {os.getpid()}: train --out run\)"):
            with files.folder_lock(folder, "a second run"):
                pass
    assert os.listdir(folder) == []
    with files.folder_lock(folder, "a later run"):   # free again
        pass


def test_a_name_of_255_characters_is_written(tmp_path):
    path = tmp_path / ("w" * 251 + ".npz")           # NAME_MAX on Linux and macOS
    with atomic_write(path) as f:
        f.write(b"new")
    assert path.read_bytes() == b"new"
    assert os.listdir(tmp_path) == [path.name]


def test_a_full_disk_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    import errno
    path = tmp_path / "out.bin"
    path.write_bytes(b"old")

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left"):
        with atomic_write(path) as f:
            f.write(b"new")
    assert path.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["out.bin"]
