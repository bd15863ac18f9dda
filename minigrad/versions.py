"""Version counters: a tensor changed in place after an op used it makes that op's backward
an error, as in PyTorch, instead of a wrong gradient.

One clock counts the in-place changes made through minigrad (an optimizer step, item
assignment, ``fill_``, the ``nn.init`` functions, ``bump_version``). A changed tensor
remembers the clock's value (``_version``), and so does its memory (``_storages``, keyed by
the array that owns the memory): as in torch, where the version belongs to the storage, a
write through any tensor that shares the memory (``x.detach()``, a view such as ``x[0]``,
``x.reshape(...)`` or ``x.T``, ``mg.from_numpy(x.data)``) counts as a change of every tensor
on it. A graph node remembers the clock's value when it was made (``_created``). At backward,
a node made after the last change (``_created == clock``) is skipped with one compare;
otherwise a node one of whose inputs, or whose own output, changed after it was made holds
a stale saved array.

What the counter cannot see: a raw NumPy/CuPy write into ``x.data[...]`` (or into the array
given to ``from_numpy``), which never passes through minigrad. ``Tensor(array)`` copies the
caller's array for that reason; write through minigrad (``x[i] = v``, ``x.fill_``, under
``mg.no_grad()`` for a leaf), or call ``mg.bump_version(x)`` after your own raw write.
"""
import threading
import weakref

clock = 0      # in-place changes so far; read by Tensor._from_op for every graph node
_storages = {}     # id of the array owning some memory -> the clock at its last change
_MAX_STORAGES = 1 << 20   # a bound for arrays that take no weak reference (entries of the
#                           others leave when their array dies)
_own_storage = weakref.WeakValueDictionary()   # id -> a view that keeps its own version
_lock = threading.Lock()   # the clock and the table change together, from any thread


def keep_own_version(array):
    """Give ``array``, a view, a version of its own, apart from the memory it views. Adam
    packs every parameter into one flat buffer and makes each ``.data`` a view of it; the
    parameters stay separate tensors, so writing one must not mark the others as changed."""
    array = getattr(array, "_array", array)
    _own_storage[id(array)] = array


def _root(array):
    """The array that owns ``array``'s memory (NumPy and CuPy views name it in ``.base``;
    the strict backend keeps its NumPy array in ``_array``), stopping at a view that keeps
    its own version (``keep_own_version``)."""
    array = getattr(array, "_array", array)
    base = getattr(array, "base", None)
    while base is not None and _own_storage.get(id(array)) is not array:
        array, base = base, getattr(base, "base", None)
    return array


def owner(array):
    """The key of ``array``'s memory in the version table: the id of its ``_root``.

    Ids are reused after an array dies, but harmlessly: its entry leaves with it (or, for an
    array that takes no weak reference, an array made after an entry's change can only feed
    graph nodes made after that change, which the entry cannot flag)."""
    return id(_root(array))


def bump_version(tensor):
    """Record that ``tensor``'s data was changed in place (an optimizer step, ``x[i] = v``):
    graph nodes made before this that read it, or another tensor on the same memory, can no
    longer backpropagate through it."""
    global clock
    root = _root(tensor.data)
    key = id(root)
    with _lock:
        clock += 1
        tensor._version = clock
        if key not in _storages:
            try:                        # the entry leaves when the memory's array dies
                weakref.finalize(root, _storages.pop, key, None)
            except TypeError:           # an array without weak references: see the bound
                if len(_storages) >= _MAX_STORAGES:
                    for old in list(_storages)[:_MAX_STORAGES // 2]:
                        _storages.pop(old, None)
        _storages[key] = clock


def _changed(tensor):
    """The clock at the last in-place change of ``tensor`` or of its memory (0: never)."""
    return max(getattr(tensor, "_version", 0), _storages.get(owner(tensor.data), 0))


def check_inputs_unchanged(node):
    """Raise if an input of ``node``, or its own output, was changed in place after ``node``
    was computed."""
    created = node._created
    if created >= clock:                # no in-place change since: nothing to look up
        return
    if _changed(node) > created:        # its own output, saved by some backwards
        raise RuntimeError(
            f"backward: the output of {node._op or 'an op'} (shape {node.shape}) was changed "
            f"in place after it was computed (item assignment or fill_ under no_grad, "
            f"directly or through a tensor sharing its memory, such as a detach() or a "
            f"view); {node._op or 'the op'}'s backward may use it, so its gradient would be "
            f"wrong. Change a copy instead (y.clone())")
    for parent in node._parents:
        if _changed(parent) > created:
            raise RuntimeError(
                f"backward: an input of {node._op or 'an op'} (shape {parent.shape}"
                f"{', ' + parent.name if parent.name else ''}) was changed in place after "
                f"{node._op or 'the op'} used it (an optimizer step or item assignment "
                f"between the forward pass and backward(), directly or through a tensor "
                f"sharing its memory, such as a detach() or a view); its saved value is "
                f"stale, so its gradient would be wrong. Run the forward pass again after the "
                f"change, or change a copy (x.clone())")


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
