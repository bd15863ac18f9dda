"""Checkpoints: ``save(state, path)`` and ``load(path)``, in NumPy's .npz format without pickle.

A checkpoint is a (possibly nested) dict such as
    {"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3,
     "config": {"num_hiddens": 256, "betas": (0.9, 0.98)}}
Nested dicts are flattened with "/" into one level of names ("model/encoder.rnn.weight_ih_l0",
"optimizer/state/0/exp_avg"). Each array is one .npy member of the zip archive, readable with
plain ``numpy.load``. One more member, ``__minigrad__``, holds a JSON header: the format name and
version, and every entry in order with its kind (array with dtype and shape, number, string,
bool, None, list or tuple of those, or an empty dict). Loading rebuilds the same structure, with
host NumPy arrays in place of arrays and tensors.

Why not pickle: unpickling a file can run arbitrary code, so a checkpoint from the internet
would be a program. Here every member is read with ``allow_pickle=False``: plain data only.
The file is written atomically (``minigrad.files.atomic_write``): a crash while saving leaves
the previous checkpoint intact.
"""
import json
import numbers
import os
import zipfile

import numpy

from minigrad import backend
from minigrad.files import atomic_write
from minigrad.tensor import Tensor

FORMAT = "minigrad.checkpoint"
VERSION = 1
SEPARATOR = "/"
HEADER = "__minigrad__"


class CheckpointError(ValueError):
    """A file is not a readable minigrad checkpoint; the message names the file and why."""


# ----------------------------------------------------------------------------- saving

def _plain(value, key):
    """A JSON-ready copy of a number, string, bool or None (or a list/tuple of them)."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    raise TypeError(f"save: entry {key!r} holds {type(value).__name__}, which a checkpoint "
                    f"cannot store; use arrays, tensors, numbers, strings, None, dicts, or "
                    f"lists/tuples of numbers and strings")


def _flatten(state, prefix, entries, arrays):
    """Walk the nested dict, filling ``entries`` (the header) and ``arrays`` (the members)."""
    if not state and prefix:
        entries.append({"key": prefix, "kind": "dict"})     # an empty dict keeps its place
    for name, value in state.items():
        if not isinstance(name, str) or not name or SEPARATOR in name or name == HEADER:
            raise TypeError(f"save: key {name!r} under {prefix or 'the top level'!r}: keys "
                            f"must be non-empty strings without {SEPARATOR!r}")
        key = f"{prefix}{SEPARATOR}{name}" if prefix else name
        if isinstance(value, dict):
            _flatten(value, key, entries, arrays)
            continue
        if isinstance(value, Tensor):
            value = value.data
        if backend.array_backend(value) is not None:         # numpy, cupy or strict arrays
            array = backend.to_numpy(value)
            if array.dtype.hasobject:
                raise TypeError(f"save: array {key!r} has dtype object, which only pickle "
                                f"could store")
            arrays[key] = array
            entries.append({"key": key, "kind": "array", "dtype": array.dtype.str,
                            "shape": list(array.shape)})
        elif isinstance(value, (list, tuple)):
            entries.append({"key": key, "kind": type(value).__name__,
                            "value": [_plain(v, key) for v in value]})
        else:
            entries.append({"key": key, "kind": "value", "value": _plain(value, key)})


def save(state, path):
    """Write the dict ``state`` to ``path`` as a pickle-free .npz checkpoint, atomically."""
    if not isinstance(state, dict):
        raise TypeError(f"save: expected a dict (e.g. {{'model': model.state_dict()}}), got "
                        f"{type(state).__name__}")
    entries, arrays = [], {}
    _flatten(state, "", entries, arrays)
    header = json.dumps({"format": FORMAT, "version": VERSION, "separator": SEPARATOR,
                         "entries": entries})
    with atomic_write(path, "wb") as f, zipfile.ZipFile(f, "w") as archive:
        members = [(HEADER, numpy.array(header))] + list(arrays.items())
        for key, array in members:
            with archive.open(key + ".npy", "w", force_zip64=True) as member:
                numpy.lib.format.write_array(member, array, allow_pickle=False)


# ----------------------------------------------------------------------------- loading

def _insert(tree, names, value):
    """tree[names[0]][names[1]]... = value, creating the dicts on the way."""
    *parents, leaf = names
    for name in parents:
        tree = tree.setdefault(name, {})
    tree[leaf] = value


MAX_INFLATION = 100   # a deflated member may grow at most this much (weights hardly compress)


def _check_header(header, fail):
    """The JSON header's types, before anything is read by them."""
    if not isinstance(header, dict):
        raise fail(f"the header is a JSON {type(header).__name__}, expected an object")
    if not isinstance(header.get("entries"), list):
        raise fail(f"the header's entries are {type(header.get('entries')).__name__}, "
                   f"expected a list")
    if not isinstance(header.get("version", 0), int) or not isinstance(
            header.get("separator", SEPARATOR), str) or not header.get("separator", SEPARATOR):
        raise fail("the header's version must be an int and its separator a non-empty string")
    for entry in header["entries"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("key"), str) or not entry[
                "key"] or entry.get("kind") not in ("array", "dict", "tuple", "list", "value"):
            raise fail(f"a header entry {str(entry)[:80]} is not an object with a string key "
                       f"and a known kind")
        if entry["kind"] == "array":
            shape = entry.get("shape")
            if not isinstance(entry.get("dtype"), str) or not isinstance(shape, list) or not all(
                    type(n) is int and n >= 0 for n in shape):
                raise fail(f"array {entry['key']!r}: the header needs a dtype string and a "
                           f"shape of non-negative ints, got {entry.get('dtype')!r} "
                           f"{shape!r}")
        if entry["kind"] in ("tuple", "list") and not isinstance(entry.get("value"), list):
            raise fail(f"entry {entry['key']!r} of kind {entry['kind']} holds "
                       f"{type(entry.get('value')).__name__}, expected a list")


def _check_member(archive, key, dtype, shape, fail, disk_size):
    """An array member's declared size against what its file holds, read from the zip's
    directory and the .npy header only, so a tampered size never allocates: the data must
    fit the member (stored size, and at most MAX_INFLATION times that when deflated), and the
    .npy header must agree with the checkpoint's header."""
    try:
        info = archive.zip.getinfo(key + ".npy")
    except KeyError:
        raise fail(f"array {key!r} is listed in the header but has no member") from None
    nbytes = dtype.itemsize
    for n in shape:
        nbytes *= n
    if info.compress_size > disk_size:     # a tampered directory: sizes the file lacks
        raise fail(f"array {key!r} declares {dtype} {tuple(shape)} ({nbytes} bytes), stored "
                   f"in {info.compress_size} bytes, but the whole file has {disk_size}")
    limit = info.compress_size * (1 if info.compress_type == zipfile.ZIP_STORED
                                  else MAX_INFLATION) + 65536
    if nbytes > info.file_size or info.file_size > limit:
        raise fail(f"array {key!r} declares {dtype} {tuple(shape)} ({nbytes} bytes) but its "
                   f"member holds {info.file_size} bytes ({info.compress_size} on disk)")
    with archive.zip.open(info) as member:
        version = numpy.lib.format.read_magic(member)
        read = (numpy.lib.format.read_array_header_1_0 if version == (1, 0)
                else numpy.lib.format.read_array_header_2_0)
        npy_shape, _, npy_dtype = read(member)
    if (npy_dtype, tuple(npy_shape)) != (dtype, tuple(shape)):
        raise fail(f"array {key!r} is {npy_dtype} {npy_shape}, the header says {dtype} "
                   f"{tuple(shape)}")


def load(path):
    """Read a checkpoint written by ``save``: the same nested dict, arrays as host NumPy."""
    path = os.fspath(path)

    def fail(reason):
        return CheckpointError(f"load: {path!r} is not a readable minigrad checkpoint: {reason}")

    try:
        archive = numpy.load(path, allow_pickle=False)
    except (FileNotFoundError, IsADirectoryError, PermissionError) as exc:
        # the OSError it is (callers catch those), its message naming us, not NumPy's frame
        raise type(exc)(exc.errno, f"load: {exc.strerror}", path) from None
    except ValueError as exc:   # numpy's reply to anything that is neither .npy nor .npz
        raise fail(f"neither .npz nor .npy, and reading it as a pickle is refused "
                   f"({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:
        raise fail(f"truncated or corrupt ({exc})") from None
    if not isinstance(archive, numpy.lib.npyio.NpzFile):
        raise fail("a single .npy array, not an .npz checkpoint")
    with archive:
        try:
            if HEADER not in archive.files:
                members = ", ".join(archive.files[:5]) + (", ..." if len(archive.files) > 5
                                                          else "")
                raise fail(f"an .npz archive without the {HEADER!r} header (members: "
                           f"{members})")
            reading = "its header"
            header_info = archive.zip.getinfo(HEADER + ".npy")
            if header_info.file_size > 64 * header_info.compress_size + 65536:
                raise fail(f"the header member would inflate to {header_info.file_size} bytes")
            header = json.loads(str(archive[HEADER]))
            _check_header(header, fail)
            if header.get("format") != FORMAT:
                raise fail(f"unknown format {header.get('format')!r}")
            if header.get("version", 0) > VERSION:
                raise fail(f"format version {header['version']} is newer than this minigrad "
                           f"reads ({VERSION}); update minigrad")
            state, separator = {}, header.get("separator", SEPARATOR)
            for entry in header["entries"]:
                key, kind = entry["key"], entry["kind"]
                if kind == "array":
                    expected = (numpy.dtype(entry["dtype"]), tuple(entry["shape"]))
                    _check_member(archive, key, *expected, fail, os.path.getsize(path))
                    reading = f"array {key!r}, {expected[0]} {expected[1]},"
                    value = archive[key]
                    if (value.dtype, value.shape) != expected:
                        raise fail(f"array {key!r} is {value.dtype} {value.shape}, the header "
                                   f"says {expected[0]} {expected[1]}")
                elif kind == "dict":
                    value = {}
                elif kind == "tuple":
                    value = tuple(entry["value"])
                else:   # "value" or "list"
                    value = entry["value"]
                _insert(state, key.split(separator), value)
            return state
        except CheckpointError:
            raise
        except (KeyError, TypeError, OSError, EOFError, zipfile.BadZipFile,
                json.JSONDecodeError, NotImplementedError, RuntimeError) as exc:
            # RuntimeError and NotImplementedError: zipfile on flags (encryption, unknown
            # compression, a newer zip version) that a corrupted byte can turn on
            raise fail(f"damaged ({type(exc).__name__}: {exc})") from None
        except MemoryError:         # sizes that passed the checks but not the machine
            raise fail(f"{reading} needs more memory than this machine can give") from None
        except ValueError as exc:   # numpy refusing a member that holds pickled objects
            raise fail(f"a member needs pickle, which is refused ({exc})") from None
