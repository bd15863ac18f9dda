"""AdditiveAttention with key_size or query_size None: the projection reads its input size from
the first keys or queries (d2l 1.0's LazyLinear), then computes exactly what the sized module
computes, gradients included; and save_figure writes what show_heatmaps draws."""
import numpy as np
import torch

import minigrad as mg
from attention import AdditiveAttention
from attention.heatmap_grid import save_figure, show_heatmaps
from attention_torch_reference import AdditiveAttention as TorchAdditive, assert_close


def test_lazy_additive_attention_matches_torch_with_gradients(rng):
    queries = rng.normal(size=(2, 3, 20)).astype(np.float32)
    keys = rng.normal(size=(2, 10, 2)).astype(np.float32)
    values = rng.normal(size=(2, 10, 4)).astype(np.float32)
    lens = np.array([2, 6])
    lazy = AdditiveAttention(None, None, 8)
    q, k, v = (mg.Tensor(a, requires_grad=True) for a in (queries, keys, values))
    out = lazy(q, k, v, lens)
    assert lazy.W_q.weight.shape == (8, 20) and lazy.W_k.weight.shape == (8, 2)
    theirs = TorchAdditive(2, 20, 8)
    theirs.load_state_dict({n: torch.from_numpy(a) for n, a in lazy.state_dict().items()})
    tq, tk, tv = (torch.tensor(a, requires_grad=True) for a in (queries, keys, values))
    expected = theirs(tq, tk, tv, torch.tensor(lens))
    assert_close(out, expected, "float32", "lazy AdditiveAttention output")
    out.sum().backward()
    expected.sum().backward()
    for mine, their in ((q, tq), (k, tk), (lazy.W_q.weight, theirs.W_q.weight)):
        assert_close(mg.Tensor(mine.grad), their.grad, "float32", "lazy AdditiveAttention grad")


def test_save_figure_writes_a_png_outside_notebooks(tmp_path):
    fig = show_heatmaps(np.eye(3), path=str(tmp_path / "a.png"))
    assert fig is not None                    # a script gets the figure back
    save_figure(fig, str(tmp_path / "b.png"))
    for name in ("a.png", "b.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
