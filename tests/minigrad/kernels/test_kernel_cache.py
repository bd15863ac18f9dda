"""The host kernels' build and cache: a failed build is one line (the compiler's output in a
log it names); a cached library cut short is checked against its checksum and rebuilt, never
loaded (loading a truncated .so kills the process with SIGBUS)."""
import os
import shutil
import stat

import pytest

from minigrad import kernels
from minigrad.testing import kernel_host as host

pytestmark = [pytest.mark.numpy_only, pytest.mark.fused]


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MINIGRAD_KERNEL_CACHE", str(tmp_path))
    host.library.cache_clear()
    yield tmp_path
    host.library.cache_clear()


def test_a_failed_build_is_one_line_naming_the_compiler_and_the_log(cache, monkeypatch):
    compiler = cache / "broken-cxx"
    compiler.write_text("#!/bin/sh\necho 'kernels.cpp:1:1: error: no such luck' >&2\n"
                        "echo 'and a second line' >&2\nexit 3\n")
    compiler.chmod(compiler.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CXX", str(compiler))
    with pytest.raises(kernels.KernelError) as error:
        host.library("float32")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith(f"kernels: the host build with {compiler} failed (exit 3): "
                              f"kernels.cpp:1:1: error: no such luck (full log: ")
    log = message.rsplit("full log: ", 1)[1].rstrip(")")
    assert "and a second line" in open(log).read()


def test_a_truncated_cached_library_is_rebuilt_not_loaded(cache, monkeypatch):
    built = host.library.__wrapped__("float64")._name     # a real build, set aside
    real = str(cache / "real.so")
    os.replace(built, real)
    os.remove(built + ".sha256")
    builds = []

    def build(cxx, code, path):                             # as _build, without compiling
        builds.append(path)
        shutil.copyfile(real, path)
        with open(path + ".sha256", "w") as f:
            f.write(host._checksum(path))
    monkeypatch.setattr(host, "_build", build)
    path = host.library("float64")._name
    assert builds == [path] and path.startswith(str(cache))
    with open(path, "r+b") as f:                            # a copy killed half-way
        f.truncate(os.path.getsize(path) // 2)
    host.library.cache_clear()
    host.library("float64")
    assert builds == [path, path]                           # checked, and built again
    assert os.path.getsize(path) == os.path.getsize(real)
