"""Linear, Embedding, Dropout and LayerNorm modules: torch parity (outputs and every
gradient), weight transfer both ways, initialisation, and dropout's statistics."""
import math
import re

import numpy as np
import pytest

import minigrad as mg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_matches_torch(dtype, bias, rng, assert_close, from_torch):
    mg.set_default_dtype(dtype)
    ours, theirs = mg.nn.Linear(4, 3, bias=bias), torch.nn.Linear(4, 3, bias=bias)
    theirs = theirs.to(getattr(torch, dtype))
    from_torch(ours, theirs)
    data = rng.standard_normal((2, 5, 4)).astype(dtype)
    x, tx = mg.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    weights = rng.standard_normal((2, 5, 3)).astype(dtype)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, "output")
    (y * mg.Tensor(weights)).sum().backward()
    (ty * torch.from_numpy(weights)).sum().backward()
    assert_close(x.grad, tx.grad, "dx")
    assert_close(ours.weight.grad, theirs.weight.grad, "dweight")
    if bias:
        assert_close(ours.bias.grad, theirs.bias.grad, "dbias")
    else:
        assert ours.bias is None and [n for n, _ in ours.named_parameters()] == ["weight"]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_embedding_with_repeated_ids_matches_torch(dtype, rng, assert_close, from_torch):
    mg.set_default_dtype(dtype)
    ours = mg.nn.Embedding(6, 3)
    theirs = torch.nn.Embedding(6, 3).to(getattr(torch, dtype))
    from_torch(ours, theirs)
    ids = np.array([[0, 2, 2, 5], [2, 0, 1, 2]])            # 2 three times, 0 twice, 3 and 4 never
    weights = rng.standard_normal((2, 4, 3)).astype(dtype)
    y, ty = ours(ids), theirs(torch.from_numpy(ids))
    assert_close(y, ty, "output")
    (y * mg.Tensor(weights)).sum().backward()
    (ty * torch.from_numpy(weights)).sum().backward()
    assert_close(ours.weight.grad, theirs.weight.grad, "dweight")
    np.testing.assert_array_equal(mg.backend.to_numpy(ours.weight.grad)[[3, 4]], 0)  # unused ids


def test_weights_move_to_torch_and_back(rng, assert_close):
    for ours, theirs, make_input in [
            (mg.nn.Linear(4, 3), torch.nn.Linear(4, 3),
             lambda: rng.standard_normal((5, 4)).astype(np.float32)),
            (mg.nn.Embedding(7, 3), torch.nn.Embedding(7, 3), lambda: np.array([[1, 6, 1]]))]:
        theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
        data = make_input()
        assert_close(ours(mg.Tensor(data) if data.dtype.kind == "f" else data),
                     theirs(torch.from_numpy(data)), type(ours).__name__)
        back = type(ours)(*((4, 3) if isinstance(ours, mg.nn.Linear) else (7, 3)))
        back.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
        for name, value in back.state_dict().items():
            np.testing.assert_array_equal(value, ours.state_dict()[name])


def test_load_state_dict_copies():
    """Loaded weights are the module's own: changing them never writes into the source."""
    source = {"weight": np.ones((3, 4), np.float32), "bias": np.zeros(3, np.float32)}
    layer = mg.nn.Linear(4, 3).load_state_dict(source)
    layer.weight.data *= 2
    np.testing.assert_array_equal(source["weight"], 1)


@pytest.mark.numpy_only
def test_default_init_follows_torch():
    layer = mg.nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w = layer.weight.numpy()
    assert np.abs(w).max() <= bound and abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert np.abs(layer.bias.numpy()).max() <= bound
    e = mg.nn.Embedding(300, 400).weight.numpy()             # N(0, 1)
    assert abs(e.mean()) < 0.01 and abs(e.std() - 1) < 0.01


def test_dropout_preserves_the_mean_in_training():
    p, n = 0.3, 200_000
    x = mg.Tensor(np.ones(n), requires_grad=True)
    y = mg.nn.Dropout(p)(x)
    out = y.numpy()
    kept = out != 0
    # with n = 200000 the standard deviation of the kept fraction is 0.001 and of the mean
    # 0.0015; the bounds are 7 of those, and the seed is fixed
    assert abs(kept.mean() - (1 - p)) < 0.007
    assert abs(out.mean() - 1) < 0.01
    np.testing.assert_allclose(out[kept], 1 / (1 - p), rtol=1e-6)
    y.sum().backward()                                      # gradient: the same mask and scale
    np.testing.assert_array_equal(mg.backend.to_numpy(x.grad), out)


def test_dropout_is_identity_in_eval_and_reproducible_under_seed(rng):
    x = mg.Tensor(rng.standard_normal((50, 40)))
    layer = mg.nn.Dropout(0.5)
    mg.manual_seed(11)
    first = layer(x).numpy()
    mg.manual_seed(11)
    np.testing.assert_array_equal(layer(x).numpy(), first)
    assert not np.array_equal(layer(x).numpy(), first)      # the stream moves on
    layer.eval()
    np.testing.assert_array_equal(layer(x).numpy(), x.numpy())
    np.testing.assert_array_equal(mg.nn.Dropout(0.0)(x).numpy(), x.numpy())
    with pytest.raises(ValueError, match=r"Dropout: p must lie in \[0, 1\), got 1"):
        mg.nn.Dropout(1)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("normalized_shape", [5, (3, 5)])
def test_layer_norm_matches_torch(dtype, normalized_shape, rng, assert_close, from_torch):
    mg.set_default_dtype(dtype)
    ours = mg.nn.LayerNorm(normalized_shape)
    theirs = torch.nn.LayerNorm(normalized_shape).to(getattr(torch, dtype))
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    for name, param in ours.named_parameters():      # torch's start: ones and zeros
        assert_close(param, dict(theirs.named_parameters())[name], f"initial {name}")
    with torch.no_grad():                            # move away from the trivial start
        theirs.weight.add_(torch.from_numpy(rng.standard_normal(theirs.weight.shape).astype(dtype)))
        theirs.bias.add_(torch.from_numpy(rng.standard_normal(theirs.bias.shape).astype(dtype)))
    from_torch(ours, theirs)
    data = (rng.standard_normal((2, 3, 5)) * 3 + 1).astype(dtype)
    x, tx = mg.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = ours(x), theirs(tx)
    assert_close(y, ty, "output")
    weights = rng.standard_normal((2, 3, 5)).astype(dtype)
    (y * mg.Tensor(weights)).sum().backward()
    (ty * torch.from_numpy(weights)).sum().backward()
    assert_close(x.grad, tx.grad, "dx")
    assert_close(ours.weight.grad, theirs.weight.grad, "dweight")
    assert_close(ours.bias.grad, theirs.bias.grad, "dbias")


def test_layer_norm_without_affine_and_repr():
    norm = mg.nn.LayerNorm(4, eps=1e-3, elementwise_affine=False)
    assert norm.parameters() == []
    assert repr(norm) == "LayerNorm((4,), eps=0.001, elementwise_affine=False)"
    with pytest.raises(ValueError, match=r"layer_norm: normalized_shape \(4,\) must be the last "
                                         r"axes of the input, got input of shape \(2, 3\)"):
        norm(mg.Tensor(np.ones((2, 3))))


@pytest.mark.parametrize("normalized_shape", [0, -1, (), (3, -2), 2.5, "4"])
def test_layer_norm_refuses_a_shape_that_is_not_positive_sizes(normalized_shape):
    with pytest.raises(ValueError, match=r"LayerNorm: normalized_shape must be a positive "
                                         r"integer or a non-empty tuple of them .*, got "
                                         + re.escape(repr(normalized_shape))):
        mg.nn.LayerNorm(normalized_shape)


@pytest.mark.parametrize("make, message", [
    (lambda: mg.nn.Linear(3.5, 2), r"Linear: in_features must be an integer >= 0, got 3.5"),
    (lambda: mg.nn.Linear(3, -1), r"Linear: out_features must be an integer >= 0, got -1"),
    (lambda: mg.nn.Embedding(-1, 2), r"Embedding: num_embeddings must be an integer >= 0, "
                                     r"got -1"),
    (lambda: mg.nn.Embedding(5, 2.0), r"Embedding: embedding_dim must be an integer >= 0, "
                                      r"got 2.0"),
    (lambda: mg.nn.GRUCell(3, 0), r"GRUCell: hidden_size must be an integer >= 1, got 0"),
    (lambda: mg.nn.LSTMCell(-3, 4), r"LSTMCell: input_size must be an integer >= 0, got -3"),
    (lambda: mg.nn.GRU(3, 4.0), r"GRU: hidden_size must be an integer >= 1, got 4.0"),
    (lambda: mg.nn.LSTM(3, 4, 0), r"LSTM: num_layers must be an integer >= 1, got 0"),
    (lambda: mg.nn.GRU(None, 4), r"GRU: input_size must be an integer >= 0, got None"),
], ids=["linear-in", "linear-out", "embedding-num", "embedding-dim", "grucell-hidden",
        "lstmcell-input", "gru-hidden", "lstm-layers", "gru-input"])
def test_bad_layer_sizes_are_named(make, message):
    """These ended in NumPy's 'negative dimensions are not allowed', a float-to-int TypeError
    or a ZeroDivisionError (GRUCell with hidden_size 0)."""
    with pytest.raises(ValueError, match=message):
        make()
