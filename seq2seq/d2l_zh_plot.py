"""The two 0.17-style helpers that d2l 1.0 dropped: ``Animator`` (a curve that grows while a
model trains) and ``Accumulator`` (running sums). The other figures and the timer are the
shared ones of ``seq2seq.book``.
"""
import numbers

from seq2seq.book.plots import in_notebook, plt, set_axes, use_svg_display


def _number(value):
    """A Python float from a number, a NumPy scalar or a one-element Tensor."""
    return float(value.item()) if hasattr(value, "item") else float(value)


class Animator:
    """A figure whose curves grow point by point: ``add(x, y)`` appends to each curve and
    redraws. In Jupyter the drawing is replaced in place, and the finished figure shows once
    at the end of the cell; in a script the figure stays open (``animator.fig.savefig``)."""

    def __init__(self, xlabel=None, ylabel=None, legend=None, xlim=None, ylim=None,
                 xscale="linear", yscale="linear", fmts=("-", "m--", "g-.", "r:"), nrows=1,
                 ncols=1, figsize=(3.5, 2.5)):
        for name, limits in (("xlim", xlim), ("ylim", ylim)):
            if limits is not None and (not hasattr(limits, "__len__") or len(limits) != 2
                                       or not all(isinstance(v, numbers.Real) for v in limits)):
                raise ValueError(f"Animator: {name} must be None or two numbers [low, high], "
                                 f"got {limits!r}")
        use_svg_display()
        self.fig, axes = plt.subplots(nrows, ncols, figsize=figsize)
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
                self.Y[i].append(_number(b))
        self.axes[0].cla()
        for xs, ys, fmt in zip(self.X, self.Y, self.fmts):
            self.axes[0].plot(xs, ys, fmt)
        self.config_axes()
        if in_notebook():
            # shown now, cleared when the next output comes: the cell's output holds the
            # latest drawing only, and the inline backend shows the final one at the end
            from IPython import display
            display.display(self.fig)
            display.clear_output(wait=True)


class Accumulator:
    """n running sums: ``add(a, b, ...)`` adds float(a) to the first, float(b) to the
    second, ... (Tensors and numbers alike); ``acc[i]`` reads sum i."""

    def __init__(self, n):
        self.data = [0.0] * n

    def add(self, *args):
        self.data = [total + _number(value) for total, value in zip(self.data, args)]

    def reset(self):
        self.data = [0.0] * len(self.data)

    def __getitem__(self, idx):
        return self.data[idx]
