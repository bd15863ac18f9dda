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
    if not os.fspath(path):    # '' would fail at the rename, naming our temporary file
        raise FileNotFoundError("cannot write a file with an empty name")
    path = os.path.realpath(os.fspath(path))   # a symlink: write its target, keep the link
    if os.path.exists(path) and not os.path.isfile(path):
        # renaming over /dev/null or a FIFO would replace the device itself (as root)
        raise FileExistsError(f"cannot write {path!r}: it exists and is not a regular file")
    folder = os.path.dirname(path)
    os.makedirs(folder, exist_ok=True)
    remove_stale_temp_files(folder)
    # the name's first 200 characters: with mkstemp's 8 and the dots, a legal 255-character
    # name still leaves a legal temporary one
    fd, tmp = tempfile.mkstemp(dir=folder, prefix="." + os.path.basename(path)[:200] + ".",
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


class FolderInUse(OSError):
    """Another process holds ``folder_lock`` on the folder; the message names it."""


HOLDER_NAME = ".running"   # inside a locked folder: "PID COMMAND" of the process holding it


@contextlib.contextmanager
def folder_lock(folder, command):
    """Hold an exclusive lock on ``folder`` (made if missing) while the block runs.

    The lock is the kernel's ``flock`` on the folder itself, so it dies with its process: a
    ``kill -9`` never leaves a stale lock behind. While it is held, ``folder/.running`` says
    who holds it ("PID COMMAND"); a second ``folder_lock`` on the same folder raises
    FolderInUse naming that process. Where the file system has no such locks (or the system
    has no ``fcntl``), the block runs unlocked.
    """
    try:
        import fcntl
    except ImportError:          # Windows: no flock
        yield
        return
    folder = os.fspath(folder)
    os.makedirs(folder, exist_ok=True)
    fd = os.open(folder, os.O_RDONLY)
    holder = os.path.join(folder, HOLDER_NAME)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            locked = True
        except BlockingIOError:
            raise FolderInUse(f"{folder} is in use by another run ({_holder(holder)}); wait "
                              f"for it to finish, stop it, or pick another folder") from None
        except OSError:          # a file system without flock (some network mounts)
            locked = False
        if locked:
            with open(holder, "w") as f:
                f.write(f"{os.getpid()} {command}\n")
        try:
            yield
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    os.unlink(holder)
    finally:
        os.close(fd)             # releases the lock


def _holder(path):
    """"pid N: COMMAND" from a locked folder's holder file, as far as it can be read."""
    try:
        with open(path) as f:
            pid, _, command = f.read().strip().partition(" ")
    except OSError:
        return "its pid not yet written"
    return f"pid {pid}: {command}" if pid.isdigit() else "its pid not yet written"
