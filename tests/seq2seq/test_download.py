"""download_fra_eng without the network: urllib is replaced by a fake that fails or serves a
zip built here."""
import hashlib
import http.client
import io
import urllib.error
import urllib.request
import zipfile

import pytest

from seq2seq import download
from seq2seq.download import DownloadError, download_fra_eng

pytestmark = pytest.mark.numpy_only

TEXT = "Go.\tVa !\nHi.\tSalut !\n".encode("utf-8")


def make_zip(member="fra-eng/fra.txt", payload=TEXT):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("fra-eng/_about.txt", "about")
        archive.writestr(member, payload)
    return buffer.getvalue()


class FakeResponse(io.BytesIO):
    """What urlopen returns: a readable context manager."""


def serve(monkeypatch, payload):
    """Make urllib.request.urlopen return ``payload``; returns the list of requested URLs."""
    requests = []

    def fake_urlopen(url, timeout=None):
        requests.append(url)
        return FakeResponse(payload)
    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    return requests


def no_network(monkeypatch):
    def fail(url, timeout=None):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")
    monkeypatch.setattr(urllib.request, "urlopen", fail)


def test_no_network_fails_in_one_clear_line(monkeypatch, tmp_path):
    no_network(monkeypatch)
    with pytest.raises(DownloadError) as info:
        download_fra_eng(cache_dir=tmp_path)
    message = str(info.value)
    assert "\n" not in message
    assert download.FRA_ENG_URL in message and "--data PATH" in message
    assert "name resolution" in message
    assert info.value.__cause__ is None and info.value.__suppress_context__
    assert list(tmp_path.iterdir()) == []                  # nothing half-written


def test_a_connection_cut_mid_download_fails_in_one_clear_line(monkeypatch, tmp_path):
    class CutResponse(FakeResponse):
        def read(self, *args):   # what http.client raises when the body stops short
            raise http.client.IncompleteRead(b"PK\x03\x04", 3_500_000)
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout=None: CutResponse())
    with pytest.raises(DownloadError, match=r"^could not download \S+ \(IncompleteRead.*\); "
                                            r"pass a local copy of fra\.txt with --data PATH$"):
        download_fra_eng(cache_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_download_checks_extracts_and_caches(monkeypatch, tmp_path):
    payload = make_zip()
    requests = serve(monkeypatch, payload)
    path = download_fra_eng(cache_dir=tmp_path, sha1=hashlib.sha1(payload).hexdigest())
    assert path == tmp_path / "fra-eng" / "fra.txt"
    assert path.read_bytes() == TEXT
    assert (tmp_path / "fra-eng.zip").read_bytes() == payload
    assert requests == [download.FRA_ENG_URL]
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["fra-eng", "fra-eng.zip", "fra.txt"]

    no_network(monkeypatch)                                # second call: cache only
    assert download_fra_eng(cache_dir=tmp_path) == path


def test_cached_zip_is_extracted_without_network(monkeypatch, tmp_path):
    payload = make_zip()
    (tmp_path / "fra-eng.zip").write_bytes(payload)
    no_network(monkeypatch)
    path = download_fra_eng(cache_dir=tmp_path, sha1=hashlib.sha1(payload).hexdigest())
    assert path.read_bytes() == TEXT


def test_corrupt_cached_zip_is_downloaded_again(monkeypatch, tmp_path):
    payload = make_zip()
    (tmp_path / "fra-eng.zip").write_bytes(payload[:-10])
    requests = serve(monkeypatch, payload)
    path = download_fra_eng(cache_dir=tmp_path, sha1=hashlib.sha1(payload).hexdigest())
    assert requests == [download.FRA_ENG_URL] and path.read_bytes() == TEXT
    assert (tmp_path / "fra-eng.zip").read_bytes() == payload


def test_checksum_mismatch_is_refused(monkeypatch, tmp_path):
    serve(monkeypatch, make_zip())
    with pytest.raises(DownloadError, match="SHA-1 .* does not match .*--data PATH"):
        download_fra_eng(cache_dir=tmp_path)               # the real d2l checksum
    assert list(tmp_path.iterdir()) == []


def test_zip_without_the_member_is_refused(monkeypatch, tmp_path):
    payload = make_zip(member="fra-eng/other.txt")
    serve(monkeypatch, payload)
    with pytest.raises(DownloadError, match="cannot extract fra-eng/fra.txt.*--data PATH"):
        download_fra_eng(cache_dir=tmp_path, sha1=hashlib.sha1(payload).hexdigest())
    assert not (tmp_path / "fra-eng" / "fra.txt").exists()


def test_default_cache_dir_is_under_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    payload = make_zip()
    serve(monkeypatch, payload)
    path = download_fra_eng(sha1=hashlib.sha1(payload).hexdigest())
    assert path == tmp_path / ".cache" / "minigrad" / "fra-eng" / "fra.txt"
