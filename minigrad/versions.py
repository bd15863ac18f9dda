"""Version counters: a tensor changed in place after an op used it makes that op's backward
an error, as in PyTorch, instead of a wrong gradient.

One clock counts the in-place changes made through minigrad (an optimizer step, item
assignment, ``bump_version``). A changed tensor remembers the clock's value (``_version``);
a graph node remembers the clock's value when it was made (``_created``). At backward, a node
one of whose inputs changed after it was made (``input._version > node._created``) holds a
stale saved array: one integer compare per input.

What the counter cannot see: a raw NumPy/CuPy write into ``x.data[...]``, which never passes
through minigrad (``Tensor(array)`` copies the caller's array for that reason), and a write
through another tensor that shares the memory (a ``detach()`` or a basic-index view of ``x``):
each tensor has its own version, where torch shares one among the tensors of one storage.
"""
clock = 0     # in-place changes so far; read by Tensor._from_op for every graph node


def bump_version(tensor):
    """Record that ``tensor``'s data was changed in place (an optimizer step, ``x[i] = v``):
    graph nodes made before this that read it can no longer backpropagate through it."""
    global clock
    clock += 1
    tensor._version = clock


def check_inputs_unchanged(node):
    """Raise if an input of ``node`` was changed in place after ``node`` was computed."""
    created = node._created
    if getattr(node, "_version", 0) > created:   # its own output, saved by some backwards
        raise RuntimeError(
            f"backward: the output of {node._op or 'an op'} (shape {node.shape}) was changed "
            f"in place after it was computed (item assignment or fill_, under no_grad?); "
            f"{node._op or 'the op'}'s backward may use it, so its gradient would be wrong. "
            f"Change a copy instead (y.clone())")
    for parent in node._parents:
        if getattr(parent, "_version", 0) > created:
            raise RuntimeError(
                f"backward: an input of {node._op or 'an op'} (shape {parent.shape}"
                f"{', ' + parent.name if parent.name else ''}) was changed in place after "
                f"{node._op or 'the op'} used it (an optimizer step or item assignment "
                f"between the forward pass and backward()); its saved value is stale, so its "
                f"gradient would be wrong. Run the forward pass again after the change, or "
                f"change a copy (x.clone() / x.detach())")


def check_leaf(leaf, grad):
    """Before a gradient lands in ``leaf.grad``: the leaf's data and any ``.grad`` already
    there must still have the shape the forward pass used (a ``.data`` or ``.grad`` replaced
    by another shape would broadcast into garbage or fail deep in NumPy)."""
    if leaf.data.shape != grad.shape:
        raise RuntimeError(f"backward: {leaf.name or 'a leaf tensor'} has shape "
                           f"{leaf.data.shape}, but the forward pass used shape {grad.shape} "
                           f"(its .data was replaced after the forward pass)")
    if leaf.grad is not None and not hasattr(leaf.grad, "shape"):
        raise TypeError(f"backward: {leaf.name or 'a leaf tensor'} of shape {grad.shape} "
                        f"holds a .grad of type {type(leaf.grad).__name__}; set it to None "
                        f"or to an array of shape {grad.shape}")
    if leaf.grad is not None and leaf.grad.shape != grad.shape:
        raise RuntimeError(f"backward: {leaf.name or 'a leaf tensor'} of shape {grad.shape} "
                           f"holds a .grad of shape {leaf.grad.shape}; set it to None or to "
                           f"an array of shape {grad.shape}")
