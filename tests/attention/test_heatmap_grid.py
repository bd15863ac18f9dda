"""show_heatmaps writes a PNG of the requested size with something drawn on it."""
import os

import matplotlib
import matplotlib.image
import numpy as np
import pytest

import minigrad as mg
from attention import show_heatmaps

pytestmark = pytest.mark.numpy_only   # plotting is host-side code


def test_png_has_the_requested_size_and_is_not_blank(tmp_path, rng):
    weights = mg.Tensor(rng.random((2, 3, 4, 5))).softmax(-1)      # a 2 x 3 grid of 4 x 5
    path = tmp_path / "grid.png"
    show_heatmaps(weights, titles=[f"head {i}" for i in range(6)], path=path, figsize=(6, 4),
                  dpi=50, x_ticks=["le", "chat", "est", "noir", "."],
                  y_ticks=["the", "cat", "is", "black"])
    image = matplotlib.image.imread(path)
    assert image.shape[:2] == (4 * 50, 6 * 50)
    assert image[..., :3].var() > 0                                  # not one colour
    assert os.listdir(tmp_path) == ["grid.png"]                      # no temporary file left
    # the panels themselves are painted: with the Reds colour map, a good part of the picture
    # is clearly red, far more than in the same figure of all-equal weights (only the colour
    # bar is red there)
    show_heatmaps(np.full((2, 3, 4, 5), 0.2), path=tmp_path / "flat.png", figsize=(6, 4),
                  dpi=50)
    red = [_red_fraction(matplotlib.image.imread(tmp_path / name)) for name in ("grid.png",
                                                                              "flat.png")]
    assert red[0] > 0.2 and red[0] > 2 * red[1], red


def _red_fraction(image):
    """The share of pixels whose red channel clearly exceeds green and blue."""
    rgb = image[..., :3]
    return float(((rgb[..., 0] - np.maximum(rgb[..., 1], rgb[..., 2])) > 0.25).mean())


@pytest.mark.parametrize("matrices", [
    np.eye(3),                                      # one matrix
    [np.eye(3), np.ones((3, 3)) / 3],               # a row, as a list
    [[np.eye(3)], [np.eye(3)]],                     # a grid, as lists of lists
])
def test_accepts_one_matrix_a_row_or_a_grid(matrices, tmp_path):
    path = tmp_path / "one.png"
    panels = np.asarray(matrices).reshape(-1, 3, 3).shape[0]
    figure = show_heatmaps(matrices, path=path, figsize=(3, 2), dpi=40,
                           titles=[f"panel {i}" for i in range(panels)])
    assert matplotlib.image.imread(path).shape[:2] == (80, 120)
    assert len(figure.axes) == panels + 1                                  # + the colour bar
    assert [ax.get_title() for ax in figure.axes[:panels]] == [f"panel {i}" for i in range(panels)]


def test_titles_may_come_as_rows(tmp_path):
    figure = show_heatmaps(np.zeros((2, 2, 3, 3)), titles=[["a", "b"], ["c", "d"]],
                           path=tmp_path / "rows.png", figsize=(3, 3), dpi=30)
    assert [ax.get_title() for ax in figure.axes[:4]] == ["a", "b", "c", "d"]


@pytest.mark.parametrize("kwargs, message", [
    ({"x_ticks": ["a", "b"]}, r"x_ticks has 2 labels but the matrices \(4, 5\) have 5 keys"),
    ({"y_ticks": ["a"]}, r"y_ticks has 1 labels but the matrices \(4, 5\) have 4 queries"),
    ({"titles": ["a"]}, r"titles \['a'\] do not fit 1 x 2 panels"),
    ({"titles": [["a"], ["b"]]}, r"titles \[\['a'\], \['b'\]\] do not fit 1 x 2 panels"),
])
def test_bad_labels_are_reported(kwargs, message, tmp_path):
    with pytest.raises(ValueError, match="show_heatmaps: " + message):
        show_heatmaps(np.zeros((2, 4, 5)), path=tmp_path / "x.png", **kwargs)
    assert not os.listdir(tmp_path)


def test_bad_dimensions_are_reported():
    with pytest.raises(ValueError, match=r"show_heatmaps: expected a \(Q, K\) matrix.*got shape "
                                         r"\(1, 2, 3, 4, 5\)"):
        show_heatmaps(np.zeros((1, 2, 3, 4, 5)), path="never-written.png")


@pytest.mark.parametrize("shape", [(0, 3, 3), (2, 0, 3), (1, 2, 3, 0)])
def test_an_empty_grid_is_reported(shape, tmp_path):
    with pytest.raises(ValueError, match=r"show_heatmaps: nothing to draw, the grid \(rows, "
                                         r"cols, Q, K\) of matrices has shape"):
        show_heatmaps(np.zeros(shape), path=tmp_path / "empty.png")
    assert not os.listdir(tmp_path)


def test_without_a_path_and_without_a_display_it_warns(monkeypatch):
    from matplotlib import pyplot
    monkeypatch.setattr(matplotlib, "get_backend", lambda: "agg")
    with pytest.warns(UserWarning, match="no display.*pass path="):
        figure = show_heatmaps(np.eye(2))
    pyplot.close(figure)


def test_titles_and_the_colour_bar_say_what_is_shown(tmp_path):
    fig = show_heatmaps(np.eye(3)[None, None], titles=["block 1, head 1"],
                        suptitle="encoder self-attention", path=tmp_path / "a.png")
    panel, colour_bar = fig.axes
    assert panel.get_title() == "block 1, head 1"
    assert fig._suptitle.get_text() == "encoder self-attention"
    assert colour_bar.get_ylabel() == "attention weight"
    fig = show_heatmaps(np.eye(3)[None, None], colorbar_label="kernel value",
                        path=tmp_path / "b.png")
    assert fig.axes[1].get_ylabel() == "kernel value"
