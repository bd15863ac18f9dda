"""Fetch d2l's ``fra-eng.zip`` once into a cache folder, check it, and extract ``fra.txt``.

Standard library only (``urllib``, ``hashlib``, ``zipfile``). Every file is written atomically,
so an interrupted download never leaves a half file that a later run would trust.
"""
import hashlib
import http.client
import io
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from minigrad.files import atomic_write

DATA_URL = "http://d2l-data.s3-accelerate.amazonaws.com/"
FRA_ENG_URL = DATA_URL + "fra-eng.zip"
FRA_ENG_SHA1 = "94646ad1522d915e7b0f9296181140edcf86a4f5"
FRA_ENG_MEMBER = "fra-eng/fra.txt"
DEFAULT_CACHE_DIR = Path("~/.cache/minigrad")


class DownloadError(RuntimeError):
    """The dataset could not be fetched or failed its checksum; the message is one line."""


def download_fra_eng(cache_dir=None, url=FRA_ENG_URL, sha1=FRA_ENG_SHA1, timeout=60):
    """Path to ``fra.txt``, downloading and extracting d2l's ``fra-eng.zip`` on first use.

    Layout under ``cache_dir`` (default ``~/.cache/minigrad``): ``fra-eng.zip`` and
    ``fra-eng/fra.txt``. An existing ``fra.txt`` is used as it is; an existing zip is used if
    its SHA-1 matches. Without network, or on a checksum mismatch, raises ``DownloadError``
    with a one-line message that says to pass a local file with ``--data PATH``.
    """
    cache_dir = Path(DEFAULT_CACHE_DIR if cache_dir is None else cache_dir).expanduser()
    zip_path = cache_dir / "fra-eng.zip"
    txt_path = cache_dir / FRA_ENG_MEMBER
    if txt_path.is_file():
        return txt_path

    payload = zip_path.read_bytes() if zip_path.is_file() else b""
    if _sha1(payload) != sha1:
        payload = _fetch(url, timeout)
        digest = _sha1(payload)
        if digest != sha1:
            raise DownloadError(f"{url}: SHA-1 {digest} does not match the expected {sha1}; "
                                f"pass a local copy of fra.txt with --data PATH")
        with atomic_write(zip_path, "wb") as f:
            f.write(payload)

    try:
        with zipfile.ZipFile(io.BytesIO(payload)) as archive:
            text = archive.read(FRA_ENG_MEMBER)
    except (zipfile.BadZipFile, KeyError) as error:
        raise DownloadError(f"{zip_path}: cannot extract {FRA_ENG_MEMBER} ({error}); "
                            f"pass a local copy of fra.txt with --data PATH") from None
    with atomic_write(txt_path, "wb") as f:
        f.write(text)
    return txt_path


def _fetch(url, timeout):
    """The bytes at ``url``; any network failure becomes a one-line ``DownloadError``."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return response.read()
    except (urllib.error.URLError, OSError, ValueError, http.client.HTTPException) as error:
        # HTTPException: e.g. IncompleteRead, the connection dropped in the middle of the body
        reason = getattr(error, "reason", error)
        raise DownloadError(f"could not download {url} ({reason}); "
                            f"pass a local copy of fra.txt with --data PATH") from None


def _sha1(payload):
    return hashlib.sha1(payload).hexdigest()

