"""Atomic file writes: a crash or Ctrl-C never leaves half a file behind."""
import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file next to ``path``; on success rename it over ``path``.

    The rename is atomic on POSIX and Windows, so readers see either the old file or the
    whole new one. On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path) + ".",
                               suffix=".tmp")
    try:
        with os.fdopen(fd, mode) as f:     # first, so that the descriptor is always closed
            os.chmod(tmp, 0o666 & ~_umask())   # mkstemp makes 0600; give the usual permissions
            yield f
            f.flush()
            os.fsync(f.fileno())           # the data is on disk before the name points at it
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)                  # and so is the rename, once this returns


def _fsync_folder(folder):
    """Flush a folder's entries to disk (POSIX; Windows cannot open a folder for this)."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _umask():
    mask = os.umask(0)   # reading the umask means setting it; put it straight back
    os.umask(mask)
    return mask
