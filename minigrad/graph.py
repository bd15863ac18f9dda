"""See the graph a learner just built: the ops that produced a tensor, with their shapes.

``graph_text(t)`` returns an indented tree (shared sub-graphs are shown once and referred to by
number afterwards); ``graph_dot(t, path)`` writes Graphviz DOT (render it with ``dot -Tpng``).
With ``scopes=True`` each op also names the module whose forward made it
(``decoder.attention.W_q``, recorded as the op ran: ``minigrad/scopes.py``), so the picture is
the model's blocks; ``graph_scopes(t)`` counts the ops of each block.
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


def inferred_scopes(order):
    """{id(node): module path} guessed from the parameters, for nodes with no recorded scope:
    a parameter's module is its dotted name without the last part ("decoder.rnn.weight_hh_l0"
    -> "decoder.rnn"), and an op belongs to the module of the parameters it reads, else to the
    innermost module that holds all the modules of its inputs. A guess: an op reading no
    parameter (a softmax) lands wherever its inputs came from, not where it ran."""
    scopes = {}
    for node in order:
        if node._backward is None:
            if node.name and "." in node.name:
                scopes[id(node)] = node.name.rsplit(".", 1)[0]
            continue
        own = [scopes[id(p)] for p in node._parents if p._backward is None and id(p) in scopes]
        found = own or [scopes[id(p)] for p in node._parents if id(p) in scopes]
        if found:
            scopes[id(node)] = own[0] if own else _common_prefix(found)
    return scopes


OUTSIDE = "(outside any module)"     # made outside every module's forward
TOP = "(top module)"                 # made by the top module's own forward (see scopes.TOP)
INFERRED = " (inferred)"             # no scope recorded: guessed by ``inferred_scopes``
UNKNOWN = "(not recorded)"           # no scope recorded and none to infer


def module_scopes(tensor):
    """{id(node): module} for the op nodes behind ``tensor``: the scope recorded when the op
    ran (``minigrad/scopes.py``): the dotted name of the module whose forward made it
    ("decoder.attention"), TOP or OUTSIDE. Only a node with no recorded scope (one not made by
    ``Tensor._from_op``) gets the guess of ``inferred_scopes``, marked " (inferred)"."""
    order = topological_order(tensor)
    scopes, guesses = {}, None
    for node in order:
        if node._backward is None:
            continue
        try:
            scope = node._scope
        except AttributeError:
            if guesses is None:
                guesses = inferred_scopes(order)
            guess = guesses.get(id(node))
            scopes[id(node)] = guess + INFERRED if guess else UNKNOWN
            continue
        scopes[id(node)] = OUTSIDE if scope is None else (scope or TOP)
    return scopes


def graph_scopes(tensor):
    """The ops behind ``tensor`` counted by module scope, one line per module (see
    ``module_scopes``); a last line says how many scopes were inferred, if any."""
    _check_tensor(tensor, "graph_scopes")
    by_scope = collections.defaultdict(collections.Counter)
    order = topological_order(tensor)
    scopes = module_scopes(tensor)
    for node in order:
        if node._backward is not None:
            by_scope[scopes[id(node)]][node._op] += 1
    lines = [f"{scope}: {sum(ops.values())} ops ("
             + ", ".join(f"{op} {n}" for op, n in ops.most_common()) + ")"
             for scope, ops in sorted(by_scope.items())]
    guessed = sum(sum(ops.values()) for scope, ops in by_scope.items()
                  if scope.endswith(INFERRED) or scope == UNKNOWN)
    if guessed:
        lines.append(f"({guessed} ops had no recorded scope: their module is inferred from "
                     f"the parameters they read)")
    return "\n".join(lines)


MAX_INDENT = 40   # deeper levels are numbered, not indented: memory stays linear in the graph


def _indent(depth):
    return "  " * depth if depth <= MAX_INDENT else "  " * MAX_INDENT + f"[depth {depth}] "


def graph_text(tensor, scopes=False):
    """The ops behind ``tensor`` as an indented tree, the output at the top; with ``scopes``
    each op names the module that made it (see ``module_scopes``). Beyond MAX_INDENT levels
    each line says its depth instead of indenting further."""
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


def _cluster(node, where):
    """The module path a node is drawn inside, as a tuple of names (() for none): an op's
    scope, a parameter's module; the top module, no module and unknowns stay outside."""
    if node._backward is None:
        scope = node.name.rsplit(".", 1)[0] if node.name and "." in node.name else ""
    else:
        scope = where.get(id(node), "").removesuffix(INFERRED)
    return () if not scope or scope.startswith("(") else tuple(scope.split("."))


def _nested_clusters(members, path=(), depth=1):
    """DOT lines: the nodes of ``path``, then one ``subgraph cluster`` per child module, each
    holding its own nodes and children (decoder > decoder.attention > decoder.attention.W_q)."""
    indent = "  " * depth
    lines = [indent + line for line in members.get(path, ())]
    children = sorted({key[:len(path) + 1] for key in members
                       if len(key) > len(path) and key[:len(path)] == path})
    for child in children:
        name = ".".join(child)
        lines.append(f'{indent}subgraph "cluster_{name}" {{')
        lines.append(f'{indent}  label="{name}";')
        lines.extend(_nested_clusters(members, child, depth + 1))
        lines.append(indent + "}")
    return lines


def graph_dot(tensor, path=None, scopes=False):
    """The graph behind ``tensor`` as Graphviz DOT text, also written to ``path`` if given;
    with ``scopes`` each op names the module that made it (see ``module_scopes``) and is drawn
    inside that module's box, nested as the modules are."""
    _check_tensor(tensor, "graph_dot")
    where = module_scopes(tensor) if scopes else {}
    order = topological_order(tensor)
    names = {id(node): f"n{k}" for k, node in enumerate(order)}
    members = {}        # module path -> its nodes' lines (all at the top without scopes)
    edges = []
    for node in order:
        shape = "ellipse" if node._backward is None else "box"
        members.setdefault(_cluster(node, where) if scopes else (), []).append(
            f'{names[id(node)]} [label="{_label(node, where.get(id(node)))}", shape={shape}];')
        for parent in node._parents:
            if id(parent) in names:
                edges.append(f"  {names[id(parent)]} -> {names[id(node)]};")
    lines = ["digraph minigrad {", "  rankdir=BT;", '  node [shape=box, fontname="monospace"];']
    lines += _nested_clusters(members) + edges + ["}"]
    text = "\n".join(lines) + "\n"
    if path is not None:
        with atomic_write(path, "w") as f:
            f.write(text)
    return text
