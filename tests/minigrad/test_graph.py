"""graph_text and graph_dot: the ops behind a tensor, with their shapes."""
import os
import re
import shutil
import subprocess

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops
from minigrad.files import atomic_write


def small_model():
    """x (3, 4) -> linear -> tanh -> used twice -> sum: a graph with a shared node."""
    x = mg.Tensor(np.ones((3, 4)))
    w = mg.Tensor(np.ones((5, 4)), requires_grad=True)
    b = mg.Tensor(np.zeros(5), requires_grad=True)
    h = ops.linear(x, w, b).tanh()
    return (h * h).sum()


def test_graph_text_lists_ops_and_shapes():
    text = mg.graph_text(small_model())
    lines = text.splitlines()
    assert lines[0] == "#0 sum () float32"
    assert any(re.fullmatch(r"\s+#\d+ mul \(3, 5\) float32", line) for line in lines)
    assert any(re.fullmatch(r"\s+#\d+ linear \(3, 5\) float32", line) for line in lines)
    assert "parameter/input (5, 4) float32" in text
    assert "constant (3, 4) float32" in text
    assert "(see #" in text                       # the tanh output feeds mul twice: shown once
    assert text.count(" tanh (3, 5)") == 1


def test_graph_dot_writes_valid_dot(tmp_path):
    path = tmp_path / "graphs" / "model.dot"      # the folder is created
    text = mg.graph_dot(small_model(), path)
    assert path.read_text() == text
    assert text.startswith("digraph minigrad {\n") and text.endswith("}\n")
    assert text.count("{") == text.count("}") == 1
    nodes = dict(re.findall(r'^  (n\d+) \[label="([^"]*)", shape=\w+\];$', text, re.M))
    edges = re.findall(r"^  (n\d+) -> (n\d+);$", text, re.M)
    body = text.splitlines()[3:-1]                # after the header lines, before "}"
    assert len(body) == len(nodes) + len(edges)  # every line is a node or an edge
    labels = sorted(nodes.values())
    assert labels == sorted(["sum () float32", "mul (3, 5) float32", "tanh (3, 5) float32",
                             "linear (3, 5) float32", "parameter/input (5, 4) float32",
                             "parameter/input (5,) float32"])
    assert all(a in nodes and b in nodes for a, b in edges)
    by_label = {label: name for name, label in nodes.items()}
    assert (by_label["tanh (3, 5) float32"], by_label["mul (3, 5) float32"]) in edges
    assert len(edges) == 6    # w, b -> linear -> tanh -> mul (twice) -> sum


def test_graph_dot_replaces_a_file_atomically(tmp_path):
    path = tmp_path / "g.dot"
    path.write_text("old")
    mg.graph_dot(small_model(), path)
    assert path.read_text().startswith("digraph")
    assert os.listdir(tmp_path) == ["g.dot"]      # no temporary file left behind


def test_graph_dot_without_a_path_only_returns_text(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert mg.graph_dot(small_model()).startswith("digraph")
    assert os.listdir(tmp_path) == []


def test_a_failed_write_leaves_the_old_file(tmp_path):
    path = tmp_path / "g.dot"
    path.write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_write(path, "w") as f:
            f.write("half")
            raise RuntimeError("interrupted")
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["g.dot"]


@pytest.mark.numpy_only
@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_graphviz_renders_it(tmp_path):
    path = tmp_path / "g.dot"
    mg.graph_dot(small_model(), path)
    subprocess.run(["dot", "-Tsvg", str(path), "-o", str(tmp_path / "g.svg")], check=True)


class Pair(mg.nn.Module):
    """Two Linears added: the scopes' test model, inside ``Model`` as ``pair``."""
    def __init__(self):
        super().__init__()
        self.left, self.right = mg.nn.Linear(4, 5), mg.nn.Linear(4, 5)

    def forward(self, x):
        return self.left(x) + self.right(x)


class Model(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.pair = Pair()


def test_graph_scopes_group_the_ops_by_the_modules_that_made_them():
    """Each op counts under the module whose forward made it (recorded as it ran); the add of
    the pair's forward is the pair's, the sum made outside every module is counted apart."""
    model = Model()
    x = mg.Tensor(np.ones((3, 4)))
    y = model.pair(x).sum()
    assert mg.graph_scopes(y).splitlines() == [
        "(outside any module): 1 ops (sum 1)", "pair: 1 ops (add 1)",
        "pair.left: 1 ops (linear 1)", "pair.right: 1 ops (linear 1)"]
    text = mg.graph_text(y, scopes=True)
    assert "linear (3, 5) float32  @pair.left" in text and "add (3, 5) float32  @pair" in text
    assert "@pair.left" in mg.graph_dot(y, scopes=True)


def test_graph_dot_with_scopes_draws_each_module_as_a_nested_box(tmp_path):
    """Each op inside the box (a DOT cluster) of the module that made it, a parameter inside
    its module's, the boxes nested as the modules are; Graphviz renders it."""
    y = Model().pair(mg.Tensor(np.ones((3, 4)))).sum()
    text = mg.graph_dot(y, scopes=True)
    blocks, open_ = {}, []
    for line in text.splitlines()[3:]:
        line = line.strip()
        if line.startswith("subgraph"):
            open_.append(line.split('"')[1].removeprefix("cluster_"))
        elif line == "}" and open_:
            open_.pop()
        elif "[label=" in line:
            blocks[line.split('label="')[1].split('"')[0]] = tuple(open_)
    assert blocks == {
        "sum () float32  @(outside any module)": (),
        "add (3, 5) float32  @pair": ("pair",),
        "linear (3, 5) float32  @pair.left": ("pair", "pair.left"),
        "pair.left.weight (5, 4) float32": ("pair", "pair.left"),
        "pair.left.bias (5,) float32": ("pair", "pair.left"),
        "linear (3, 5) float32  @pair.right": ("pair", "pair.right"),
        "pair.right.weight (5, 4) float32": ("pair", "pair.right"),
        "pair.right.bias (5,) float32": ("pair", "pair.right")}
    assert "subgraph" not in mg.graph_dot(y)           # without scopes: no boxes
    if shutil.which("dot") is None:
        pytest.skip("Graphviz's dot is not installed (apt-get install graphviz; .ci/run does)")
    path = tmp_path / "scopes.dot"
    mg.graph_dot(y, path, scopes=True)
    svg = subprocess.run(["dot", "-Tsvg", str(path)], capture_output=True, text=True,
                         check=True).stdout
    assert "pair.left" in svg and "</svg>" in svg


def test_inferred_scopes_guess_from_the_parameters_an_op_reads():
    """The fallback for nodes with no recorded scope: an op reading a module's parameter
    belongs to that module; an op of inputs from two modules to the innermost module holding
    both, wherever it was made."""
    from minigrad.autograd import topological_order
    from minigrad.graph import inferred_scopes

    class Pair(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.left, self.right = mg.nn.Linear(4, 5), mg.nn.Linear(4, 5)

    class Model(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.pair = Pair()

    model = Model()
    x = mg.Tensor(np.ones((3, 4)))
    y = (model.pair.left(x) + model.pair.right(x)).sum()
    order = topological_order(y)
    guess = inferred_scopes(order)
    assert sorted((guess[id(n)], n._op) for n in order if n._backward is not None) == [
        ("pair", "add"), ("pair", "sum"), ("pair.left", "linear"), ("pair.right", "linear")]
