"""Module scopes recorded as the graph is built (minigrad/scopes.py): each op made inside a
module's forward carries that module's dotted name; graph_scopes/graph_text/graph_dot read it."""
import threading

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops, scopes
from minigrad.autograd import topological_order
from minigrad.graph import module_scopes


class Block(mg.nn.Module):
    """A Linear, then a tanh made by the block itself, then the same Linear's twin."""

    def __init__(self):
        super().__init__()
        self.inner = mg.nn.Linear(4, 4)

    def forward(self, x):
        return self.inner(x).tanh()


class Model(mg.nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = mg.nn.Linear(4, 2)

    def forward(self, x):
        h = self.block(x) * 2.0                  # made by the model itself, after the block
        return self.head(h)


class Failing(mg.nn.Module):
    def forward(self, x):
        x.exp()
        raise ValueError("boom inside forward")


def x_in():
    return mg.Tensor(np.ones((3, 4)), requires_grad=True)


def ops_by_scope(tensor):
    where = module_scopes(tensor)
    return sorted((where[id(node)], node._op) for node in topological_order(tensor)
                  if node._backward is not None)


def test_each_op_carries_the_module_whose_forward_made_it_nested_modules_included():
    model = Model()
    out = model(x_in())
    assert out._scope == "head"                            # a Linear's op: its own name
    assert ops_by_scope(out) == [
        ("(top module)", "mul"),                           # the model's own forward
        ("block", "tanh"),                                 # back in block after inner returns
        ("block.inner", "linear"), ("head", "linear")]
    assert scopes.current() is None                        # nothing left on the stack


def test_ops_outside_every_forward_say_so_and_the_sum_line_counts_them():
    model = Model()
    loss = model(x_in()).sum()
    assert loss._scope is None
    lines = mg.graph_scopes(loss).splitlines()
    assert lines == ["(outside any module): 1 ops (sum 1)", "(top module): 1 ops (mul 1)",
                     "block: 1 ops (tanh 1)", "block.inner: 1 ops (linear 1)",
                     "head: 1 ops (linear 1)"]


def test_a_module_used_twice_stamps_both_uses_with_its_one_name():
    class Twice(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.layer = mg.nn.Linear(4, 4)

        def forward(self, x):
            return self.layer(self.layer(x) + 1.0)

    class Top(mg.nn.Module):
        def __init__(self):
            super().__init__()
            self.twice = Twice()

    model = Top()
    out = model.twice(x_in())
    assert ops_by_scope(out) == [("twice", "add"), ("twice.layer", "linear"),
                                 ("twice.layer", "linear")]


def test_an_exception_inside_forward_leaves_no_stale_scope():
    model = Model()
    model.failing = Failing()
    with pytest.raises(ValueError, match="boom"):
        model.failing(x_in())
    assert scopes.current() is None
    assert (x_in() * 3.0)._scope is None                  # the next op is outside again

    class Catching(mg.nn.Module):   # a caller that survives its child's error keeps its scope
        def __init__(self):
            super().__init__()
            self.child = Failing()

        def forward(self, x):
            try:
                self.child(x)
            except ValueError:
                pass
            return x.exp()

    top = Model()
    top.catching = Catching()
    assert top.catching(x_in())._scope == "catching"


def test_the_scope_is_per_thread():
    """Another thread running ops while this one is inside a forward stamps its own (none)."""
    seen = {}

    class Probe(mg.nn.Module):
        def forward(self, x):
            def other():
                seen["other"] = (x_in() * 2.0)._scope
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            seen["own"] = (x * 2.0)._scope
            return x

    model = Model()
    model.probe = Probe()
    model.probe(x_in())
    assert seen == {"other": None, "own": "probe"}


def test_a_module_used_alone_is_the_top_module():
    layer = mg.nn.Linear(4, 2)
    assert layer(x_in())._scope == scopes.TOP == ""
    assert "linear (3, 2) float32  @(top module)" in mg.graph_text(layer(x_in()), scopes=True)


def test_a_module_added_to_a_named_parent_later_gets_the_full_name():
    model = Model()
    model.block.extra = mg.nn.Linear(4, 4)
    assert model.block.extra.weight.name == "block.extra.weight"
    assert model.block.extra(x_in())._scope == "block.extra"


@pytest.mark.parametrize("is_readable", [False, True])
def test_graph_text_and_dot_show_the_recorded_scope(is_readable):
    mg.set_readable(is_readable)
    try:
        model = Model()
        out = model(x_in())
        text = mg.graph_text(out, scopes=True)
        assert "linear (3, 2) float32  @head" in text and "tanh (3, 4) float32  @block" in text
        assert "@block.inner" in mg.graph_dot(out, scopes=True)
    finally:
        mg.set_readable(False)


def test_where_nothing_was_recorded_the_scope_is_inferred_and_marked():
    """A node with no stamp (one not made by Tensor._from_op) gets the old guess: the module of
    the parameters it reads, else the innermost module holding its inputs' modules."""
    model = Model()
    out = model(x_in())
    head, mul = out, out._parents[0]
    del head._scope, mul._scope
    # the guess puts the model's own mul in block.inner, where its input came from: the error
    # that recording fixes
    assert ops_by_scope(out) == [("block", "tanh"), ("block.inner", "linear"),
                                 ("block.inner (inferred)", "mul"),
                                 ("head (inferred)", "linear")]
    lines = mg.graph_scopes(out).splitlines()
    assert lines[-1] == ("(2 ops had no recorded scope: their module is inferred from the "
                         "parameters they read)")
    assert "@head (inferred)" in mg.graph_text(out, scopes=True)


def test_no_graph_no_stamp_and_grad_mode_off_costs_nothing():
    model = Model()
    with mg.no_grad():
        out = model(x_in())
    assert out._backward is None and not hasattr(out, "_scope")
    assert ops.linear(x_in(), mg.Tensor(np.ones((2, 4))))._scope is None


def test_item_assignment_keeps_the_scope_of_the_node_it_renames():
    """``y[0] = v`` turns y into an index_put node and keeps the old y as its input: both keep
    a recorded scope (the book's sequence_mask writes X[~mask] = -1e6 this way)."""
    class Writes(mg.nn.Module):
        def forward(self, x):
            y = x * 2.0
            y[0] = 5.0
            return y.exp()

    model = Model()
    model.writes = Writes()
    out = model.writes(x_in())
    assert ops_by_scope(out) == [("writes", "exp"), ("writes", "index_put"), ("writes", "mul")]
