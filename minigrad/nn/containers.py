"""``Sequential``: modules applied one after another, registered under the names "0", "1", ...

As in PyTorch, a child's name is its position, so the parameters of a stack of blocks are
named ``blks.0.attention.W_q.weight``, ``blks.1.attention.W_q.weight``, ... and a state_dict
moves to and from a PyTorch model built the same way. d2l builds its Transformer's block stack
with ``nn.Sequential()`` and ``add_module(str(i), block)``; both work here.
"""
from minigrad.nn.module import Module


class Sequential(Module):
    """Sequential(*modules): forward(x) = modules[-1](...modules[0](x)); also a list of blocks
    to index (``blks[i]``), iterate and measure (``len``)."""

    def __init__(self, *modules):
        super().__init__()
        for i, module in enumerate(modules):
            self.add_module(str(i), module)

    def add_module(self, name, module):
        """Register ``module`` under ``name`` (d2l: ``blks.add_module(str(i), block)``).
        A name already in use by a block replaces that block in place."""
        name = str(name)
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.add_module: {name!r} must be a Module, got "
                            f"{type(module).__name__}")
        # a dot would split the name in state_dict keys ("blks.a.b.weight" cannot be loaded
        # back), and an attribute such as "forward" or "training" would be overwritten
        if not name or "." in name or (hasattr(self, name) and name not in self._modules):
            raise ValueError(f"Sequential.add_module: cannot name a block {name!r}: the name "
                             f"must be non-empty, without '.', and not an attribute of "
                             f"Sequential")
        setattr(self, name, module)

    def __getitem__(self, index):
        return list(self._modules.values())[index]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())

    def forward(self, x):
        for module in self._modules.values():
            x = module(x)
        return x
