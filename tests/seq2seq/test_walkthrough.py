"""docs/walkthrough.md stays true: its one-step script runs and prints the numbers the page
quotes, and the graph it describes has the size it says."""
import collections
import contextlib
import io
import re
from pathlib import Path

import pytest

import minigrad as mg
from minigrad import autograd

pytestmark = pytest.mark.numpy_only

WALKTHROUGH = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"


@pytest.mark.fused     # the page counts the default mode's graph
def test_the_one_step_script_prints_the_pages_numbers():
    if mg.backend.name != "numpy":   # MINIGRAD_BACKEND=strict: the device branches' graph
        pytest.skip("the page counts the NumPy backend's graph; strict takes the device "
                    "branches (gru_sequence_composed's per-step cells)")
    page = WALKTHROUGH.read_text(encoding="utf-8")
    script = re.search(r"```python\n(.*?)```", page, re.S)[1]
    assert "model.loss(src, dec_input, src_valid_len, label, label_valid_len)" in script
    printed = io.StringIO()
    namespace = {"__name__": "one_step"}
    with contextlib.redirect_stdout(printed):
        exec(compile(script, "one_step.py", "exec"), namespace)
    loss, norm = re.fullmatch(r"loss (\d\.\d{4}), gradient norm (\d\.\d{4})\n",
                              printed.getvalue()).groups()
    assert f"Value here: **{loss}**" in page
    assert f"Here it is **{float(norm):.3f}**" in page
    assert f"| loss of the first batch | {loss} |" in page

    # the backward graph of that loss, counted as section 4.1 counts it
    again = namespace["model"].loss(*(namespace[name] for name in (
        "src", "dec_input", "src_valid_len", "label", "label_valid_len")))
    order = autograd.topological_order(again)
    assert f"It returns **{len(order)} tensors**" in page
    counts = collections.Counter(node._op or "leaf" for node in order)
    for op in ("getitem", "reshape", "gru_cell", "linear", "stack", "leaf"):
        assert f"| {op} | {counts[op]} |" in page, op
    assert mg.is_grad_enabled()
