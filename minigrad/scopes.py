"""Module scopes: which module's ``forward`` made each op, recorded as the graph is built.

While ``Module.__call__`` runs, ``state.current`` holds that module's dotted name inside the
top model ("decoder.attention"; "" for the top model itself, and None outside any module), and
``Tensor._from_op`` copies it onto every graph node it makes (``node._scope``). A nested call
sets the inner name and puts the outer one back when it returns, also when ``forward`` raises.
``minigrad.graph`` reads the stamps to show a graph by the model's blocks.

The cost is one attribute store per graph node and two per module call, so it is always on.
Like grad mode, the current scope is one per thread: a model run in another thread stamps its
own ops.
"""
import threading


class _Scope(threading.local):
    """The current module scope, one per thread; a new thread starts outside any module."""
    current = None


state = _Scope()
TOP = ""        # the scope of the top module's own forward (a model, or a layer used alone)


def current():
    """The dotted name of the module whose forward is running now, "" for the top module,
    None outside any module's forward."""
    return state.current


class within:
    """``with within("decoder.rnn"):`` stamps the block's ops with that scope, as if a module
    of that name ran its forward; the outer scope comes back at the end, also on an error.
    For a module's methods other than ``forward`` (``Module.scope()``)."""
    __slots__ = ("name", "outer")

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.outer, state.current = state.current, self.name
        return self

    def __exit__(self, *exc_info):
        state.current = self.outer
