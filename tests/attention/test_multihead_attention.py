"""MultiHeadAttention against a d2l-style PyTorch twin, gradchecks and error messages."""
import numpy as np
import pytest
import torch

import attention_torch_reference as ref
import minigrad as mg
from attention import MultiHeadAttention
from attention.multihead import repeat_valid_lens

B, Q, K, HIDDENS, HEADS = 2, 3, 4, 6, 3
LENS = {
    "none": None,
    "1d": np.array([2, 4]),
    "2d": np.array([[1, 4, 2], [0, 3, 4]]),       # includes a row with valid length 0
}


def build(bias=False, sizes=(None, None, None), num_hiddens=HIDDENS, num_heads=HEADS):
    """A minigrad module and its PyTorch twin with the same weights, in the default dtype."""
    key_size, query_size, value_size = sizes
    mine = MultiHeadAttention(num_hiddens, num_heads, bias=bias, key_size=key_size,
                              query_size=query_size, value_size=value_size)
    theirs = ref.MultiHeadAttention(num_hiddens, num_heads, bias=bias, key_size=key_size,
                                    query_size=query_size, value_size=value_size)
    theirs.to(torch.float64 if mg.get_default_dtype() == np.float64 else torch.float32)
    return mine, ref.load_weights(theirs, mine)


def run_both(mine, theirs, arrays, lens, my_lens, r, dtype):
    """Forward and backward through both; self-attention when ``arrays`` holds one array."""
    mg_inputs = [mg.Tensor(x, requires_grad=True) for x in arrays]
    torch_inputs = [torch.tensor(x, requires_grad=True) for x in arrays]
    mg_qkv = mg_inputs * 3 if len(arrays) == 1 else mg_inputs
    torch_qkv = torch_inputs * 3 if len(arrays) == 1 else torch_inputs
    out = mine(*mg_qkv, my_lens)
    (out * mg.Tensor(r)).sum().backward()
    t_out = theirs(*torch_qkv, None if lens is None else torch.from_numpy(lens))
    (t_out * torch.from_numpy(r)).sum().backward()

    num_keys = arrays[0].shape[1] if len(arrays) == 1 else arrays[1].shape[1]
    assert out.shape == (B, Q, HIDDENS)
    assert mine.attention_weights.shape == (B * HEADS, Q, num_keys)
    ref.assert_close(out, t_out, dtype, "output")
    ref.assert_close(mine.attention_weights, theirs.attention.attention_weights, dtype,
                     "weights")
    for i, (x, t) in enumerate(zip(mg_inputs, torch_inputs)):
        ref.assert_close(x.grad, t.grad, dtype, f"grad of input {i}")
    their_params = dict(theirs.named_parameters())
    assert sorted(their_params) == sorted(name for name, _ in mine.named_parameters())
    for name, param in mine.named_parameters():
        ref.assert_close(param.grad, their_params[name].grad, dtype, f"grad of {name}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lens", ["none", "1d", "2d", "2d_on_device"])
@pytest.mark.parametrize("bias", [False, True])
def test_cross_attention_matches_pytorch(bias, lens, dtype, rng):
    """Queries, keys and values of three different sizes."""
    mg.set_default_dtype(dtype)
    mine, theirs = build(bias, sizes=(5, 4, 7))
    arrays = [rng.standard_normal(shape).astype(dtype)
              for shape in ((B, Q, 4), (B, K, 5), (B, K, 7), (B, Q, HIDDENS))]
    host_lens = LENS[lens.replace("_on_device", "")]
    my_lens = mg.Tensor(host_lens) if lens == "2d_on_device" else host_lens
    run_both(mine, theirs, arrays[:3], host_lens, my_lens, arrays[3], dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lens", ["none", "1d_on_device", "2d"])
def test_self_attention_matches_pytorch(lens, dtype, rng):
    """q = k = v: one tensor used three times, its gradient the sum of three paths."""
    mg.set_default_dtype(dtype)
    mine, theirs = build()
    x, r = (rng.standard_normal((B, Q, HIDDENS)).astype(dtype) for _ in range(2))
    host_lens = {"none": None, "1d_on_device": np.array([1, 3]),
                 "2d": np.array([[1, 3, 2], [0, 2, 3]])}[lens]       # Q = K = 3 here
    my_lens = mg.Tensor(host_lens) if lens == "1d_on_device" else host_lens
    run_both(mine, theirs, [x], host_lens, my_lens, r, dtype)


def test_dropout_in_training_only_and_reproducible_under_manual_seed(rng):
    """Dropout acts on the weights in training (the same masks after the same seed); in eval
    mode the module is deterministic and matches the torch twin."""
    mine = MultiHeadAttention(HIDDENS, HEADS, dropout=0.5)
    theirs = ref.load_weights(ref.MultiHeadAttention(HIDDENS, HEADS, dropout=0.5), mine)
    x = rng.standard_normal((B, Q, HIDDENS)).astype(np.float32)
    lens = LENS["1d"][:, None].repeat(Q, 1).clip(max=Q)               # (B, Q), K = Q here
    mg.manual_seed(3)
    first = mine(*[mg.Tensor(x)] * 3, lens).numpy()
    second = mine(*[mg.Tensor(x)] * 3, lens).numpy()
    mg.manual_seed(3)
    np.testing.assert_array_equal(mine(*[mg.Tensor(x)] * 3, lens).numpy(), first)
    assert not np.array_equal(first, second)
    mine.eval()
    theirs.eval()
    t_out = theirs(*[torch.from_numpy(x)] * 3, torch.from_numpy(lens))
    ref.assert_close(mine(*[mg.Tensor(x)] * 3, lens), t_out, "float32", "eval output")
    assert not np.allclose(first, t_out.detach().numpy())            # training differed


@pytest.mark.parametrize("lens", ["none", "1d", "2d"])
def test_gradcheck(lens, float64, rng):
    mine, _ = build(bias=True, sizes=(3, 2, 5), num_hiddens=4, num_heads=2)
    tensors = [mg.Tensor(rng.standard_normal(shape), requires_grad=True)
               for shape in ((B, Q, 2), (B, K, 3), (B, K, 5))] + mine.parameters()
    assert mg.gradcheck(lambda q, k, v, *params: mine(q, k, v, LENS[lens]), tensors)


@pytest.mark.parametrize("lens", [np.array([2, 0, 5]), np.array([[1, 2], [3, 4], [5, 0]])])
def test_valid_lens_are_repeated_per_head_like_repeat_interleave(lens):
    expected = torch.repeat_interleave(torch.from_numpy(lens), 3, dim=0).numpy()
    host = repeat_valid_lens(lens, 3)
    device = repeat_valid_lens(mg.Tensor(lens), 3)
    assert isinstance(host, np.ndarray)           # host lengths stay on the host
    np.testing.assert_array_equal(host, expected)
    np.testing.assert_array_equal(mg.backend.to_numpy(device), expected)
    assert repeat_valid_lens(None, 3) is None


def test_heads_split_and_merge_are_inverse(rng):
    mine, _ = build()
    x = mg.Tensor(rng.standard_normal((B, Q, HIDDENS)))
    split = mine.transpose_qkv(x)
    assert split.shape == (B * HEADS, Q, HIDDENS // HEADS)
    # head i of example b holds columns i*p .. (i+1)*p of that example
    np.testing.assert_array_equal(split.numpy()[1 * HEADS + 2], x.numpy()[1, :, 4:6])
    np.testing.assert_array_equal(mine.transpose_output(split).numpy(), x.numpy())


@pytest.mark.parametrize("num_hiddens, num_heads", [(10, 4), (8, 0), (8, -2), (8, 2.0),
                                                    (8, 16)])
def test_num_hiddens_not_divisible_by_num_heads(num_hiddens, num_heads):
    with pytest.raises(ValueError, match=rf"MultiHeadAttention: num_hiddens \({num_hiddens}\) "
                                         rf"must split evenly into num_heads \({num_heads}\) "
                                         rf"heads; num_heads must be a positive integer"):
        MultiHeadAttention(num_hiddens, num_heads)


@pytest.mark.parametrize("sizes, lens, message", [
    (((B, Q, 5), (B, K, 6), (B, K, 6)), None,
     r"MultiHeadAttention: queries have 5 features, expected 6 \(query_size\)"),
    (((B, Q, 6), (B, K, 6), (B, K, 2)), None,
     r"MultiHeadAttention: values have 2 features, expected 6 \(value_size\)"),
    (((B, Q, 6), (3, K, 6), (3, K, 6)), None,
     r"MultiHeadAttention: .*one batch size B, got queries \(2, 3, 6\), keys \(3, 4, 6\)"),
    (((B, Q, 6), (B, K, 6), (B, 2, 6)), None,
     r"MultiHeadAttention: keys and values need one length K"),
    (((B, Q, 6), (B, K, 6), (B, K, 6)), np.array([[1, 2], [3, 4]]),
     r"MultiHeadAttention: valid_lens has shape \(2, 2\), expected \(2,\) or \(2, 3\)"),
    (((B, Q, 6), (B, K, 6), (B, K, 6)), np.array([1, 5]),
     r"MultiHeadAttention: valid_lens must lie in \[0, 4\] \(K = 4 keys\), got values from 1 "
     r"to 5 for queries \(2, 3, 6\), keys \(2, 4, 6\), values \(2, 4, 6\)"),
    (((B, Q, 6), (B, K, 6), (B, K, 6)), np.array([[1, 2, 3], [0, -1, 4]]),
     r"MultiHeadAttention: valid_lens must lie in \[0, 4\].*from -1 to 4"),
    (((B, Q, 6), (B, K, 6), (B, K, 6)), ("on device", np.array([[1, 2, 3], [0, 2, 5]])),
     # repeated per head (6 = B * h rows), then checked where they are read: by the inner
     # DotProductAttention when the backend's arrays are NumPy's, else by masked_softmax
     r"(DotProductAttention|masked_softmax): valid_lens must lie in \[0, 4\].*from 0 to 5.*"
     r"\(6, 3, (2|4)\)"),
    (((B, Q, 6), (B, 4, 6), (B, 4, 6)), ("on device", np.array([1, 2, 3])),
     r"MultiHeadAttention: valid_lens has shape \(3,\), expected \(2,\) or \(2, 3\)"),
])
def test_bad_input_is_reported_with_shapes(sizes, lens, message):
    mine, _ = build()
    if isinstance(lens, tuple):          # lengths already on the device, made on this backend
        if mg.backend.is_device() and "must lie in" in message:
            pytest.skip("on a device backend (CuPy, strict), lengths on the device are not "
                        "range-checked: the check would wait for the GPU")
        lens = mg.Tensor(lens[1])
    with pytest.raises(ValueError, match=message):
        mine(*[mg.Tensor(np.zeros(size)) for size in sizes], lens)
