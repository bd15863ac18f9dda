"""The book's small helpers for figures and timing, as the 0.17-style API names them.

``plot``, ``set_figsize``, ``set_axes``, ``use_svg_display``, ``Animator`` (a curve that grows
while a model trains), ``show_heatmaps`` (a grid of attention matrices), ``Timer``,
``Accumulator`` and ``try_gpu``. Figures are drawn through pyplot, so in Jupyter they show
inline (once, at the end of the cell, as in the book); in a script they stay open for
``plt.savefig``. matplotlib is imported on the first figure, not when this module is.
"""
import os
import sys
import time

import numpy

import minigrad as mg


def pyplot():
    """matplotlib.pyplot, with the Agg backend on a Linux machine without a display (unless
    a backend was chosen already)."""
    if ("matplotlib.pyplot" not in sys.modules and not os.environ.get("MPLBACKEND")
            and sys.platform.startswith("linux")
            and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
            and "ipykernel" not in sys.modules):
        import matplotlib
        matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    return plt


def use_svg_display():
    """In Jupyter, draw figures as SVG (sharper than PNG); elsewhere nothing to do."""
    if "ipykernel" not in sys.modules:
        return
    try:
        from matplotlib_inline import backend_inline
    except ImportError:         # an old IPython: figures stay PNG
        return
    backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """The size in inches of the figures drawn from now on."""
    use_svg_display()
    pyplot().rcParams["figure.figsize"] = figsize


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Labels, limits, scales, legend and a grid for one matplotlib Axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _host(x):
    """A Tensor (or anything array-like) as a host NumPy array; lists of numbers unchanged."""
    if isinstance(x, mg.Tensor):
        return x.detach().numpy()
    return x


def _is_one_curve(x):
    """True for one sequence of numbers (a 1-D array or a flat list), False for several."""
    if hasattr(x, "ndim"):
        return x.ndim == 1
    return isinstance(x, list) and not hasattr(x[0], "__len__")


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5),
         axes=None):
    """Plot one or several curves on ``axes`` (by default the current pyplot Axes).

    ``X`` and ``Y`` are each one curve or a list of curves (Tensors, arrays or lists). With
    ``Y`` None, ``X`` holds the y values, plotted against their index. One X given for several
    Ys is shared by all of them.
    """
    legend = [] if legend is None else legend
    set_figsize(figsize)
    axes = axes if axes else pyplot().gca()
    if _is_one_curve(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _is_one_curve(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = X * len(Y)
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(_host(x), _host(y), fmt)
        else:
            axes.plot(_host(y), fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)


class Animator:
    """A figure whose curves grow point by point: ``add(x, y)`` appends to each curve and
    redraws. In Jupyter the figure is redrawn in place in the cell's output."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), nrows=1,
                 ncols=1, figsize=(3.5, 2.5)):
        use_svg_display()
        self.fig, axes = pyplot().subplots(nrows, ncols, figsize=figsize)
        self.axes = [axes] if nrows * ncols == 1 else axes
        self.settings = (xlabel, ylabel, xlim, ylim, xscale, yscale,
                         [] if legend is None else legend)
        self.X, self.Y, self.fmts = None, None, fmts

    def config_axes(self):
        set_axes(self.axes[0], *self.settings)

    def add(self, x, y):
        """Append the point (x, y[i]) to curve i, for each i; ``x`` may be one number for all."""
        if not hasattr(y, "__len__"):
            y = [y]
        n = len(y)
        if not hasattr(x, "__len__"):
            x = [x] * n
        if not self.X:
            self.X = [[] for _ in range(n)]
        if not self.Y:
            self.Y = [[] for _ in range(n)]
        for i, (a, b) in enumerate(zip(x, y)):
            if a is not None and b is not None:
                self.X[i].append(a)
                self.Y[i].append(b)
        self.axes[0].cla()
        for xs, ys, fmt in zip(self.X, self.Y, self.fmts):
            self.axes[0].plot(xs, ys, fmt)
        self.config_axes()
        if "ipykernel" in sys.modules:
            from IPython import display
            display.display(self.fig)
            display.clear_output(wait=True)


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds"):
    """Heatmaps of a (rows, cols, Q, K) grid of matrices (a Tensor, an array or nested lists),
    one colour bar beside them; ``titles`` names the columns. Returns the Figure."""
    grid = numpy.asarray(_host(matrices), dtype=float) if not isinstance(matrices, list) \
        else numpy.asarray([[_host(m) for m in row] for row in matrices], dtype=float)
    if grid.ndim != 4:
        raise ValueError(f"show_heatmaps: expected matrices of shape (rows, cols, Q, K), got "
                         f"shape {grid.shape}")
    num_rows, num_cols = grid.shape[:2]
    if titles is not None and len(titles) < num_cols:
        raise ValueError(f"show_heatmaps: {len(titles)} titles for {num_cols} columns")
    use_svg_display()
    fig, axes = pyplot().subplots(num_rows, num_cols, figsize=figsize, sharex=True,
                                  sharey=True, squeeze=False)
    for i in range(num_rows):
        for j in range(num_cols):
            image = axes[i, j].imshow(grid[i, j], cmap=cmap)
            if i == num_rows - 1:
                axes[i, j].set_xlabel(xlabel)
            if j == 0:
                axes[i, j].set_ylabel(ylabel)
            if titles:
                axes[i, j].set_title(titles[j])
    fig.colorbar(image, ax=axes, shrink=0.6)
    return fig


class Timer:
    """Wall-clock intervals: ``start()``, ``stop()`` (records and returns the interval),
    ``avg()``, ``sum()``, ``cumsum()``. It starts when made."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        self.tik = time.time()

    def stop(self):
        self.times.append(time.time() - self.tik)
        return self.times[-1]

    def avg(self):
        return sum(self.times) / len(self.times)

    def sum(self):
        return sum(self.times)

    def cumsum(self):
        return numpy.cumsum(self.times).tolist()


class Accumulator:
    """n running sums: ``add(a, b, ...)`` adds to each (Tensors and numbers alike)."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [total + float(value) for total, value in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]


def try_gpu(i=0):
    """The GPU if minigrad can use one (CuPy and a CUDA device), else the CPU, as a
    ``minigrad.device``; a plain name ("cuda:0" / "cpu") where minigrad has no devices."""
    name = f"cuda:{i}" if _gpu_available() else "cpu"
    return mg.device(name) if hasattr(mg, "device") else name


def _gpu_available():
    """Whether the CuPy backend could start: minigrad.cuda.is_available() where the engine
    has it, else the backend's own check (which imports CuPy only when it is installed)."""
    cuda = getattr(mg, "cuda", None)
    if cuda is not None and hasattr(cuda, "is_available"):
        return bool(cuda.is_available())
    try:
        mg.backend._load_cupy()
    except mg.BackendError:
        return False
    return True
