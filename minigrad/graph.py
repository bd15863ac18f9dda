"""See the graph a learner just built: the ops that produced a tensor, with their shapes.

``graph_text(t)`` returns an indented tree (shared sub-graphs are shown once and referred to by
number afterwards); ``graph_dot(t, path)`` writes Graphviz DOT (render it with ``dot -Tpng``).
With ``scopes=True`` each op also names the module it belongs to (``decoder.attention.W_q``),
so the picture is the model's blocks; ``graph_scopes(t)`` counts the ops of each block.
The graph exists until ``backward`` releases it, so look before you call backward.
"""
import collections

from minigrad.autograd import topological_order
from minigrad.files import atomic_write
from minigrad.tensor import Tensor


def _check_tensor(tensor, op):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{op}: expected the Tensor whose graph to show, got "
                        f"{type(tensor).__name__}")


def _label(t, scope=None):
    kind = t._op or (t.name or "parameter/input" if t.requires_grad else "constant")
    where = f"  @{scope}" if scope and t._op else ""
    return f"{kind} {tuple(t.shape)} {t.dtype}{where}"


def _common_prefix(scopes):
    parts = [scope.split(".") for scope in scopes]
    common = []
    for names in zip(*parts):
        if len(set(names)) != 1:
            break
        common.append(names[0])
    return ".".join(common)


def module_scopes(tensor):
    """{id(node): module path} for the nodes behind ``tensor``: a parameter's module is its
    dotted name without the last part ("decoder.rnn.weight_hh_l0" -> "decoder.rnn"), and an
    op belongs to the module of the parameters it reads, else to the innermost module that
    holds all the modules of its inputs ("decoder" for the rnn's input and the embedding)."""
    scopes = {}
    for node in topological_order(tensor):
        if node._backward is None:
            if node.name and "." in node.name:
                scopes[id(node)] = node.name.rsplit(".", 1)[0]
            continue
        own = [scopes[id(p)] for p in node._parents if p._backward is None and id(p) in scopes]
        found = own or [scopes[id(p)] for p in node._parents if id(p) in scopes]
        if found:
            scopes[id(node)] = own[0] if own else _common_prefix(found)
    return scopes


def graph_scopes(tensor):
    """The ops behind ``tensor`` counted by module scope, one line per module."""
    scopes = module_scopes(tensor)
    by_scope = collections.defaultdict(collections.Counter)
    for node in topological_order(tensor):
        if node._backward is not None:
            by_scope[scopes.get(id(node)) or "(outside any module)"][node._op] += 1
    return "\n".join(f"{scope}: {sum(ops.values())} ops ("
                     + ", ".join(f"{op} {n}" for op, n in ops.most_common()) + ")"
                     for scope, ops in sorted(by_scope.items()))


MAX_INDENT = 40   # deeper levels are numbered, not indented: memory stays linear in the graph


def _indent(depth):
    return "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "


def graph_text(tensor, scopes=False):
    """The ops behind ``tensor`` as an indented tree, the output at the top; with ``scopes``
    each op names its module (see ``module_scopes``). Beyond MAX_INDENT levels each line says
    its depth instead of indenting further."""
    _check_tensor(tensor, "graph_text")
    where = module_scopes(tensor) if scopes else {}
    numbers, lines = {}, []
    stack = [(tensor, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in numbers:
            lines.append(_indent(depth) + f"(see #{numbers[id(node)]})")
            continue
        numbers[id(node)] = len(numbers)
        lines.append(_indent(depth) + f"#{numbers[id(node)]} {_label(node, where.get(id(node)))}")
        for parent in reversed(node._parents):
            stack.append((parent, depth + 1))
    return "\n".join(lines)


def graph_dot(tensor, path=None, scopes=False):
    """The graph behind ``tensor`` as Graphviz DOT text, also written to ``path`` if given;
    with ``scopes`` each op names its module (see ``module_scopes``)."""
    _check_tensor(tensor, "graph_dot")
    where = module_scopes(tensor) if scopes else {}
    order = topological_order(tensor)
    names = {id(node): f"n{k}" for k, node in enumerate(order)}
    lines = ["digraph minigrad {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for node in order:
        shape = "ellipse" if node._backward is None else "box"
        lines.append(f'  {names[id(node)]} [label="{_label(node, where.get(id(node)))}", '
                     f'shape={shape}];')
        for parent in node._parents:
            if id(parent) in names:
                lines.append(f"  {names[id(parent)]} -> {names[id(node)]};")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        with atomic_write(path, "w") as f:
            f.write(text)
    return text
