"""Debuggable in both modes: reprs of lazy gradients, parameter names, labelled graphs."""
import re
import shutil
import subprocess

import numpy as np
import pytest

import minigrad as mg
from minigrad.fast_grads import SliceGrad, WeightGrad


@pytest.fixture
def readable():
    yield mg.set_readable
    mg.set_readable(False)


def test_weight_grad_repr_says_what_it_holds_and_its_shape():
    xp = mg.backend.xp
    g = WeightGrad(xp.ones((3, 2)), xp.ones((3, 4)))
    assert repr(g) == "WeightGrad(shape=(2, 4): sum of 1 pending products a^T b over 3 rows)"
    assert g.shape == g.dense().shape == (2, 4)


def test_slice_grad_repr_says_what_it_holds_and_its_shape():
    xp = mg.backend.xp
    g = SliceGrad((5, 4), xp.float64, (slice(None), xp.asarray([1, 2])), xp.ones((5, 2)), True)
    text = repr(g)
    assert text.startswith("SliceGrad(shape=(5, 4), scatter-add of values (5, 2) at index "
                           "(:, <int array (2,)>)"), text


class Inner(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = mg.nn.GRU(2, 3)


class Outer(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.decoder = Inner()
        self.dense = mg.nn.Linear(3, 2)


def test_parameters_know_their_names_in_nested_modules():
    model = Outer()
    names = [name for name, _ in model.named_parameters()]
    assert "decoder.rnn.weight_hh_l0" in names and "dense.bias" in names
    for name, param in model.named_parameters():
        assert param.name == name
    assert "name='decoder.rnn.weight_hh_l0'" in repr(model.decoder.rnn.weight_hh_l0)


def _small_graph():
    model = Outer()
    model.parameters()              # names the parameters from the root
    x = mg.Tensor(np.ones((2, 1, 2)))
    out, _ = model.decoder.rnn(x)
    return model.dense(out).sum()


@pytest.mark.parametrize("is_readable", [False, True])
def test_graph_text_labels_the_leaves_with_parameter_names(is_readable, readable):
    readable(is_readable)
    text = mg.graph.graph_text(_small_graph())
    assert "decoder.rnn.weight_hh_l0 (9, 3)" in text
    assert "dense.weight (2, 3)" in text


def test_graph_dot_renders_with_graphviz_and_carries_the_labels(tmp_path, readable):
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz; .ci/run does)")
    readable(True)
    path = tmp_path / "graph.dot"
    mg.graph.graph_dot(_small_graph(), path)
    svg = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, text=True,
                         check=True).stdout
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert any("decoder.rnn.weight_hh_l0" in t for t in labels), labels
    assert any(t.startswith("dense.bias") for t in labels), labels
