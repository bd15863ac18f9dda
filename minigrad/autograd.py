"""Reverse-mode automatic differentiation: the grad mode and the backward pass.

Each op's output remembers its inputs (``_parents``) and a small function (``_backward``) that
maps the gradient of the output to the gradients of those inputs. ``backward`` sorts the graph
so that every tensor comes after all the tensors computed from it, then walks it once, handing
each node the sum of the gradients of its consumers: the chain rule, applied in order.

That walk is all a reader needs (readable mode runs exactly it). The fast mode walks the same
graph in ``minigrad/fast_grads.py``, where gradients may be lazy sums; read it afterwards.
"""
import contextlib
import threading

from minigrad import backend, modes, versions


class _GradMode(threading.local):
    """Grad mode, one per thread (as in PyTorch): ``no_grad`` in one thread leaves the
    others recording. A new thread starts with it on."""
    enabled = True


grad_mode = _GradMode()


def is_grad_enabled():
    return grad_mode.enabled


@contextlib.contextmanager
def no_grad():
    """Inside this block ops record no graph: for evaluation, decoding and optimizer steps."""
    previous, grad_mode.enabled = grad_mode.enabled, False
    try:
        yield
    finally:
        grad_mode.enabled = previous


def plain_gradients():
    """Whether ``backward`` takes the walk below, where every gradient is a plain array: in
    readable mode (``mg.set_readable``). The one place the engine reads the flag; the fast
    mode's gradient constructors (``ops.common.slice_grad``, ...) ask here too."""
    return modes.readable


def _graph_released(grad):
    raise RuntimeError("backward: this part of the graph was already used by an earlier "
                       "backward() and its saved arrays were released; run the forward pass "
                       "again to get a new graph")


def topological_order(root):
    """The tensors that ``root`` was computed from, each after all of its own inputs.

    Iterative depth-first search, so an RNN unrolled over thousands of steps cannot hit
    Python's recursion limit. Only tensors that require grad are visited.
    """
    order, visited = [], set()
    stack = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
            continue
        if id(node) in visited:
            continue
        visited.add(id(node))
        stack.append((node, True))
        for parent in node._parents:
            if parent.requires_grad and id(parent) not in visited:
                stack.append((parent, False))
    return order


def backward(root, grad):
    """Add d(root)/d(leaf) into ``leaf.grad`` for every leaf that requires grad.

    ``grad`` is the gradient flowing into ``root`` (ones for a scalar loss). Each node, taken
    after all of its consumers, gets the sum of their gradients, calls its closure and hands
    the results to its inputs. Intermediate gradients live only in ``grads``; a node's graph
    is released once its gradient has been passed on. Every gradient here is a plain array.
    """
    if getattr(grad, "shape", None) != root.shape:   # backward(y, 5): one line, not deep inside
        raise TypeError(f"backward: grad must be an array of the root's shape {root.shape}, "
                        f"got {type(grad).__name__} of shape {getattr(grad, 'shape', None)}")
    if not plain_gradients():               # the fast mode: the same walk, lazy gradients
        return fast_grads.backward(root, grad)
    grads = {id(root): grad}
    for node in reversed(topological_order(root)):
        g = grads.pop(id(node), None)
        if g is None:                       # no path from this node to root carries a gradient
            continue
        if node._backward is None:          # a leaf: a parameter or an input that requires grad
            versions.check_leaf(node, g)
            if node.grad is None:           # a copy of our own, in the leaf's dtype (as torch)
                node.grad = backend.xp.array(g, dtype=node.data.dtype)
            else:
                node.grad += g
            continue
        versions.check_inputs_unchanged(node)   # no input changed in place since the forward
        for parent, parent_grad in zip(node._parents, node._backward(g)):
            if parent_grad is None or not parent.requires_grad:
                continue
            key = id(parent)                # the chain rule's sum over the parent's consumers
            grads[key] = parent_grad if key not in grads else grads[key] + parent_grad
        node._parents, node._backward = (), _graph_released


from minigrad import fast_grads  # noqa: E402  (it builds on topological_order above)
