"""The book's figures: ``plot``, ``set_figsize``, ``use_svg_display``, ``show_heatmaps`` and
the live ``ProgressBoard`` of the training loop, over matplotlib's pyplot.

Every figure is made with pyplot and left open, as the book's own helpers do. In Jupyter the
inline backend then shows it under the cell, once, at the cell's end; nothing needs a
``path``. A script (no kernel) can pass ``path="name.png"`` to write the figure to a file
instead, or call ``plt.savefig`` itself. Tensors are turned into host arrays before plotting,
so figures work on every backend.
"""
import os

import numpy

from matplotlib import pyplot as plt

from attention.heatmap_grid import in_notebook

__all__ = ["plt", "in_notebook", "use_svg_display", "set_figsize", "set_axes", "plot",
           "show_heatmaps", "ProgressBoard", "host"]


def use_svg_display():
    """Draw inline figures as SVG in Jupyter (sharper than PNG); elsewhere nothing to do."""
    if in_notebook():
        from matplotlib_inline import backend_inline
        backend_inline.set_matplotlib_formats("svg")


def set_figsize(figsize=(3.5, 2.5)):
    """The size, in inches, of the figures made from now on."""
    use_svg_display()
    plt.rcParams["figure.figsize"] = figsize


def host(x):
    """A host NumPy array (or a list of them) from a Tensor, an array, a list or a number,
    for matplotlib. Tensors on a device come to the host here, once."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):
        return x.detach().numpy()
    if hasattr(x, "numpy") and not isinstance(x, numpy.ndarray):
        return x.numpy()
    return x


def set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend):
    """Labels, limits, scales, legend and grid of one matplotlib Axes."""
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_xscale(xscale)
    axes.set_yscale(yscale)
    axes.set_xlim(xlim)
    axes.set_ylim(ylim)
    if legend:
        axes.legend(legend)
    axes.grid()


def _is_one_curve(X):
    """True when X is a single curve (a 1-D tensor or array, or a flat list of numbers)
    rather than a list or 2-D array of curves."""
    if hasattr(X, "ndim"):
        return X.ndim == 1
    return isinstance(X, list) and len(X) > 0 and not hasattr(X[0], "__len__")


def plot(X, Y=None, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
         xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), figsize=(3.5, 2.5),
         axes=None, path=None):
    """Plot one or several curves on one Axes, the book's way.

    ``X`` and ``Y`` are a curve each (1-D) or several (a list of curves, or a 2-D tensor whose
    rows are curves). With ``Y`` None, ``X`` holds the y values, plotted against their index.
    One x curve is shared by all y curves. ``fmts`` gives each curve's line format in turn.
    ``path`` writes the figure to that file as well (for scripts). Returns None, as the book's
    does: a returned figure would be shown twice in Jupyter (as the cell's value and inline).
    """
    legend = [] if legend is None else legend
    X = [host(x) for x in X] if isinstance(X, (list, tuple)) else host(X)
    Y = Y if Y is None else ([host(y) for y in Y] if isinstance(Y, (list, tuple)) else host(Y))
    if _is_one_curve(X):
        X = [X]
    if Y is None:
        X, Y = [[]] * len(X), X
    elif _is_one_curve(Y):
        Y = [Y]
    if len(X) != len(Y):
        X = list(X) * len(Y)
    set_figsize(figsize)
    if axes is None:
        # a notebook cell starts with no figure, so gca() makes one, as in the book; a script
        # keeps its figures open, so it gets a new one rather than drawing over the last
        axes = plt.gca() if in_notebook() else plt.figure(figsize=figsize).gca()
    for i, (x, y) in enumerate(zip(X, Y)):
        if len(x) and len(x) != len(y):   # matplotlib's error would name neither
            raise ValueError(f"plot: curve {i} has {len(x)} x values but {len(y)} y values")
    axes.cla()
    for x, y, fmt in zip(X, Y, fmts):
        if len(x):
            axes.plot(x, y, fmt)
        else:
            axes.plot(y, fmt)
    set_axes(axes, xlabel, ylabel, xlim, ylim, xscale, yscale, legend)
    if path is not None:
        _save(axes.figure, path, "plot")


def _save(fig, path, op):
    """Write ``fig`` to ``path``; an extension matplotlib cannot write is one clear error."""
    extension = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    supported = fig.canvas.get_supported_filetypes()
    if extension and extension not in supported:
        raise ValueError(f"{op}: cannot write {os.fspath(path)!r}: .{extension} is not an "
                         f"image format matplotlib writes (use one of "
                         f"{', '.join('.' + e for e in sorted(supported))})")
    fig.savefig(path)


def _column_titles(titles, num_cols):
    """The book gives one title per column (``titles[j]``); a shorter list titles the first
    columns only."""
    if titles is None:
        return None
    titles = list(titles)
    return [titles[j] if j < len(titles) else None for j in range(num_cols)]


def show_heatmaps(matrices, xlabel, ylabel, titles=None, figsize=(2.5, 2.5), cmap="Reds",
                  path=None):
    """A grid of heatmaps, the book's signature: ``matrices`` is (rows, cols, Q, K) (a Tensor
    or an array), one title per column, one colour bar for the grid.

    The figure is made with pyplot: Jupyter shows it under the cell. ``path`` also writes it
    to a file (for scripts). For tick labels, a shared colour scale and saving without pyplot,
    use ``attention.show_heatmaps``. Returns None, like ``plot``.
    """
    grid = numpy.asarray(host(matrices))
    if grid.ndim != 4:
        raise ValueError(f"show_heatmaps: matrices must be (rows, cols, queries, keys), got "
                         f"shape {grid.shape}; reshape a single matrix with "
                         f"reshape((1, 1, Q, K))")
    num_rows, num_cols = grid.shape[:2]
    titles = _column_titles(titles, num_cols)
    use_svg_display()
    fig, axes = plt.subplots(num_rows, num_cols, figsize=figsize, sharex=True, sharey=True,
                             squeeze=False)
    for i in range(num_rows):
        for j in range(num_cols):
            ax = axes[i, j]
            image = ax.imshow(grid[i, j], cmap=cmap)
            if i == num_rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
            if titles and titles[j] is not None:
                ax.set_title(titles[j])
    fig.colorbar(image, ax=axes, shrink=0.6)
    if path is not None:
        _save(fig, path, "show_heatmaps")


class ProgressBoard:
    """Curves that grow while a model trains (the book's training plot).

    ``draw(x, y, label, every_n)`` collects points per label and plots the mean of every
    ``every_n`` of them. In Jupyter the figure is redrawn in place under the cell; in a
    script nothing is shown while training, and the finished figure stays open (save it with
    ``board.fig.savefig(path)``, or set ``board.path`` to have it written after every
    update). ``display=False`` collects the points without drawing.
    """

    def __init__(self, xlabel=None, ylabel=None, xlim=None, ylim=None, xscale="linear",
                 yscale="linear", ls=("-", "--", "-.", ":"),
                 colors=("C0", "C1", "C2", "C3"), fig=None, axes=None, figsize=(3.5, 2.5),
                 display=True, path=None):
        self.xlabel, self.ylabel, self.xlim, self.ylim = xlabel, ylabel, xlim, ylim
        self.xscale, self.yscale, self.ls, self.colors = xscale, yscale, ls, colors
        self.fig, self.axes, self.figsize, self.display = fig, axes, figsize, display
        self.path = path
        self.raw_points, self.data = {}, {}    # label -> pending points, plotted points
        self._handle = None                    # the notebook's display handle

    def draw(self, x, y, label, every_n=1):
        """Add the point (x, y) to curve ``label``; plot once ``every_n`` points have come."""
        points = self.raw_points.setdefault(label, [])
        line = self.data.setdefault(label, [])
        points.append((float(x), float(host(y))))
        if len(points) < max(int(every_n), 1):
            return
        line.append((sum(p[0] for p in points) / len(points),
                     sum(p[1] for p in points) / len(points)))
        points.clear()
        if self.display:
            self._redraw()

    def _redraw(self):
        use_svg_display()
        if self.fig is None:
            self.fig = plt.figure(figsize=self.figsize)
        axes = self.axes if self.axes is not None else self.fig.gca()
        axes.cla()
        for (label, line), ls, color in zip(self.data.items(), self.ls, self.colors):
            axes.plot([p[0] for p in line], [p[1] for p in line], linestyle=ls, color=color,
                      label=label)
        if self.xlim:
            axes.set_xlim(self.xlim)
        if self.ylim:
            axes.set_ylim(self.ylim)
        axes.set_xlabel(self.xlabel)
        axes.set_ylabel(self.ylabel)
        axes.set_xscale(self.xscale)
        axes.set_yscale(self.yscale)
        axes.legend()
        if in_notebook():
            # one output area, updated in place: the figure shows once, not once per point
            from IPython import display
            if self._handle is None:
                self._handle = display.display(self.fig, display_id=True)
            else:
                self._handle.update(self.fig)
        if self.path is not None:
            self.fig.savefig(os.fspath(self.path))

    def close(self):
        """Close the figure in a notebook, where its last drawing is already shown (the inline
        backend would otherwise show it a second time at the end of the cell)."""
        if self.fig is not None and in_notebook():
            plt.close(self.fig)
