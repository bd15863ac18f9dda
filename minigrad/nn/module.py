"""``Module`` and ``Parameter``: the containers models are built from, as in PyTorch.

A module registers every ``Parameter`` and sub-``Module`` assigned to one of its attributes,
so ``named_parameters()`` can walk the tree and name each weight with a dotted path
("decoder.rnn.weight_ih_l0"), the same names PyTorch uses. ``state_dict()`` maps those names
to host NumPy arrays in PyTorch's layouts, so weights move to and from PyTorch unchanged.
"""
import numbers
from collections.abc import Mapping

import numpy

from minigrad import backend, devices, printing, scopes
from minigrad.dtypes import to_dtype
from minigrad.tensor import Tensor


class Parameter(Tensor):
    """A tensor that is a weight of a module: it requires grad and is found by ``parameters()``.
    ``Parameter(array)`` or, as torch, ``Parameter(tensor)`` (a copy of its data)."""
    __slots__ = ()

    def __init__(self, data, requires_grad=True):
        super().__init__(data, requires_grad=requires_grad)

    def __repr__(self):
        return printing.tensor_repr(self, "parameter")


def check_sizes(owner, minimum=0, **sizes):
    """Layer sizes must be integers >= ``minimum``; name the bad one (NumPy's error would not)."""
    for name, size in sizes.items():
        if isinstance(size, bool) or not isinstance(size, numbers.Integral) or size < minimum:
            raise ValueError(f"{owner}: {name} must be an integer >= {minimum}, got {size!r}")


def uniform(shape, bound):
    """A Parameter with U(-bound, bound) entries, drawn on the host (seeded by manual_seed)."""
    return Parameter(backend.host_rng().uniform(-bound, bound, size=shape))


def _host_array(value):
    """A state_dict value as a host NumPy array: from NumPy, a Tensor, a backend array or
    anything NumPy can read (a torch tensor); None when it is not an array of numbers."""
    if isinstance(value, Tensor):
        value = value.data
    if backend.array_backend(value) not in (None, "numpy"):
        value = backend.to_numpy(value)
    try:
        array = numpy.asarray(value)
    except (ValueError, TypeError):
        return None
    return array if array.dtype.kind in "biuf" else None


def _name_parameters(module, prefix):
    """Name every parameter under ``module`` by its dotted path below ``prefix`` (a module
    assigned as ``decoder`` names its ``rnn.weight_hh_l0`` "decoder.rnn.weight_hh_l0"), and
    every module by its path ("decoder.rnn.", the scope its forward stamps on its ops), so a
    model's parameters and modules know their names from the moment it is built."""
    object.__setattr__(module, "_prefix", prefix)
    for name, param in module._parameters.items():
        param.name = prefix + name
    for name, child in module._modules.items():
        _name_parameters(child, f"{prefix}{name}.")


class Module:
    """Base class of every layer and model. Subclasses set attributes and define ``forward``."""

    def __init__(self):
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "_buffers", {})
        object.__setattr__(self, "training", True)
        object.__setattr__(self, "_prefix", "")    # this module's dotted path, "decoder.rnn."

    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"{type(self).__name__}: call super().__init__() before "
                                 f"assigning attributes")
        # Replacing a parameter or a child keeps its place in the dict, as in torch: the
        # order of named_parameters(), state_dict() and a Sequential's forward stays the same.
        if isinstance(value, Parameter):
            self._modules.pop(name, None)
            self._parameters[name] = value
            value.name = self._prefix + name    # its dotted name from the model's root
        elif isinstance(value, Module):
            self._parameters.pop(name, None)
            self._modules[name] = value
            _name_parameters(value, f"{self._prefix}{name}.")   # below this module's name
        elif name in self.__dict__.get("_buffers", ()):
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"{type(self).__name__}: cannot assign a "
                                f"{type(value).__name__} to buffer {name!r}; assign a Tensor")
            self._buffers[name] = value
        elif value is not None and name in self._parameters:
            # as torch: a plain tensor here would drop the weight from training without a word
            raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                            f"to parameter {name!r}; wrap it as mg.nn.Parameter(...) or "
                            f"assign None")
        elif value is not None and name in self._modules:
            raise TypeError(f"{type(self).__name__}: cannot assign a {type(value).__name__} "
                            f"to child module {name!r}; assign a Module or None")
        else:
            self._parameters.pop(name, None)
            self._modules.pop(name, None)
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        self._parameters.pop(name, None)
        self.__dict__.get("_buffers", {}).pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def __call__(self, *args, **kwargs):
        """``forward``, with the ops it makes stamped with this module's dotted name
        ("decoder.attention"; see ``minigrad/scopes.py``); the caller's scope comes back
        when it returns or raises."""
        state = scopes.state
        outer, state.current = state.current, self._prefix[:-1]
        try:
            return self.forward(*args, **kwargs)
        finally:
            state.current = outer

    def scope(self):
        """``with self.scope():`` stamps the block's ops with this module's name, as its
        forward's are: for a method that is not reached through ``__call__`` (a model's
        ``loss``, a decoder's ``features``, a GRU's ``step``)."""
        return scopes.within(self._prefix[:-1])

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} does not define forward()")

    # -- walking the tree ---------------------------------------------------------------
    def named_children(self):
        return iter(self._modules.items())

    def children(self):
        return iter(self._modules.values())

    def named_modules(self, prefix=""):
        yield prefix, self
        for name, child in self._modules.items():
            yield from child.named_modules(f"{prefix}.{name}" if prefix else name)

    def modules(self):
        return (module for _, module in self.named_modules())

    def named_parameters(self, prefix=""):
        """(dotted name, Parameter) pairs: this module's own first, then each child's in order.
        A parameter shared by two modules is listed once, under its first name.

        Each parameter also knows its name (``param.name``, e.g. "decoder.rnn.weight_hh_l0")
        from the moment it is assigned, completed by each parent its module is assigned to
        (a shared parameter keeps the name of its latest assignment)."""
        seen = set()
        for module_name, module in self.named_modules(prefix):
            for name, param in module._parameters.items():
                if id(param) not in seen:
                    seen.add(id(param))
                    yield (f"{module_name}.{name}" if module_name else name), param

    def parameters(self):
        """All parameters, this module's own and its children's. A lazy layer's parameters
        are there before its first forward (empty until then, filled in place), so an
        optimizer built first still trains them, as in torch."""
        return [param for _, param in self.named_parameters()]

    def register_buffer(self, name, tensor):
        """A tensor of the module's state that is not trained (BatchNorm's running_mean): in
        ``state_dict()`` and moved by ``to()``, but not in ``parameters()``."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, got "
                            f"{type(tensor).__name__}")
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        self._buffers[name] = tensor
        object.__setattr__(self, name, tensor)

    def named_buffers(self, prefix=""):
        for module_name, module in self.named_modules(prefix):
            for name, buffer in module.__dict__.get("_buffers", {}).items():
                if buffer is not None:
                    yield (f"{module_name}.{name}" if module_name else name), buffer

    def buffers(self):
        return [buffer for _, buffer in self.named_buffers()]

    def _named_state(self):
        """(name, tensor) for every parameter and buffer, module by module in torch's order
        (a module's parameters, then its buffers, then its children's). Refused while a lazy
        layer has not yet seen an input: its sizes are not known."""
        for module_name, module in self.named_modules():
            if getattr(module, "uninitialized", False):
                raise RuntimeError(
                    f"{type(module).__name__} {module_name or '(the root)'} has no parameters "
                    f"yet: its input size is read from its first input; run one forward pass "
                    f"(or give the input size) before state_dict or load_state_dict")
        params = dict(self.named_parameters())
        buffers = dict(self.named_buffers())
        for module_name, module in self.named_modules():
            prefix = f"{module_name}." if module_name else ""
            for name in module._parameters:
                if prefix + name in params:
                    yield prefix + name, params.pop(prefix + name)
            for name in module.__dict__.get("_buffers", {}):
                if prefix + name in buffers:
                    yield prefix + name, buffers.pop(prefix + name)

    def add_module(self, name, module):
        """Register ``module`` as the child ``name`` (torch's ``add_module``)."""
        if not isinstance(name, str) or not name or "." in name:
            raise ValueError(f"add_module: a child's name must be a non-empty string without "
                             f"'.', got {name!r}")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, got "
                            f"{type(module).__name__}")
        setattr(self, name, module)

    register_module = add_module

    def apply(self, fn):
        """Call ``fn`` on every child (recursively, children first) and then on this module;
        returns this module, as torch (d2l: ``model.apply(init_weights)``)."""
        if not callable(fn):
            raise TypeError(f"Module.apply: fn must be a function of a module, got "
                            f"{type(fn).__name__} {fn!r}")
        for child in self.children():
            child.apply(fn)
        fn(self)
        return self

    # -- devices and dtypes -------------------------------------------------------------
    def to(self, *args, **kwargs):
        """torch's ``Module.to``: ``to(device)``, ``to(dtype)``, ``to(device, dtype)`` or
        keywords. Moves every parameter and buffer in place (the same objects, so an optimizer
        keeps them) and makes ``device`` the engine's (see ``minigrad.devices``); a dtype
        applies to float parameters and buffers. Returns the module."""
        device, dtype = kwargs.pop("device", None), kwargs.pop("dtype", None)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"Module.to: unexpected keyword {sorted(kwargs)[0]!r}")
        for arg in args:
            if isinstance(arg, Tensor):
                device, dtype = arg.device, arg.dtype
            elif devices.is_device_spec(arg):
                device = arg
            else:
                dtype = arg
        tensors = list(self.parameters()) + self.buffers()
        if device is not None:
            target = devices.as_device(device, "Module.to")
            devices.use(target, "Module.to")
            for t in tensors:
                t.data = devices.move_array(t.data, target, "Module.to")
                t.grad = None if t.grad is None else devices.move_array(t.grad, target)
        if dtype is not None:
            dtype = to_dtype(dtype, "Module.to")
            if dtype.kind != "f":
                raise TypeError(f"Module.to: only a float dtype applies to a module, got "
                                f"{dtype}")
            for t in tensors:
                if t.dtype.kind == "f" and t.dtype != dtype:
                    t.data, t.grad = t.data.astype(dtype), None
        return self

    def cuda(self, device=None):
        return self.to("cuda" if device is None else device)

    def cpu(self):
        return self.to("cpu")

    def float(self):
        return self.to(numpy.float32)

    def double(self):
        return self.to(numpy.float64)

    def requires_grad_(self, requires_grad=True):
        for param in self.parameters():
            param.requires_grad_(requires_grad)
        return self

    def num_parameters(self):
        """The number of trainable scalars."""
        return sum(param.data.size for param in self.parameters())

    # -- modes and gradients ------------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout active) for this module and all below it."""
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self):
        """Evaluation mode (dropout off)."""
        return self.train(False)

    def zero_grad(self, set_to_none=True):
        for param in self.parameters():
            param.grad = None

    # -- state ----------------------------------------------------------------------------
    def state_dict(self):
        """{dotted name: host NumPy copy of the parameter}, in PyTorch's names and layouts.

        One difference: a parameter shared by two modules (tied weights) appears once, under
        its first name, where torch lists it under every name; load such a torch state_dict
        with ``strict=False``."""
        return {name: tensor.numpy() for name, tensor in self._named_state()}

    def load_state_dict(self, state_dict, strict=True):
        """Copy arrays (host NumPy, backend arrays, Tensors, torch tensors) into the
        parameters, keeping each parameter's dtype and backend.

        Every problem is reported at once, by name: values that are not arrays of numbers,
        missing keys, unexpected keys (only when ``strict``) and shape mismatches. Nothing is
        copied unless everything fits.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict into {type(self).__name__}: expected a mapping "
                            f"of parameter names to arrays (state_dict()'s output), got "
                            f"{type(state_dict).__name__}")
        params = dict(self._named_state())
        arrays = {name: _host_array(value) for name, value in state_dict.items()}
        not_numbers = [f"{name} ({type(state_dict[name]).__name__})"
                       for name, array in arrays.items() if array is None]
        arrays = {name: array for name, array in arrays.items() if array is not None}
        missing = [name for name in params if name not in state_dict]
        unexpected = [name for name in state_dict if name not in params]
        mismatched = [f"{name}: checkpoint {arrays[name].shape}, model {params[name].shape}"
                      for name in params if name in arrays
                      and arrays[name].shape != params[name].shape]
        problems = []
        if not_numbers:
            problems.append("values that are not arrays of numbers: " + ", ".join(not_numbers))
        if missing and strict:
            problems.append("missing keys: " + ", ".join(missing))
        if unexpected and strict:
            problems.append("unexpected keys: " + ", ".join(unexpected))
        if mismatched:
            problems.append("shape mismatches: " + "; ".join(mismatched))
        if problems:
            raise ValueError(f"load_state_dict into {type(self).__name__}: "
                             + " | ".join(problems))
        for name, param in params.items():
            if name in arrays:
                # a copy, as torch's load_state_dict makes: the optimizer updates parameters
                # in place and must never write into the caller's arrays
                param.data = backend.asarray(arrays[name].astype(param.dtype), dtype=param.dtype)
                param.grad = None
        return self

    # -- printing -------------------------------------------------------------------------
    def extra_repr(self):
        """The constructor arguments shown after the class name, e.g. 'in=4, out=3'."""
        return ""

    def __repr__(self):
        lines = []
        for name, child in self._modules.items():
            child_lines = repr(child).split("\n")
            lines.append(f"  ({name}): " + "\n  ".join(child_lines))
        extra = self.extra_repr()
        if not lines:
            return f"{type(self).__name__}({extra})"
        if extra:   # as PyTorch prints it: the settings on their own line, then the children
            lines.insert(0, "  " + extra)
        return f"{type(self).__name__}(\n" + "\n".join(lines) + "\n)"
