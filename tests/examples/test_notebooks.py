"""The examples open and run as notebooks, unedited, through a real Jupyter kernel (nbclient),
from a folder that is not the repository's; and every figure shows under its cell, once.

An example's ``# %%`` markers split it into notebook cells, as Jupyter and VS Code do when
they open it. A last notebook, written here, calls ``seq2seq.d2l``'s plots and trainer the way
the book's cells do and counts the figures they show.
"""
import os
import sys

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLES = os.path.join(REPO, "examples")

# example -> figures it shows (a few seconds each; CI has 2 cores)
NOTEBOOKS = {
    "d2l_11_1_queries_keys_values.py": 1,
    "d2l_11_2_attention_pooling.py": 4,
    "d2l_11_3_scoring_functions.py": 0,
    "d2l_11_6_self_attention_positional.py": 1,
}


def as_notebook(source):
    """A notebook of the script's ``# %%`` cells."""
    cells, current = [], []
    for line in source.splitlines():
        if line.startswith("# %%") and current:
            cells.append("\n".join(current))
            current = []
        current.append(line)
    cells.append("\n".join(current))
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in cells if cell.strip()]
    return notebook


def run(notebook, folder):
    """Execute in a fresh kernel whose working folder is ``folder``; the repository reaches the
    kernel through PYTHONPATH, as an editable install would give it."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([REPO] + sys.path),
               OPENBLAS_NUM_THREADS="1", MPLBACKEND="module://matplotlib_inline.backend_inline")
    env.pop("MINIGRAD_BACKEND", None)
    client = nbclient.NotebookClient(notebook, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(folder)}})
    client.execute(env=env)       # env reaches the kernel's process
    return notebook


def figures(notebook):
    """The images shown, cell by cell: how many outputs carry a PNG or an SVG."""
    return [sum(1 for out in cell.get("outputs", [])
                if out.get("output_type") in ("display_data", "execute_result")
                and ({"image/png", "image/svg+xml"} & set(out.get("data", {}))))
            for cell in notebook.cells]


@pytest.mark.numpy_only
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(NOTEBOOKS))
def test_example_runs_as_a_notebook(name, tmp_path):
    with open(os.path.join(EXAMPLES, name), encoding="utf-8") as f:
        notebook = run(as_notebook(f.read()), tmp_path)
    assert sum(figures(notebook)) == NOTEBOOKS[name], figures(notebook)
    assert not [out for cell in notebook.cells for out in cell.get("outputs", [])
                if out.get("output_type") == "error"]


BOOK_STYLE = [
    "import minigrad as torch\nfrom minigrad import nn\nfrom seq2seq import d2l",
    # a heatmap, then a plot of curves: one figure each
    "d2l.show_heatmaps(d2l.reshape(d2l.eye(5), (1, 1, 5, 5)), xlabel='Keys', ylabel='Queries')",
    "d2l.plot(d2l.arange(20), [d2l.sin(d2l.arange(20) / 3), d2l.cos(d2l.arange(20) / 3)],"
    " xlabel='x', legend=['sin', 'cos'])",
    # a trainer's live plot: redrawn in place while it trains, shown once
    "class Line(d2l.Module):\n"
    "    def __init__(self, lr):\n"
    "        super().__init__()\n"
    "        self.save_hyperparameters()\n"
    "        self.net = nn.LazyLinear(1)\n"
    "    def loss(self, y_hat, y):\n"
    "        return ((y_hat - y) ** 2).mean()\n"
    "class Points(d2l.DataModule):\n"
    "    def __init__(self, batch_size=8):\n"
    "        super().__init__()\n"
    "        self.save_hyperparameters()\n"
    "        self.X = d2l.randn(32, 2)\n"
    "        self.y = self.X.sum(1, keepdim=True)\n"
    "    def get_dataloader(self, train):\n"
    "        return self.get_tensorloader((self.X, self.y), train)\n"
    "d2l.Trainer(max_epochs=3).fit(Line(lr=0.1), Points())",
]


@pytest.mark.numpy_only
@pytest.mark.slow
def test_book_style_cells_show_each_figure_once(tmp_path):
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(cell) for cell in BOOK_STYLE]
    run(notebook, tmp_path)
    assert figures(notebook) == [0, 1, 1, 1]
