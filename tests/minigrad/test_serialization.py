"""mg.save / mg.load: round trips, pickle-free and atomic writes, clear errors on bad files."""
import builtins
import json
import os
import pickle

import numpy as np
import pytest

import minigrad as mg
from minigrad.serialization import CheckpointError


def _checkpoint():
    mg.manual_seed(0)
    model = mg.nn.GRU(3, 4, 2)
    return model, {
        "model": model.state_dict(),
        "epoch": 3,
        "loss": 0.125,
        "name": "fra-eng",
        "best": True,
        "note": None,
        "config": {"num_hiddens": 4, "betas": (0.9, 0.98), "layers": [1, 2, "x"],
                   "empty": {}, "deeper": {"lr": 1e-3}},
        "arrays": {"f64": np.arange(6.0).reshape(2, 3), "i64": np.arange(4),
                   "u8": np.array([1, 255], np.uint8), "flags": np.array([True, False]),
                   "scalar": np.array(2.5, np.float32), "numpy_scalar": np.float16(1.5),
                   "empty": np.zeros((0, 3), np.float32)},
    }


def _assert_same(loaded, saved):
    assert list(loaded) == list(saved)                    # same keys, same order
    for key, value in saved.items():
        if isinstance(value, dict):
            _assert_same(loaded[key], value)
        elif isinstance(value, (np.ndarray, np.generic)):
            assert isinstance(loaded[key], np.ndarray)
            assert loaded[key].dtype == value.dtype and loaded[key].shape == np.shape(value)
            np.testing.assert_array_equal(loaded[key], value)
        else:
            assert type(loaded[key]) is type(value) and loaded[key] == value, key


@pytest.mark.numpy_only
def test_round_trip(tmp_path):
    _, state = _checkpoint()
    mg.save(state, tmp_path / "ckpt.npz")
    _assert_same(mg.load(tmp_path / "ckpt.npz"), state)
    _assert_same(mg.load(str(tmp_path / "ckpt.npz")), state)


def test_tensors_and_device_arrays_load_as_host_arrays(tmp_path, rng):
    """Under any backend: tensors and backend arrays are saved as host NumPy arrays, and a
    model loaded from the checkpoint computes exactly what the saved one did."""
    model, state = _checkpoint()
    x = mg.Tensor(rng.standard_normal((5, 2, 3)))
    state["input"], state["raw"] = x, x.data
    mg.save(state, tmp_path / "ckpt.npz")
    loaded = mg.load(tmp_path / "ckpt.npz")
    np.testing.assert_array_equal(loaded["input"], x.numpy())
    np.testing.assert_array_equal(loaded["raw"], x.numpy())
    mg.manual_seed(1)
    fresh = mg.nn.GRU(3, 4, 2).load_state_dict(loaded["model"])
    np.testing.assert_array_equal(fresh(x)[0].numpy(), model(x)[0].numpy())


@pytest.mark.numpy_only
def test_file_is_plain_npz_with_a_header(tmp_path):
    _, state = _checkpoint()
    mg.save(state, tmp_path / "ckpt.npz")
    with np.load(tmp_path / "ckpt.npz", allow_pickle=False) as archive:
        header = json.loads(str(archive["__minigrad__"]))
        np.testing.assert_array_equal(archive["model/weight_hh_l1"],
                                      state["model"]["weight_hh_l1"])
    assert header["format"] == "minigrad.checkpoint" and header["version"] == 1
    entry = next(e for e in header["entries"] if e["key"] == "arrays/f64")
    assert entry == {"key": "arrays/f64", "kind": "array", "dtype": "<f8", "shape": [2, 3]}


@pytest.mark.numpy_only
def test_failed_save_leaves_the_target_untouched(tmp_path, monkeypatch):
    target = tmp_path / "ckpt.npz"
    _, state = _checkpoint()
    mg.save({"epoch": 1}, target)
    before = target.read_bytes()

    real_write = np.lib.format.write_array
    calls = []

    def write_then_fail(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:                       # midway: two members are already written
            raise OSError("disk full")
        return real_write(*args, **kwargs)
    monkeypatch.setattr(np.lib.format, "write_array", write_then_fail)
    with pytest.raises(OSError, match="disk full"):
        mg.save(state, target)
    assert target.read_bytes() == before
    assert os.listdir(tmp_path) == ["ckpt.npz"]   # no temporary file left behind
    monkeypatch.undo()
    assert mg.load(target) == {"epoch": 1}


@pytest.mark.numpy_only
def test_truncated_file_is_named(tmp_path):
    _, state = _checkpoint()
    path = tmp_path / "ckpt.npz"
    mg.save(state, path)
    data = path.read_bytes()
    for size in (len(data) // 2, len(data) - 10, 0):
        path.write_bytes(data[:size])
        with pytest.raises(CheckpointError, match=f"load: '{path}' is not a readable minigrad "
                                                  f"checkpoint: truncated or corrupt"):
            mg.load(path)


@pytest.mark.numpy_only
def test_foreign_files_are_named(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("hello, not a checkpoint\n")
    with pytest.raises(CheckpointError, match=f"'{text}' is not a readable minigrad "
                                              f"checkpoint: neither .npz nor .npy"):
        mg.load(text)
    other = tmp_path / "other.npz"
    np.savez(other, weights=np.zeros(3))
    with pytest.raises(CheckpointError, match=f"'{other}' .* without the '__minigrad__' "
                                              f"header \\(members: weights\\)"):
        mg.load(other)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(CheckpointError, match="a single .npy array"):
        mg.load(single)
    with pytest.raises(FileNotFoundError):
        mg.load(tmp_path / "missing.npz")


class _Exploit:
    """A pickle that would run code when loaded."""

    def __reduce__(self):
        return exec, ("import builtins; builtins._minigrad_pwned = True",)


@pytest.mark.numpy_only
def test_pickle_is_refused(tmp_path):
    raw = tmp_path / "ckpt.pkl"
    raw.write_bytes(pickle.dumps({"model": _Exploit()}))
    with pytest.raises(CheckpointError, match="reading it as a pickle is refused"):
        mg.load(raw)

    # an archive that looks like ours but whose member holds pickled objects
    header = json.dumps({"format": "minigrad.checkpoint", "version": 1, "entries": [
        {"key": "model", "kind": "array", "dtype": "|O", "shape": [1]}]})
    sneaky = tmp_path / "sneaky.npz"
    np.savez(sneaky, __minigrad__=np.array(header),
             model=np.array([_Exploit()], dtype=object))
    with pytest.raises(CheckpointError, match=f"'{sneaky}' .* a member needs pickle"):
        mg.load(sneaky)
    assert not hasattr(builtins, "_minigrad_pwned")


@pytest.mark.numpy_only
def test_newer_format_version_is_refused(tmp_path):
    path = tmp_path / "future.npz"
    header = json.dumps({"format": "minigrad.checkpoint", "version": 99, "entries": []})
    np.savez(path, __minigrad__=np.array(header))
    with pytest.raises(CheckpointError, match="format version 99 is newer"):
        mg.load(path)


@pytest.mark.numpy_only
def test_header_and_member_must_agree(tmp_path):
    path = tmp_path / "lying.npz"
    header = json.dumps({"format": "minigrad.checkpoint", "version": 1, "entries": [
        {"key": "w", "kind": "array", "dtype": "<f4", "shape": [2]}]})
    np.savez(path, __minigrad__=np.array(header), w=np.zeros(3))
    with pytest.raises(CheckpointError, match=r"array 'w' is float64 \(3,\), the header says "
                                              r"float32 \(2,\)"):
        mg.load(path)


@pytest.mark.numpy_only
def test_unsavable_state_is_named(tmp_path):
    path = tmp_path / "x.npz"
    with pytest.raises(TypeError, match="save: expected a dict"):
        mg.save([1, 2], path)
    with pytest.raises(TypeError, match="save: entry 'config/fn' holds builtin_function"):
        mg.save({"config": {"fn": len}}, path)
    with pytest.raises(TypeError, match="save: key 'a/b' under 'the top level'"):
        mg.save({"a/b": 1}, path)
    with pytest.raises(TypeError, match="save: key 3 under 'model'"):
        mg.save({"model": {3: np.zeros(2)}}, path)
    with pytest.raises(TypeError, match="save: array 'objects' has dtype object"):
        mg.save({"objects": np.array([None, 1], dtype=object)}, path)
    assert not path.exists()
