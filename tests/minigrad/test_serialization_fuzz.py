"""Malformed checkpoints: every load succeeds with the saved content or raises CheckpointError
(never a NumPy or zipfile traceback, never a huge allocation)."""
import io
import json
import zipfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import minigrad as mg
from minigrad.serialization import CheckpointError

STATE = {"model": {"w": np.arange(6, dtype=np.float32).reshape(2, 3)}, "epoch": 3,
         "names": ["a", "b"]}


def _saved(tmp_path):
    path = tmp_path / "good.npz"
    mg.save(STATE, path)
    return path.read_bytes()


def _load_or_checkpoint_error(path):
    try:
        state = mg.load(path)
    except CheckpointError:
        return
    _check_plain(state)   # a load that succeeds gives plain data: dicts, arrays, JSON values


def _check_plain(value):
    if isinstance(value, dict):
        assert all(isinstance(k, str) for k in value)
        for v in value.values():
            _check_plain(v)
    elif isinstance(value, np.ndarray):
        assert not value.dtype.hasobject
    elif isinstance(value, (list, tuple)):
        for v in value:
            _check_plain(v)
    else:
        assert value is None or isinstance(value, (bool, int, float, str))


def _declaring_w_as(original, shape):
    """The checkpoint's header with ``model/w`` declared as float32 of ``shape``, and a .npy
    header that agrees with it."""
    header = json.loads(str(np.load(io.BytesIO(
        zipfile.ZipFile(io.BytesIO(original)).read("__minigrad__.npy")))))
    for entry in header["entries"]:
        if entry["key"] == "model/w":
            entry["shape"] = list(shape)
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "<f4", "fortran_order": False,
                                               "shape": shape})
    return header, npy.getvalue()


def _rewrite(original, header=None, members=None, compress=zipfile.ZIP_STORED):
    """The checkpoint with its JSON header and/or members replaced."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as src, zipfile.ZipFile(out, "w", compress) as dst:
        for name in src.namelist():
            data = src.read(name)
            if name == "__minigrad__.npy" and header is not None:
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.array(json.dumps(header)))
                data = buffer.getvalue()
            if members and name in members:
                data = members[name]
            dst.writestr(name, data)
    return out.getvalue()


@pytest.mark.numpy_only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_or_truncated_bytes(tmp_path, data):
    raw = bytearray(_saved(tmp_path))
    if data.draw(st.booleans()):
        raw = raw[:data.draw(st.integers(0, len(raw) - 1))]
    else:
        for _ in range(data.draw(st.integers(1, 8))):
            raw[data.draw(st.integers(0, len(raw) - 1))] = data.draw(st.integers(0, 255))
    path = tmp_path / "bad.npz"
    path.write_bytes(bytes(raw))
    _load_or_checkpoint_error(path)
    try:                           # the zip's checksums catch a changed member
        state = mg.load(path)
    except CheckpointError:
        return
    np.testing.assert_array_equal(state["model"]["w"], STATE["model"]["w"])


JSON = st.recursive(st.none() | st.booleans() | st.integers(-5, 10**12) | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=6), inner, max_size=3), max_leaves=8)


@pytest.mark.numpy_only
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_headers_of_wrong_json_types_and_shapes(tmp_path, data):
    original = _saved(tmp_path)
    with zipfile.ZipFile(io.BytesIO(original)) as archive:
        header = json.loads(str(np.load(io.BytesIO(archive.read("__minigrad__.npy")))))
    choice = data.draw(st.sampled_from(["whole", "entries", "entry", "field"]))
    if choice == "whole":
        header = data.draw(JSON)
    elif choice == "entries":
        header["entries"] = data.draw(JSON)
    else:
        i = data.draw(st.integers(0, len(header["entries"]) - 1))
        if choice == "entry":
            header["entries"][i] = data.draw(JSON)
        else:
            field = data.draw(st.sampled_from(["key", "kind", "dtype", "shape", "value"]))
            header["entries"][i][field] = data.draw(JSON | st.lists(st.integers(-2, 10**9),
                                                                     max_size=4))
    path = tmp_path / "bad.npz"
    path.write_bytes(_rewrite(original, header=header))
    _load_or_checkpoint_error(path)


@pytest.mark.numpy_only
def test_a_small_deflated_member_that_would_inflate_to_1_gib_is_refused(tmp_path):
    original = _saved(tmp_path)
    header, npy_header = _declaring_w_as(original, (2**28,))   # 2**28 float32: 1 GiB
    bomb = npy_header + bytes(2**24)                   # 16 MiB of zeros, deflates to ~16 KiB
    path = tmp_path / "bomb.npz"
    path.write_bytes(_rewrite(original, header=header, members={"model/w.npy": bomb},
                              compress=zipfile.ZIP_DEFLATED))
    assert path.stat().st_size < 2**20
    with pytest.raises(CheckpointError, match=r"model/w.*declares float32 \(268435456,\)"):
        mg.load(path)


@pytest.mark.numpy_only
@pytest.mark.parametrize("header", [[1, 2], "text", {"format": "minigrad.checkpoint",
                                                     "entries": "x"},
                                    {"format": "minigrad.checkpoint", "version": "1",
                                     "entries": []}])
def test_headers_of_the_wrong_type_are_checkpoint_errors(tmp_path, header):
    path = tmp_path / "bad.npz"
    path.write_bytes(_rewrite(_saved(tmp_path), header=header))
    with pytest.raises(CheckpointError, match=r"not a readable minigrad checkpoint: the header"):
        mg.load(path)


@pytest.mark.numpy_only
def test_a_member_whose_npy_header_disagrees_is_refused(tmp_path):
    npy = io.BytesIO()
    np.lib.format.write_array_header_1_0(npy, {"descr": "<f4", "fortran_order": False,
                                               "shape": (3, 2)})
    path = tmp_path / "bad.npz"
    path.write_bytes(_rewrite(_saved(tmp_path), members={
        "model/w.npy": npy.getvalue() + np.zeros(6, np.float32).tobytes()}))
    with pytest.raises(CheckpointError, match=r"model/w.*\(3, 2\), the header says"):
        mg.load(path)


@pytest.mark.numpy_only
def test_a_directory_declaring_more_bytes_than_the_file_has_is_refused_before_allocating(
        tmp_path):
    """The zip directory's sizes rewritten to about 4 GiB (the most a non-zip64 entry holds),
    with the header and the .npy header agreeing: refused from the file's size alone."""
    import struct
    original = _saved(tmp_path)
    header, npy_header = _declaring_w_as(original, (2**30 - 64,))   # float32: 4 GiB - 256 B
    data = bytearray(_rewrite(original, header=header,
                              members={"model/w.npy": npy_header + bytes(64)}))
    central = data.index(b"PK\x01\x02")
    while True:                                            # the member's central entry
        name_length = struct.unpack_from("<H", data, central + 28)[0]
        if data[central + 46:central + 46 + name_length] == b"model/w.npy":
            break
        central = data.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<II", data, central + 20, 2**32 - 2, 2**32 - 2)   # compressed, size
    path = tmp_path / "declares-4-gib.npz"
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match=r"model/w.*declares float32 \(1073741760,\) "
                                              r"\(4294967040 bytes\), stored in 4294967294 "
                                              r"bytes, but the whole file has \d+$"):
        mg.load(path)


@pytest.mark.numpy_only
def test_running_out_of_memory_while_loading_is_a_checkpoint_error(tmp_path, monkeypatch):
    path = tmp_path / "good.npz"
    path.write_bytes(_saved(tmp_path))

    read_array = np.lib.format.read_array

    def no_memory_for_arrays(file, *args, **kwargs):   # the header (a string) still reads
        array = read_array(file, *args, **kwargs)
        if array.dtype.kind == "f":
            raise MemoryError
        return array
    monkeypatch.setattr(np.lib.format, "read_array", no_memory_for_arrays)
    with pytest.raises(CheckpointError, match=r"array 'model/w', float32 \(2, 3\), needs more "
                                              r"memory than this machine can give$"):
        mg.load(path)
