"""The three scorers and masked_softmax against d2l-style PyTorch twins, gradchecks, edge cases
and error messages."""
import numpy as np
import pytest
import torch

import attention_torch_reference as ref
import minigrad as mg
from minigrad.ops import checks
from attention import AdditiveAttention, DotProductAttention, GeneralAttention, masked_softmax

B, Q, K, DQ, DK, DV, H = 2, 3, 5, 4, 6, 3, 7
KINDS = ["additive", "dot", "general"]
LENS = {
    "none": None,
    "1d": np.array([2, 5]),
    "2d": np.array([[1, 3, 5], [0, 2, 4]]),      # includes a row with valid length 0
}


def key_size(kind):
    return DQ if kind == "dot" else DK           # dot products need equal sizes


def build(kind, dropout=0.0):
    """A minigrad module and its PyTorch twin with the same weights, in the default dtype."""
    dk = key_size(kind)
    if kind == "additive":
        mine, theirs = AdditiveAttention(dk, DQ, H, dropout), ref.AdditiveAttention(dk, DQ, H)
    elif kind == "dot":
        mine, theirs = DotProductAttention(dropout), ref.DotProductAttention()
    else:
        mine, theirs = GeneralAttention(dk, DQ, dropout), ref.GeneralAttention(dk, DQ)
    theirs.to(torch.float64 if mg.get_default_dtype() == np.float64 else torch.float32)
    return mine, ref.load_weights(theirs, mine)


def inputs(rng, kind, dtype, dv=DV):
    shapes = [(B, Q, DQ), (B, K, key_size(kind)), (B, K, dv), (B, Q, dv)]
    return [rng.standard_normal(shape).astype(dtype) for shape in shapes]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lens", ["none", "1d", "2d", "2d_on_device"])
@pytest.mark.parametrize("kind", KINDS)
def test_matches_pytorch(kind, lens, dtype, rng):
    mg.set_default_dtype(dtype)
    mine, theirs = build(kind)
    q, k, v, r = inputs(rng, kind, dtype)
    host_lens = LENS[lens.replace("_on_device", "")]
    my_lens = mg.Tensor(host_lens) if lens == "2d_on_device" else host_lens

    qm, km, vm = (mg.Tensor(x, requires_grad=True) for x in (q, k, v))
    out = mine(qm, km, vm, my_lens)
    (out * mg.Tensor(r)).sum().backward()
    qt, kt, vt = (torch.tensor(x, requires_grad=True) for x in (q, k, v))
    t_out = theirs(qt, kt, vt, None if host_lens is None else torch.from_numpy(host_lens))
    (t_out * torch.from_numpy(r)).sum().backward()

    assert out.shape == (B, Q, DV) and mine.attention_weights.shape == (B, Q, K)
    ref.assert_close(out, t_out, dtype, "output")
    ref.assert_close(mine.attention_weights, theirs.attention_weights, dtype, "weights")
    for name, mine_x, their_x in (("queries", qm, qt), ("keys", km, kt), ("values", vm, vt)):
        ref.assert_close(mine_x.grad, their_x.grad, dtype, f"grad of {name}")
    their_params = dict(theirs.named_parameters())
    assert sorted(their_params) == sorted(name for name, _ in mine.named_parameters())
    for name, param in mine.named_parameters():
        ref.assert_close(param.grad, their_params[name].grad, dtype, f"grad of {name}")


@pytest.mark.parametrize("lens", ["none", "1d", "2d"])
@pytest.mark.parametrize("kind", KINDS)
def test_gradcheck(kind, lens, float64, rng):
    mine, _ = build(kind)
    q, k, v, _ = inputs(rng, kind, "float64")
    tensors = [mg.Tensor(x, requires_grad=True) for x in (q, k, v)] + mine.parameters()
    assert mg.gradcheck(lambda q, k, v, *params: mine(q, k, v, LENS[lens]), tensors)


@pytest.mark.parametrize("kind", ["additive", "general"])
def test_projected_keys_give_the_same_result_and_gradients(kind, float64, rng):
    mine, _ = build(kind)
    q, k, v, r = inputs(rng, kind, "float64")
    results = []
    for precomputed in (False, True):
        mine.zero_grad()
        qm, km, vm = (mg.Tensor(x, requires_grad=True) for x in (q, k, v))
        if precomputed:   # keys are not read: pass None
            out = mine(qm, None, vm, LENS["1d"], projected_keys=mine.project_keys(km))
        else:
            out = mine(qm, km, vm, LENS["1d"])
        (out * mg.Tensor(r)).sum().backward()
        results.append([out.numpy(), qm.grad, km.grad, vm.grad]
                       + [p.grad for p in mine.parameters()])
    for plain, projected in zip(*results):
        np.testing.assert_allclose(mg.backend.to_numpy(projected), mg.backend.to_numpy(plain),
                                   rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_valid_length_zero_gives_uniform_weights_and_finite_gradients(kind, rng):
    mine, _ = build(kind)
    q, k, v, _ = inputs(rng, kind, "float32")
    qm, km, vm = (mg.Tensor(x, requires_grad=True) for x in (q, k, v))
    out = mine(qm, km, vm, np.array([0, 3]))
    out.sum().backward()
    weights = mine.attention_weights.numpy()
    np.testing.assert_allclose(weights[0], np.full((Q, K), 1 / K), rtol=1e-6)
    np.testing.assert_allclose(out.numpy()[0], np.tile(v[0].mean(axis=0), (Q, 1)), rtol=1e-5,
                               atol=1e-6)
    assert np.all(weights[1, :, 3:] == 0)
    for grad in [qm.grad, km.grad, vm.grad] + [p.grad for p in mine.parameters()]:
        assert np.all(np.isfinite(mg.backend.to_numpy(grad)))


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_acts_on_the_weights_after_they_are_stored(kind, rng):
    """With values = identity the output is the dropped-out weights themselves."""
    p = 0.5
    mine, _ = build(kind, dropout=p)
    q, k, _, _ = inputs(rng, kind, "float32")
    identity = np.tile(np.eye(K, dtype=np.float32), (B, 1, 1))          # (B, K, K)
    dropped = mine(mg.Tensor(q), mg.Tensor(k), mg.Tensor(identity), LENS["2d"]).numpy()
    weights = mine.attention_weights.numpy()
    np.testing.assert_allclose(weights.sum(axis=-1), 1, rtol=1e-6)   # stored before dropout
    kept = dropped != 0
    np.testing.assert_allclose(dropped[kept], weights[kept] / (1 - p), rtol=1e-6)
    assert 0 < kept[weights > 0].mean() < 1                           # some kept, some dropped

    mine.eval()
    plain = mine(mg.Tensor(q), mg.Tensor(k), mg.Tensor(identity), LENS["2d"]).numpy()
    np.testing.assert_allclose(plain, mine.attention_weights.numpy(), rtol=1e-6)


@pytest.mark.parametrize("kind", KINDS)
def test_dropout_is_reproducible_under_manual_seed(kind, rng):
    mine, _ = build(kind, dropout=0.5)
    q, k, v, _ = (mg.Tensor(x) for x in inputs(rng, kind, "float32"))
    mg.manual_seed(5)
    first = mine(q, k, v, LENS["1d"]).numpy()
    second = mine(q, k, v, LENS["1d"]).numpy()
    mg.manual_seed(5)
    np.testing.assert_array_equal(mine(q, k, v, LENS["1d"]).numpy(), first)
    assert not np.array_equal(first, second)                        # the stream moves on


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lens", ["none", "1d", "2d"])
def test_masked_softmax_matches_pytorch(lens, dtype, rng):
    assert masked_softmax is mg.ops.masked_softmax                    # a re-export, not a copy
    mg.set_default_dtype(dtype)
    x, r = rng.standard_normal((2, B, Q, K)).astype(dtype)
    xm, xt = mg.Tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out = masked_softmax(xm, LENS[lens])
    (out * mg.Tensor(r)).sum().backward()
    t_out = ref.masked_softmax(xt, None if LENS[lens] is None else torch.from_numpy(LENS[lens]))
    (t_out * torch.from_numpy(r)).sum().backward()
    ref.assert_close(out, t_out, dtype, "masked_softmax")
    ref.assert_close(xm.grad, xt.grad, dtype, "grad of masked_softmax")


# -------------------------------------------------------------------------- bad input

def shapes(q=(B, Q, DQ), k=(B, K, DK), v=(B, K, DV)):
    return q, k, v


BAD_INPUTS = [
    ("additive", shapes(q=(B, DQ)), None,
     r"AdditiveAttention: expected queries \(B, Q, dq\).*got queries \(2, 4\)"),
    ("additive", shapes(k=(3, K, DK), v=(3, K, DV)), None,
     r"AdditiveAttention: .*one batch size B, got queries \(2, 3, 4\), keys \(3, 5, 6\), "
     r"values \(3, 5, 3\)"),
    ("additive", shapes(v=(B, 4, DV)), None,
     r"AdditiveAttention: keys and values need one length K.*keys \(2, 5, 6\), "
     r"values \(2, 4, 3\)"),
    ("additive", shapes(q=(B, Q, 5)), None,
     r"AdditiveAttention: queries have 5 features, expected 4 \(query_size\)"),
    ("additive", shapes(k=(B, K, 7)), None,
     r"AdditiveAttention: keys have 7 features, expected 6 \(key_size\)"),
    ("general", shapes(k=(B, K, 7)), None,
     r"GeneralAttention: keys have 7 features, expected 6 \(key_size\)"),
    ("dot", shapes(), None,
     r"DotProductAttention: .*one feature size d.*queries \(2, 3, 4\) and keys \(2, 5, 6\)"),
    ("dot", shapes(k=(B, K, DQ), v=(1, K, DV)), None,
     r"DotProductAttention: .*one batch size B.*values \(1, 5, 3\)"),
    ("additive", shapes(), np.array([1, 2, 3]),
     r"AdditiveAttention: valid_lens has shape \(3,\), expected \(2,\) or \(2, 3\)"),
    ("general", shapes(), np.ones((B, K), dtype=int),
     r"GeneralAttention: valid_lens has shape \(2, 5\), expected \(2,\) or \(2, 3\)"),
    ("additive", shapes(), np.array([2, 6]),
     r"AdditiveAttention: valid_lens must lie in \[0, 5\] \(K = 5 keys\), got values from 2 "
     r"to 6 for queries \(2, 3, 4\), keys \(2, 5, 6\), values \(2, 5, 3\)"),
    ("general", shapes(), np.array([[-1, 2, 3], [1, 2, 3]]),
     r"GeneralAttention: valid_lens must lie in \[0, 5\].*from -1 to 3 for queries"),
    ("dot", shapes(k=(B, K, DQ)), [1, 6],
     r"DotProductAttention: valid_lens must lie in \[0, 5\].*from 1 to 6"),
    ("dot", shapes(k=(B, K, DQ)), np.array([[1, 2, 3], [4, 5, 6]]),
     r"DotProductAttention: valid_lens must lie in \[0, 5\].*from 1 to 6"),
]


@pytest.mark.parametrize("kind, sizes, lens, message", BAD_INPUTS)
def test_bad_input_is_reported_with_shapes(kind, sizes, lens, message):
    mine, _ = build(kind)
    with pytest.raises(ValueError, match=message):
        mine(*[mg.Tensor(np.zeros(size)) for size in sizes], lens)


@pytest.mark.parametrize("kind", KINDS)
def test_float_valid_lens_are_refused(kind):
    mine, _ = build(kind)
    q, k, v = (mg.Tensor(np.zeros(size)) for size in shapes(k=(B, K, key_size(kind))))
    with pytest.raises(TypeError, match=type(mine).__name__ + r": valid_lens must be integers, "
                                                            r"got dtype float64"):
        mine(q, k, v, np.array([1.0, 2.0]))


@pytest.mark.parametrize("bad, low, high", [([[1, 2, 3], [0, 2, 6]], 0, 6),
                                            ([[1, 2, 3], [0, -2, 5]], -2, 5)])
def test_device_valid_lens_out_of_range_are_reported_with_the_shapes(bad, low, high):
    """Lengths already on the backend are checked by masked_softmax on NumPy, where the check
    is free, and in readable mode, which reads them; on a device backend's fast path (CuPy,
    strict) the kernel checks them, with no sync, and the next read reports them."""
    mine, _ = build("dot")
    q, k, v = (mg.Tensor(np.zeros(size)) for size in shapes(k=(B, K, DQ)))
    if mg.backend.is_device() and not mg.is_readable():
        from minigrad.testing import counter
        with counter.counting() as counts:
            mine(q, k, v, mg.Tensor(np.array(bad)))
        assert counts.syncs == 0, dict(counts.sync_sites)
        value = high if high > 5 else low           # the kernel flags the bad length it met
        with pytest.raises(IndexError, match=rf"^masked_softmax: valid_lens contain {value}, "
                                             r"out of range \(allowed 0\.\.5\)"):
            checks.raise_pending()                  # what the next read of a NaN loss says
        return
    with pytest.raises(ValueError, match=rf"masked_softmax: valid_lens must lie in \[0, 5\] for "
                                         rf"5 keys, got values from {low} to {high} \(valid_lens "
                                         rf"\(2, 3\), scores \(2, 3, 5\)\)"):
        mine(q, k, v, mg.Tensor(np.array(bad)))


def test_projected_keys_of_the_wrong_size_are_reported():
    mine, _ = build("additive")
    q, k, v = (mg.Tensor(np.zeros(size)) for size in shapes())
    with pytest.raises(ValueError, match=r"AdditiveAttention: keys have 6 features, expected "
                                         r"7 \(num_hiddens, for projected_keys\)"):
        mine(q, None, v, projected_keys=k)
