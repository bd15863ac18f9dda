"""``Optimizer``: what every optimizer shares: its parameters, their state and checkpoints.

A step reads each parameter's ``.grad`` and changes its ``.data`` in place, on the backend's
arrays: an update is not part of any model, so it records no graph. Per-parameter state
(step counts, momentum, Adam's moments) lives in ``self.state[i]`` for parameter i, and
``state_dict()`` / ``load_state_dict()`` save and restore it with the hyperparameters, so
training resumes from a checkpoint exactly where it stopped.
"""
import copy
import math
import numbers
from collections.abc import Mapping

import numpy

from minigrad import backend
from minigrad.versions import bump_version
from minigrad.tensor import Tensor


def _plain(value):
    """A hyperparameter as a Python number, or a tuple of them. A schedule computed with NumPy
    sets numpy.float64 learning rates, which ``mg.save`` stores as 0-d arrays; an optimizer
    resumed from them would otherwise compute with an array lr (and a list of betas)."""
    if isinstance(value, (tuple, list)):
        return tuple(_plain(v) for v in value)
    if isinstance(value, (numpy.generic, numpy.ndarray)) and value.ndim == 0:
        return value.item()
    return value


def _check_hyperparameters(name, hyperparameters):
    """Every hyperparameter a finite number >= 0 (betas: two in [0, 1)): a NaN or infinite
    lr or eps would train on garbage without a word."""
    for key, value in hyperparameters.items():
        values = value if isinstance(value, (tuple, list)) else (value,)
        if any(isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)
               or v < 0 for v in values):
            raise ValueError(f"{name}: {key} must be a finite number >= 0, got {value!r}")
        if key == "betas" and (len(values) != 2 or not all(v < 1 for v in values)):
            raise ValueError(f"{name}: betas must be two numbers in [0, 1), got {value!r}")


def _label(i, param):
    """How errors name parameter i: "parameter 0 (weight)"."""
    return f"parameter {i}" + (f" ({param.name})" if param.name else "")


class Optimizer:
    """Base class. Subclasses set ``self.hyperparameters`` and define ``_update``."""

    def __init__(self, params, hyperparameters):
        name = type(self).__name__
        expected = f"{name}: expected an iterable of parameters such as model.parameters()"
        if isinstance(params, Tensor):   # iterable row by row, but rows never get a grad
            raise TypeError(f"{expected}, got one {type(params).__name__}; wrap it in a list")
        if not hasattr(params, "__iter__"):
            raise TypeError(f"{expected}, got {type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: got an empty list of parameters")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor) or not p.requires_grad:
                raise TypeError(f"{name}: parameter {i} is not a tensor that requires grad "
                                f"(got {type(p).__name__}); pass model.parameters()")
        if len({id(p) for p in self.params}) != len(self.params):
            raise ValueError(f"{name}: a parameter appears twice; it would be updated twice")
        _check_hyperparameters(name, hyperparameters)
        self.hyperparameters = dict(hyperparameters)
        self._checked_hyperparameters = copy.deepcopy(self.hyperparameters)   # see step
        self.state = [{} for _ in self.params]

    @property
    def lr(self):
        return self.hyperparameters["lr"]

    @lr.setter
    def lr(self, value):   # learning-rate schedules set it between steps
        self.hyperparameters["lr"] = value

    def zero_grad(self):
        """Forget the gradients (set to None, as torch does by default)."""
        for p in self.params:
            p.grad = None

    def step(self):
        """Update every parameter that has a gradient; the others are left alone."""
        self._check_before_step()
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                self._update(p, p.grad, state)
        self._bump_versions()

    def _check_before_step(self):
        """What a step uses, checked when it is used (a schedule, a loaded state or user code
        may have changed it since construction): the hyperparameters (again only when they
        changed since their last check), each gradient's shape, and each state's step count
        and arrays against its parameter's shape. The common case costs a compare or two per
        parameter; the messages are built only for an error."""
        name = type(self).__name__
        now = [(key, type(value), value, type(value) in (tuple, list) and tuple(map(type, value)))
               for key, value in self.hyperparameters.items()]
        try:                           # types too: True == 1 and array(0.1) == 0.1 in Python
            unchanged = now == getattr(self, "_checked_hyperparameters", None)
        except (TypeError, ValueError):   # values that do not compare: check them
            unchanged = False
        if not unchanged:
            _check_hyperparameters(f"{name}.step", self.hyperparameters)
            self._checked_hyperparameters = copy.deepcopy(now)
        for i, (p, state) in enumerate(zip(self.params, self.state)):
            shape = tuple(p.data.shape)
            if p.grad is not None and tuple(p.grad.shape) != shape:
                raise ValueError(f"{name}.step: {_label(i, p)} has shape {p.shape} but its "
                                 f".grad has shape {tuple(p.grad.shape)}")
            step = state.get("step", 0)
            if type(step) is not int or step < 0:       # else the common case: a count
                if (isinstance(step, bool) or not isinstance(step, numbers.Integral)
                        or step < 0):
                    raise ValueError(f"{name}.step: {_label(i, p)}'s state step must be an "
                                     f"integer >= 0, got {step!r}")
            for key, value in state.items():     # the moments or momentum: p's shape
                if (key != "step" and getattr(value, "shape", shape) != shape
                        and backend.is_array(value)):
                    raise ValueError(f"{name}.step: {_label(i, p)} has shape {p.shape} but "
                                     f"its state {key} has shape {tuple(value.shape)} (was "
                                     f"the parameter reshaped after the optimizer's first "
                                     f"step?)")

    def _bump_versions(self):
        """The parameters just updated in place: a graph built before this step can no
        longer backpropagate through them (minigrad/versions.py)."""
        for p in self.params:
            if p.grad is not None:
                bump_version(p)

    def _update(self, param, grad, state):
        raise NotImplementedError

    # -- checkpoints ----------------------------------------------------------------------
    def state_dict(self):
        """{"optimizer": class name, "hyperparameters": {...}, "state": {"i": {...}}}.

        State entries are host NumPy arrays and numbers, keyed by the parameter's position as
        a string, so the dict goes through ``mg.save`` / ``mg.load`` unchanged.
        """
        def host(value):
            return backend.to_numpy(value) if backend.is_array(value) else value
        return {"optimizer": type(self).__name__,
                "hyperparameters": {k: _plain(v) for k, v in self.hyperparameters.items()},
                "state": {str(i): {key: host(value) for key, value in state.items()}
                          for i, state in enumerate(self.state) if state}}

    def load_state_dict(self, state_dict):
        """Restore hyperparameters and per-parameter state from ``state_dict()``'s output.

        Checks everything before changing anything: the optimizer class, the parameter
        positions and the shapes of the saved arrays.
        """
        name = type(self).__name__
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"{name}.load_state_dict: expected the dict of state_dict(), got "
                            f"{type(state_dict).__name__}")
        missing = [k for k in ("optimizer", "hyperparameters", "state") if k not in state_dict]
        if missing:
            raise ValueError(f"{name}.load_state_dict: the state lacks {', '.join(missing)} "
                             f"(expected the keys of state_dict(): optimizer, "
                             f"hyperparameters, state)")
        if state_dict.get("optimizer") != name:
            raise ValueError(f"{name}.load_state_dict: the state is from optimizer "
                             f"{state_dict.get('optimizer')!r}, expected {name!r}")
        hyperparameters = state_dict["hyperparameters"]
        if not isinstance(hyperparameters, Mapping) or not isinstance(state_dict["state"],
                                                                      Mapping):
            raise TypeError(f"{name}.load_state_dict: hyperparameters and state must be "
                            f"dicts, got {type(hyperparameters).__name__} and "
                            f"{type(state_dict['state']).__name__}")
        hyperparameters = {k: _plain(v) for k, v in hyperparameters.items()}
        _check_hyperparameters(f"{name}.load_state_dict", hyperparameters)
        problems, new_state = [], [{} for _ in self.params]
        for key, entries in state_dict["state"].items():
            if not str(key).isdigit() or int(key) >= len(self.params):
                problems.append(f"state for parameter {key!r}, but the optimizer has "
                                f"{len(self.params)} parameters")
                continue
            param = self.params[int(key)]
            if not isinstance(entries, Mapping):
                problems.append(f"state of parameter {key} must be a dict of arrays, got "
                                f"{type(entries).__name__}")
                continue
            for entry, value in entries.items():
                if isinstance(value, numbers.Number):
                    new_state[int(key)][entry] = value
                    continue
                value = numpy.asarray(value)
                if value.dtype.kind not in "biuf":
                    problems.append(f"{entry} of parameter {key}: expected an array of "
                                    f"numbers, got dtype {value.dtype}")
                    continue
                if value.shape != param.shape:
                    problems.append(f"{entry} of parameter {key}: saved {value.shape}, "
                                    f"parameter {param.shape}")
                    continue
                new_state[int(key)][entry] = backend.asarray(value.astype(param.dtype),
                                                             dtype=param.dtype)
        if problems:
            raise ValueError(f"{name}.load_state_dict: " + "; ".join(problems))
        self.hyperparameters.update(hyperparameters)
        self.state = new_state

    def __repr__(self):
        settings = ", ".join(f"{k}={v}" for k, v in self.hyperparameters.items())
        return f"{type(self).__name__}({len(self.params)} parameters, {settings})"
