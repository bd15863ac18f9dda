"""Attention weights as heatmaps: a grid of (queries x keys) matrices sharing one colour bar.

matplotlib is imported only when a heatmap is drawn. With ``path`` the figure is drawn on
matplotlib's Agg canvas and written as a PNG, without pyplot and without a display. Without
``path`` it is shown through pyplot; on a Linux machine with no display and no backend chosen
(no DISPLAY, WAYLAND_DISPLAY or MPLBACKEND) we pick Agg ourselves, and an interactive
session keeps whatever backend it has.

In a Jupyter notebook every figure shows under its cell, once, with or without ``path``:
pyplot's inline backend shows a figure made without ``path``, and ``save_figure`` shows one
written to a file.
"""
import os
import sys
import warnings

import numpy

from minigrad.files import atomic_write


def _host(matrix):
    """A host NumPy array from a minigrad Tensor, a NumPy array or nested lists."""
    return numpy.asarray(matrix.numpy() if hasattr(matrix, "numpy") else matrix,
                         dtype=numpy.float64)


def _as_grid(matrices):
    """The matrices as a (rows, cols, Q, K) array.

    Accepts one (Q, K) matrix, a row of them (n, Q, K), a grid (rows, cols, Q, K), or lists of
    matrices (a row) or lists of lists (a grid), each matrix a Tensor or an array.
    """
    if isinstance(matrices, (list, tuple)):
        if matrices and isinstance(matrices[0], (list, tuple)):
            grid = numpy.stack([numpy.stack([_host(m) for m in row]) for row in matrices])
        else:
            grid = numpy.stack([_host(m) for m in matrices])
    else:
        grid = _host(matrices)
    if grid.ndim == 2:
        grid = grid[None, None]
    elif grid.ndim == 3:
        grid = grid[None]
    if grid.ndim != 4:
        raise ValueError(f"show_heatmaps: expected a (Q, K) matrix, a row (n, Q, K) or a grid "
                         f"(rows, cols, Q, K) of matrices, got shape {grid.shape}")
    if grid.size == 0:
        raise ValueError(f"show_heatmaps: nothing to draw, the grid (rows, cols, Q, K) of "
                         f"matrices has shape {grid.shape}")
    return grid


def _title_grid(titles, rows, cols):
    """Titles as a list of ``rows`` lists of ``cols`` strings, from a flat list or from rows."""
    if titles is None:
        return None
    titles = list(titles)
    if all(isinstance(row, (list, tuple)) for row in titles):
        grid = [list(row) for row in titles]
    elif len(titles) == rows * cols:
        grid = [titles[i * cols:(i + 1) * cols] for i in range(rows)]
    else:
        grid = None
    if grid is None or len(grid) != rows or any(len(row) != cols for row in grid):
        raise ValueError(f"show_heatmaps: titles {titles!r} do not fit {rows} x {cols} panels; "
                         f"give {rows * cols} titles in row order, or {rows} rows of {cols}")
    return grid


def in_notebook():
    """True inside a Jupyter kernel (IPython with a kernel attached), where figures show
    inline; False in a plain script or a terminal IPython."""
    shell = sys.modules.get("IPython")
    if shell is None:
        return False
    ipython = shell.get_ipython()
    return ipython is not None and getattr(ipython, "kernel", None) is not None


def save_figure(fig, path=None, dpi=None):
    """Write a matplotlib Figure to ``path`` (atomically; PNG, or the image format its
    extension names, any other extension refused before writing), and in a notebook show it
    under the cell. A figure made without pyplot is not shown by the inline backend, so this
    is the one place it is shown: once."""
    if path is not None:
        with atomic_write(path, "wb") as f:
            fig.savefig(f, format=_image_format(fig, path), dpi=dpi)
    if in_notebook():
        import io
        from IPython.display import Image, display
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=dpi)
        display(Image(data=png.getvalue()))


def _choose_backend():
    """Agg on a Linux machine without a display, unless a backend is already set."""
    if "matplotlib.pyplot" in sys.modules or os.environ.get("MPLBACKEND"):
        return
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")):
        import matplotlib
        matplotlib.use("Agg")


def show_heatmaps(matrices, xlabel="Keys", ylabel="Queries", titles=None, x_ticks=None,
                  y_ticks=None, path=None, figsize=None, cmap="Reds", dpi=100,
                  colorbar_label="attention weight", suptitle=None):
    """Draw a grid of attention matrices (rows x cols, each Q x K); save it or show it.

    matrices: see ``_as_grid``; a Tensor (B * h, Q, K) of multi-head weights can be passed as
        ``weights.reshape(B, h, Q, K)``.
    titles: one per panel, as a flat list in row order or as rows of titles (or None).
    x_ticks, y_ticks: labels of the K keys and Q queries (tokens of a translation), or None
        for numbered axes.
    path: where to write a PNG (atomically); None shows the figure instead.
    figsize: (width, height) in inches; by default 2.5 inches per panel plus room for the
        colour bar. The PNG is exactly figsize * dpi pixels.
    colorbar_label: what the colours measure, written beside the colour bar.
    suptitle: a title over the whole grid (what is shown: which attention, averaged or not).
    All panels share one colour scale, so the single colour bar is true for each of them.
    Returns the matplotlib Figure; in a notebook, where the figure is shown already, None
    (a returned figure, the cell's value, would be shown a second time).
    """
    grid = _as_grid(matrices)
    rows, cols, num_queries, num_keys = grid.shape
    titles = _title_grid(titles, rows, cols)
    for name, ticks, size, axis in (("x_ticks", x_ticks, num_keys, "keys"),
                                    ("y_ticks", y_ticks, num_queries, "queries")):
        if ticks is not None and len(ticks) != size:
            raise ValueError(f"show_heatmaps: {name} has {len(ticks)} labels but the matrices "
                             f"{grid.shape[2:]} have {size} {axis}")
    if figsize is None:
        figsize = (2.5 * cols + 1.0, 2.5 * rows)

    if path is None:
        _choose_backend()
        from matplotlib import pyplot
        fig = pyplot.figure(figsize=figsize, dpi=dpi, layout="constrained")
    else:
        from matplotlib.figure import Figure
        fig = Figure(figsize=figsize, dpi=dpi, layout="constrained")

    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    vmin, vmax = grid.min(), grid.max()
    for i in range(rows):
        for j in range(cols):
            ax = axes[i, j]
            image = ax.imshow(grid[i, j], cmap=cmap, vmin=vmin, vmax=vmax, aspect="auto",
                              interpolation="nearest")
            if titles is not None:
                ax.set_title(titles[i][j])
            if i == rows - 1:
                ax.set_xlabel(xlabel)
            if j == 0:
                ax.set_ylabel(ylabel)
    # The axes are shared, so ticks set on one panel hold for all; only the outer panels
    # show their labels.
    if x_ticks is not None:
        axes[-1, 0].set_xticks(range(num_keys), labels=list(x_ticks))
        for ax in axes[-1]:
            ax.tick_params(axis="x", labelrotation=90)
    if y_ticks is not None:
        axes[-1, 0].set_yticks(range(num_queries), labels=list(y_ticks))
    fig.colorbar(image, ax=axes, shrink=0.6, label=colorbar_label)
    if suptitle is not None:
        fig.suptitle(suptitle)

    if path is not None:
        save_figure(fig, path, dpi)
    else:
        import matplotlib
        if matplotlib.get_backend().lower() == "agg":
            warnings.warn("show_heatmaps: no display to show the figure on (matplotlib "
                          "backend Agg); pass path='name.png' to save it", stacklevel=2)
        else:
            from matplotlib import pyplot
            pyplot.show()
    return None if in_notebook() else fig


def _image_format(fig, path):
    """The format a heatmap file's extension names (no extension: PNG), or a ValueError for
    an extension matplotlib cannot write, before anything is written."""
    extension = os.path.splitext(os.fspath(path))[1].lower().lstrip(".")
    if not extension:
        return "png"
    supported = fig.canvas.get_supported_filetypes()
    if extension not in supported:
        raise ValueError(f"show_heatmaps: cannot write {os.fspath(path)!r}: .{extension} is "
                         f"not an image format matplotlib writes (use one of "
                         f"{', '.join('.' + e for e in sorted(supported))})")
    return extension
