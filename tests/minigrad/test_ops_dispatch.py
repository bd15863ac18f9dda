"""ops.dispatch: the one place a fused op picks its path, and the one seam of backward."""
import ast
import pathlib
import sys

import numpy as np
import pytest

import minigrad as mg
from minigrad import fast_grads, ops
from minigrad.ops import dispatch


@pytest.fixture
def readable():
    yield mg.set_readable
    mg.set_readable(False)


def test_the_path_follows_readable_mode_then_the_backend(readable):
    paths = {"composed": "c", "device": "d", "host": "h"}
    readable(True)
    assert dispatch.path() == "composed" and dispatch.fused("c", "d", "h") == "c"
    readable(False)
    expected = "device" if mg.backend.is_device() else "host"
    assert dispatch.path() == expected
    assert dispatch.fused("c", "d", "h") == paths[expected]


def test_readable_mode_walks_the_simple_loop_only(readable, monkeypatch):
    """In readable mode the fast walk is never entered and every gradient is a plain array;
    outside it, backward goes through fast_grads.backward."""
    entered = []
    fast_walk = fast_grads.backward
    monkeypatch.setattr(fast_grads, "backward",
                        lambda root, grad: entered.append(root) or fast_walk(root, grad))
    for is_readable in (True, False):
        readable(is_readable)
        x = mg.Tensor(np.arange(12.0).reshape(4, 3) / 10, requires_grad=True)
        w = mg.Tensor(np.ones((2, 3)), requires_grad=True)
        y = ops.linear(x, w).tanh()
        loss = (y[0] + y[1:3].sum(axis=0) + ops.gru_cell(
            ops.linear(x[:2], mg.Tensor(np.ones((6, 3)) / 7), None), y[:2],
            mg.Tensor(np.ones((6, 2)) / 5)).sum(axis=0)).sum()
        loss.backward()
        assert len(entered) == (0 if is_readable else 1)
        assert type(x.grad) is type(mg.Tensor(1.0).data) and x.grad.shape == (4, 3)
        grads = (x.grad, w.grad) if is_readable else grads
    np.testing.assert_allclose(mg.backend.to_numpy(x.grad), mg.backend.to_numpy(grads[0]),
                               rtol=1e-5)
    np.testing.assert_allclose(mg.backend.to_numpy(w.grad), mg.backend.to_numpy(grads[1]),
                               rtol=1e-5)


def _flag_reads(path):
    """The lines of ``path`` that read the readable flag: ``modes.readable`` or a call of
    ``is_readable()`` (any spelling: ``mg.``, ``backend.``, bare)."""
    lines = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if (isinstance(node, ast.Attribute) and node.attr == "readable"
                and isinstance(node.value, ast.Name) and node.value.id == "modes"):
            lines.add(node.lineno)
        elif isinstance(node, ast.Call):
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            if name == "is_readable":
                lines.add(node.lineno)
    return lines


@pytest.mark.numpy_only
def test_the_readable_flag_is_read_in_one_place_per_layer():
    """One module per layer asks which mode runs: the engine, the ops' dispatch, the
    optimizer, the attention modules, the models and the programs (``modes.py``, which holds
    the flag, aside)."""
    root = pathlib.Path(__file__).resolve().parents[2]
    reads = {}
    for package in ("minigrad", "attention", "seq2seq"):
        for path in sorted((root / package).rglob("*.py")):
            lines = _flag_reads(path)
            if lines and path.name != "modes.py":
                reads[path.relative_to(root).as_posix()] = len(lines)
    assert reads == {"minigrad/autograd.py": 1, "minigrad/ops/dispatch.py": 2,
                     "minigrad/optim/adam.py": 1, "attention/scoring.py": 1,
                     "seq2seq/models.py": 1, "minigrad/flags.py": 1}, reads


def test_readable_mode_never_runs_the_fast_modes_code(readable):
    """A readable training step, forward and backward, runs nothing in fast_grads.py: the
    gradients of slices, weights and biases are plain arrays made in ops/common.py."""
    from seq2seq.models import build_model
    readable(True)
    mg.manual_seed(0)
    model = build_model(7, 8, 4, 6, 2, dropout=0.1)
    src, dec = np.array([[1, 2, 3], [4, 5, 1]]), np.array([[2, 3, 4], [5, 6, 1]])
    entered = set()

    def tracer(frame, event, arg):
        if frame.f_code.co_filename == fast_grads.__file__:
            entered.add(frame.f_code.co_name)
        return None
    sys.setprofile(tracer)
    try:
        loss = model.loss(src, dec, np.array([3, 1]), dec, np.array([3, 2]))
        loss.backward()
    finally:
        sys.setprofile(None)
    assert entered == set()
    assert all(type(p.grad) is type(p.data) for p in model.parameters())


def test_an_infinite_score_past_the_length_is_masked_in_both_modes(readable):
    scores = mg.Tensor(np.array([[[0.0, 1.0, np.inf]]]))
    for is_readable in (False, True):
        readable(is_readable)
        y = ops.masked_softmax(scores, np.array([2])).numpy()
        np.testing.assert_allclose(y, [[[0.26894142, 0.73105858, 0.0]]], rtol=1e-6)
