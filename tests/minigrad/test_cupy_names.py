"""Every name and keyword the code uses on the array module exists in the real CuPy.

The strict backend stands in for CuPy on the CPU, but it is only as good as its claim that
each name it offers is CuPy's. Here that claim meets the installed ``cupy`` package (it imports
without a GPU; only device calls fail): strict's namespace, the array methods it forwards, and
every call the library makes on ``xp`` during a representative run (seq2seq training steps,
greedy and beam decoding, a Transformer step, readable mode), recorded with the keywords passed
by ``strict.recording_calls()``. Keywords are checked against ``inspect.signature`` where CuPy
has one, else against the signature line that heads the docstring of CuPy's Cython functions,
ufuncs and methods.
"""
import inspect

import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import strict

cupy = pytest.importorskip("cupy", reason="CuPy is not installed (pip install cupy-cuda12x "
                                          "installs it without a GPU); the names cannot be "
                                          "checked without it")
pytestmark = pytest.mark.numpy_only    # runs on strict itself; the conftest restores the backend


def _parameters(function):
    """(names of the keyword-capable parameters, True if it takes **kwargs) of a CuPy callable."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):    # Cython: the docstring's first line is the signature
        return _parameters_from_doc(function)
    names = {p.name for p in parameters if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD,
                                                          p.POSITIONAL_ONLY)}
    return names, any(p.kind is p.VAR_KEYWORD for p in parameters)


def _parameters_from_doc(function):
    """Parse "name(self, Py_ssize_t axis1, x2, /, out=None, \\*, dtype=None) -> ..." lines."""
    line = (function.__doc__ or "").lstrip().splitlines()[0]
    assert "(" in line, f"{function!r}: no signature line in its docstring: {line!r}"
    inside = line[line.index("(") + 1:line.rindex(")")]
    items, depth, current = [], 0, ""
    for char in inside:        # split on the commas outside brackets (defaults like ())
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            items.append(current)
            current = ""
        else:
            current += char
    items.append(current)
    names, var_keyword, positional_only = set(), False, True
    for item in (item.replace("\\", "").strip() for item in items):
        if item == "/" or not item:
            positional_only = False
            continue
        positional_only = positional_only and "/" in inside
        if item.startswith("**"):
            var_keyword = True
        elif not item.startswith("*") and not positional_only:
            names.add(item.split("=")[0].split()[-1])
    return names - {"self"}, var_keyword


def _cupy_callable(kind, name):
    if kind == "method":
        return getattr(cupy.ndarray, name)
    target = cupy
    for part in name.split("."):     # "add.at" -> cupy.add.at
        target = getattr(target, part)
    return target


def _representative_calls():
    """The calls made on ``xp`` by a training step, decoding and readable mode, on strict."""
    from seq2seq import build_model
    from seq2seq.decoding import beam_search, greedy_decode
    mg.set_backend("strict")
    rng = np.random.default_rng(0)
    lens = np.array([5, 2, 4])
    src, label = rng.integers(4, 20, (3, 5)), rng.integers(4, 20, (3, 5))
    dec_input = np.concatenate([np.full((3, 1), 2), label[:, :-1]], axis=1)
    models = [build_model(20, 20, 16, 16, 2, dropout=0.1),
              build_model(20, 20, 16, 16, 1, dropout=0.1, cell="lstm", scorer="dot"),
              build_model(20, 20, model="transformer", num_hiddens=16, ffn_num_hiddens=32,
                          num_heads=2, num_blks=2, dropout=0.1)]
    with strict.recording_calls() as calls:
        for readable in (False, True):
            mg.set_readable(readable)
            for model in models:
                optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
                for _ in range(2):     # the second step finds Adam's state
                    model.train()
                    loss = model.loss(src, dec_input, lens, label, lens)
                    optimizer.zero_grad()
                    loss.backward()
                    mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                    optimizer.step()
                    loss.item()
                model.eval()
                greedy_decode(model, src, lens, 2, 3, 10)
                beam_search(model, src[0], int(lens[0]), 2, 3, 6, beam_size=3)
    mg.set_readable(False)
    return calls


@pytest.fixture(scope="module")
def recorded_calls():
    return _representative_calls()


def test_the_representative_run_records_calls_of_every_kind(recorded_calls):
    kinds = {kind for kind, _, _ in recorded_calls}
    assert kinds == {"function", "method", "ufunc"}, sorted(recorded_calls)
    assert len(recorded_calls) > 30, sorted(recorded_calls)


def calls_cupy_lacks(calls):
    """The recorded (kind, name, keywords) calls that CuPy lacks, or whose keywords it
    does not take, one line each."""
    problems = []
    for kind, name, keywords in sorted(calls):
        try:
            function = _cupy_callable(kind, name)
        except AttributeError:
            problems.append(f"{kind} {name}: not in CuPy")
            continue
        parameters, takes_any = _parameters(function)
        unknown = set(keywords) - parameters
        if unknown and not takes_any:
            problems.append(f"{kind} {name}: CuPy takes {sorted(parameters)}, "
                            f"the code passes {sorted(unknown)}")
    return problems


def test_every_call_the_code_makes_exists_in_cupy_with_its_keywords(recorded_calls):
    assert calls_cupy_lacks(recorded_calls) == []


def test_every_name_of_the_strict_namespace_exists_in_cupy():
    missing = [name for name in strict._FUNCTIONS + strict._CONSTANTS if not hasattr(cupy, name)]
    assert missing == []


def test_every_array_method_and_attribute_strict_forwards_exists_on_cupy_arrays():
    own = {"to_numpy",       # strict's explicit copy; backend.to_numpy calls .get() on CuPy
           "__index__"}      # strict's refusal (CuPy has none: operator.index fails there too)
    names = [name for name in vars(strict.StrictArray)
             if name not in own and (not name.startswith("_") or name.startswith("__")
                                     and name.endswith("__"))]
    dunders_of_object = set(vars(object)) | {"__slots__", "__module__", "__dict__",
                                             "__weakref__", "__qualname__", "__firstlineno__",
                                             "__static_attributes__", "__array_function__",
                                             "__array_ufunc__", "__array__"}
    missing = [name for name in names
               if name not in dunders_of_object and not hasattr(cupy.ndarray, name)]
    assert "sum" in names and "__matmul__" in names and "T" in names
    assert missing == []


def test_the_ufunc_methods_and_cupyx_functions_the_code_calls_exist():
    import cupyx
    for ufunc in ("add", "maximum", "logaddexp"):
        for method in ("at", "reduce", "accumulate", "outer"):
            assert callable(getattr(getattr(cupy, ufunc), method)), (ufunc, method)
    assert _parameters(cupy.add)[0] >= {"out", "dtype", "casting"}
    assert _parameters(cupyx.scatter_add)[0] >= {"a", "slices", "value"}
    assert _parameters(cupy.random.random_sample)[0] >= {"size", "dtype"}
    assert callable(cupy.random.seed)


def test_the_raw_kernel_interface_the_fused_kernels_use_exists():
    """minigrad's kernels build ``cupy.RawModule(code=src, options=("-std=c++14",))`` and
    launch ``module.get_function(name)((grid,), (block,), args)``; constructing compiles
    nothing, so it works without a GPU."""
    assert _parameters(cupy.RawModule)[0] >= {"code", "options", "backend", "name_expressions"}
    assert _parameters(cupy.RawKernel)[0] >= {"code", "name", "options"}
    module = cupy.RawModule(code='extern "C" __global__ void k(float* x) { x[0] = 1.0f; }',
                            options=("-std=c++14",))
    assert callable(module.get_function)
    assert callable(cupy.RawKernel.__call__)
