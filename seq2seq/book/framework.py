"""d2l 1.0's object-oriented training framework, on minigrad: ``HyperParameters``, ``Module``,
``DataModule`` and ``Trainer``, with the small helpers ``add_to_class``, ``check_shape`` and
``check_len``.

The three classes split the work as the book does:

- a ``Module`` is the model: ``forward``, ``loss``, ``training_step``, ``validation_step``,
  ``configure_optimizers``, and ``plot`` for the live loss curves;
- a ``DataModule`` hands out ``train_dataloader()`` and ``val_dataloader()``;
- the ``Trainer`` runs ``fit(model, data)``: for each of ``max_epochs`` epochs, one pass of
  training steps (backward, gradient clipping, optimizer step) and one of validation steps.

``Trainer(num_gpus=1)`` trains on the GPU when minigrad can use one (``try_gpu``), else on the
CPU. A model with lazy layers (``nn.LazyLinear``) gets its sizes from one forward pass on the
first training batch before the optimizer is built, so ``configure_optimizers`` sees every
parameter.
"""
import inspect
import numbers

import numpy

import minigrad as mg
from minigrad import nn
from seq2seq.book.devices import gpu, num_gpus
from seq2seq.book.loader import ArrayLoader
from seq2seq.book.plots import ProgressBoard, host


def add_to_class(Class):
    """A decorator that adds the function below it to ``Class`` as a method (the book grows its
    classes one method at a time this way)."""
    def register(function):
        setattr(Class, function.__name__, function)
        return function
    return register


def check_shape(a, shape):
    """Raise an AssertionError unless tensor ``a`` has exactly ``shape``."""
    shape = tuple(shape)
    assert tuple(a.shape) == shape, f"tensor's shape {tuple(a.shape)} != expected shape {shape}"


def check_len(a, n):
    """Raise an AssertionError unless ``len(a) == n``."""
    assert len(a) == n, f"list's length {len(a)} != expected length {n}"


class HyperParameters:
    """``save_hyperparameters()`` turns the arguments of the calling ``__init__`` into
    attributes (and the dict ``hparams``), so a constructor need not write ``self.x = x``
    for each one."""

    def save_hyperparameters(self, ignore=()):
        """Store every argument of the caller (``__init__``) as an attribute, except ``self``,
        names in ``ignore`` and names starting with an underscore."""
        frame = inspect.currentframe().f_back
        try:
            arguments = inspect.getargvalues(frame).locals
            self.hparams = {name: value for name, value in arguments.items()
                            if name not in set(ignore) | {"self"}
                            and not name.startswith("_")}
        finally:
            del frame       # a frame kept alive would keep every local of __init__ alive
        for name, value in self.hparams.items():
            setattr(self, name, value)


class Module(nn.Module, HyperParameters):
    """The base class of the book's models: an ``nn.Module`` that knows its loss, its
    training and validation steps, its optimizer, and plots its progress on ``self.board``."""

    def __init__(self, plot_train_per_epoch=2, plot_valid_per_epoch=1):
        super().__init__()
        self.save_hyperparameters()
        self.board = ProgressBoard()

    def loss(self, y_hat, y):
        raise NotImplementedError(f"{type(self).__name__} does not define loss(y_hat, y)")

    def forward(self, X):
        if not hasattr(self, "net"):
            raise NotImplementedError(f"{type(self).__name__}: define forward() or self.net")
        return self.net(X)

    def plot(self, key, value, train):
        """Add one point of ``key`` (a loss, an accuracy) to the live plot: training points
        at fractional epochs, ``plot_train_per_epoch`` of them per epoch; validation points
        once per epoch, at its end."""
        if not hasattr(self, "trainer"):
            raise RuntimeError(f"{type(self).__name__}.plot: no Trainer yet; it is set by "
                               f"Trainer.fit(model, data)")
        self.board.xlabel = "epoch"
        if train:
            x = self.trainer.train_batch_idx / self.trainer.num_train_batches
            n = self.trainer.num_train_batches / self.plot_train_per_epoch
        else:
            x = self.trainer.epoch + 1
            n = self.trainer.num_val_batches / self.plot_valid_per_epoch
        self.board.draw(x, float(numpy.asarray(host(value))),
                        ("train_" if train else "val_") + key, every_n=max(int(n), 1))

    def training_step(self, batch):
        """The loss of one batch (its last item is the label), plotted; backward is the
        Trainer's."""
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=True)
        return loss

    def validation_step(self, batch):
        loss = self.loss(self(*batch[:-1]), batch[-1])
        self.plot("loss", loss, train=False)

    def configure_optimizers(self):
        """Minibatch SGD at ``self.lr`` (a model sets ``lr`` with save_hyperparameters)."""
        return mg.optim.SGD(self.parameters(), lr=self.lr)

    def apply_init(self, inputs, init=None):
        """One forward pass on ``inputs`` (so lazy layers learn their sizes), then ``init``
        on every submodule of ``self.net``."""
        self.forward(*inputs)
        if init is not None:
            for module in self.net.modules():
                init(module)


class DataModule(HyperParameters):
    """The base class of the book's data: ``train_dataloader()`` and ``val_dataloader()``
    both come from ``get_dataloader(train)``. ``root`` is where data files live."""

    def __init__(self, root="../data", num_workers=4):
        self.save_hyperparameters()

    def get_dataloader(self, train):
        raise NotImplementedError(f"{type(self).__name__} does not define get_dataloader")

    def train_dataloader(self):
        return self.get_dataloader(train=True)

    def val_dataloader(self):
        return self.get_dataloader(train=False)

    def get_tensorloader(self, tensors, train, indices=slice(0, None)):
        """A loader over rows ``indices`` of ``tensors``, shuffled for training."""
        return ArrayLoader([t[indices] for t in tensors], self.batch_size, shuffle=train,
                           name=f"{type(self).__name__}.get_tensorloader")


def _lazy_modules(model):
    return [m for m in model.modules() if getattr(m, "uninitialized", False)]


class Trainer(HyperParameters):
    """``fit(model, data)`` trains ``model`` for ``max_epochs`` epochs on ``data``.

    ``gradient_clip_val`` > 0 clips the gradients to that global L2 norm before each step.
    ``num_gpus`` (0 or 1) asks for the GPU; it is used when minigrad has one (CuPy and a GPU).
    """

    def __init__(self, max_epochs, num_gpus=0, gradient_clip_val=0):
        for name, value in (("max_epochs", max_epochs), ("num_gpus", num_gpus)):
            if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
                raise ValueError(f"Trainer: {name} must be an integer >= 0, got {value!r}")
        if (isinstance(gradient_clip_val, bool) or not isinstance(gradient_clip_val, numbers.Real)
                or not gradient_clip_val >= 0 or gradient_clip_val == float("inf")):
            raise ValueError(f"Trainer: gradient_clip_val must be a finite number >= 0 (0: no "
                             f"clipping), got {gradient_clip_val!r}")
        self.save_hyperparameters()
        self.gpus = [gpu(i) for i in range(min(num_gpus, _usable_gpus(num_gpus)))]

    def prepare_data(self, data):
        self.train_dataloader = data.train_dataloader()
        self.val_dataloader = data.val_dataloader()
        self.num_train_batches = len(self.train_dataloader)
        self.num_val_batches = (len(self.val_dataloader)
                                if self.val_dataloader is not None else 0)

    def prepare_batch(self, batch):
        """The batch on the training device."""
        if self.gpus:
            batch = [a.to(self.gpus[0]) for a in batch]
        return batch

    def prepare_model(self, model):
        model.trainer = self
        model.board.xlim = [0, self.max_epochs]
        if self.gpus:
            model.to(self.gpus[0])
        if _lazy_modules(model):    # lazy layers learn their sizes from one batch
            first = self.prepare_batch(next(iter(self.train_dataloader)))
            model.eval()            # no dropout draws, no batch-norm statistics
            with mg.no_grad():
                model(*first[:-1])
            model.train()
        self.model = model

    def fit(self, model, data):
        if not hasattr(data, "train_dataloader"):
            raise TypeError(f"Trainer.fit: data must be a DataModule (with train_dataloader() "
                            f"and val_dataloader()), got {type(data).__name__}")
        if not hasattr(model, "configure_optimizers"):
            raise TypeError(f"Trainer.fit: model must be a d2l Module (with training_step and "
                            f"configure_optimizers), got {type(model).__name__}")
        self.prepare_data(data)
        self.prepare_model(model)
        self.optim = model.configure_optimizers()
        self.epoch = 0
        self.train_batch_idx = 0
        self.val_batch_idx = 0
        for self.epoch in range(self.max_epochs):
            self.fit_epoch()
        model.board.close()     # in Jupyter the last drawing is shown already

    def fit_epoch(self):
        self.model.train()
        for batch in self.train_dataloader:
            loss = self.model.training_step(self.prepare_batch(batch))
            self.optim.zero_grad()
            loss.backward()
            if self.gradient_clip_val > 0:
                self.clip_gradients(self.gradient_clip_val, self.model)
            self.optim.step()
            self.train_batch_idx += 1
        if self.val_dataloader is None:
            return
        self.model.eval()
        for batch in self.val_dataloader:
            with mg.no_grad():
                self.model.validation_step(self.prepare_batch(batch))
            self.val_batch_idx += 1

    def clip_gradients(self, grad_clip_val, model):
        """Scale all gradients together so that their global L2 norm is at most
        ``grad_clip_val``."""
        params = [p for p in model.parameters() if p.requires_grad]
        mg.nn.utils.clip_grad_norm_(params, grad_clip_val)


def _usable_gpus(wanted):
    """How many GPUs minigrad can use, asked only when some are wanted (the question may
    load CuPy)."""
    return num_gpus() if wanted else 0
