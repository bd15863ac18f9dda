"""See the graph a learner just built: the ops that produced a tensor, with their shapes.

``graph_text(t)`` returns an indented tree (shared sub-graphs are shown once and referred to by
number afterwards); ``graph_dot(t, path)`` writes Graphviz DOT (render it with ``dot -Tpng``).
The graph exists until ``backward`` releases it, so look before you call backward.
"""
from minigrad.autograd import topological_order
from minigrad.files import atomic_write


def _label(t):
    kind = t._op or (t.name or "parameter/input" if t.requires_grad else "constant")
    return f"{kind} {tuple(t.shape)} {t.dtype}"


MAX_INDENT = 40   # deeper levels are numbered, not indented: memory stays linear in the graph


def _indent(depth):
    return "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "


def graph_text(tensor):
    """The ops behind ``tensor`` as an indented tree, the output at the top (beyond
    MAX_INDENT levels each line says its depth instead of indenting further)."""
    numbers, lines = {}, []
    stack = [(tensor, 0)]
    while stack:
        node, depth = stack.pop()
        if id(node) in numbers:
            lines.append(_indent(depth) + f"(see #{numbers[id(node)]})")
            continue
        numbers[id(node)] = len(numbers)
        lines.append(_indent(depth) + f"#{numbers[id(node)]} {_label(node)}")
        for parent in reversed(node._parents):
            stack.append((parent, depth + 1))
    return "\n".join(lines)


def graph_dot(tensor, path=None):
    """The graph behind ``tensor`` as Graphviz DOT text, also written to ``path`` if given."""
    order = topological_order(tensor)
    names = {id(node): f"n{k}" for k, node in enumerate(order)}
    lines = ["digraph minigrad {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    for node in order:
        shape = "ellipse" if node._backward is None else "box"
        lines.append(f'  {names[id(node)]} [label="{_label(node)}", shape={shape}];')
        for parent in node._parents:
            if id(parent) in names:
                lines.append(f"  {names[id(parent)]} -> {names[id(node)]};")
    lines.append("}")
    text = "\n".join(lines) + "\n"
    if path is not None:
        with atomic_write(path, "w") as f:
            f.write(text)
    return text
