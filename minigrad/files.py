"""Atomic file writes: a crash or Ctrl-C never leaves half a file behind."""
import contextlib
import os
import re
import tempfile
import time

# The temporary files atomic_write makes: ".NAME.XXXXXXXX.tmp" (mkstemp's random part)
TEMP_NAME = re.compile(r"^\..+\.[a-z0-9_]{8}\.tmp$")
STALE_SECONDS = 15 * 60   # a temp file untouched this long belongs to a save that was killed


@contextlib.contextmanager
def atomic_write(path, mode="wb"):
    """Open a temporary file next to ``path``; on success rename it over ``path``.

    The rename is atomic on POSIX and Windows, so readers see either the old file or the
    whole new one. On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    remove_stale_temp_files(folder)
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


def remove_stale_temp_files(folder, older_than=STALE_SECONDS):
    """Remove the temporary files of killed saves in ``folder``: only names of atomic_write's
    own pattern, and only those not modified for ``older_than`` seconds (a live save writes
    its file as it goes). Returns the names removed."""
    removed, now = [], time.time()
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            if not TEMP_NAME.match(entry.name):
                continue
            with contextlib.suppress(OSError):   # gone already, or not ours to remove
                if entry.is_file(follow_symlinks=False) and \
                        now - entry.stat(follow_symlinks=False).st_mtime > older_than:
                    os.unlink(entry.path)
                    removed.append(entry.name)
    return removed


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
