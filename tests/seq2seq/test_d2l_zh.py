"""seq2seq.d2l_zh, the 0.17-style API, call by call with the book's arguments, against PyTorch
where torch has the same thing; then a short training run and a translation."""
import math
import os
from pathlib import Path

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from seq2seq import Seq2SeqAttentionDecoder, d2l_zh


def t(x):
    return torch.tensor(np.asarray(x))


host = mg.backend.to_numpy


# ---- sequence_mask and the masked loss ----------------------------------------------------

def test_sequence_mask_in_place_like_torch(rng):
    data = rng.standard_normal((3, 5)).astype(np.float32)
    lens = np.array([1, 5, 0])
    X = mg.Tensor(data)
    out = d2l_zh.sequence_mask(X, mg.Tensor(lens), value=-1.5)
    expected = t(data).clone()
    expected[~(torch.arange(5)[None, :] < t(lens)[:, None])] = -1.5
    assert out is X                                   # changed in place, as torch's X[~m] = v
    np.testing.assert_array_equal(X.numpy(), expected.numpy())
    # (B, T, D): whole feature rows are masked; lengths as a list
    X3 = mg.Tensor(np.ones((2, 3, 4), np.float32))
    d2l_zh.sequence_mask(X3, [2, 1])
    assert X3.numpy()[:, :, 0].tolist() == [[1, 1, 0], [1, 0, 0]]
    assert (X3.numpy().sum(axis=2) % 4 == 0).all()


def test_sequence_mask_of_a_tensor_that_needs_grad(rng):
    data = rng.standard_normal((4, 6))
    lens = np.array([2, 6, 1, 3])
    X = mg.Tensor(data, requires_grad=True)
    scores = X * 2.0
    out = d2l_zh.sequence_mask(scores, lens, value=-1e6)
    weights = rng.standard_normal((4, 6))
    (out.softmax(-1) * mg.Tensor(weights)).sum().backward()
    tx = t(data).float().requires_grad_()
    ts = tx * 2.0
    ts[~(torch.arange(6)[None, :] < t(lens)[:, None])] = -1e6
    (ts.softmax(-1) * t(weights).float()).sum().backward()
    assert out is scores                              # the node itself, re-pointed, as torch
    np.testing.assert_allclose(out.numpy(), ts.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(host(X.grad), tx.grad.numpy(), rtol=1e-4, atol=1e-6)


def test_sequence_mask_errors():
    with pytest.raises(ValueError, match="sequence_mask: expected 2 valid lengths"):
        d2l_zh.sequence_mask(mg.Tensor(np.ones((2, 4))), [1, 2, 3])
    with pytest.raises(ValueError, match="sequence_mask: X must have"):
        d2l_zh.sequence_mask(mg.Tensor(np.ones(4)), [1])


def torch_masked_ce(pred, label, valid_len):
    """The per-sequence loss the book trains with, in torch: token cross-entropy, zero at
    padding, averaged over all the steps of each sequence."""
    unweighted = torch.nn.functional.cross_entropy(pred.permute(0, 2, 1), label,
                                                   reduction="none")
    keep = (torch.arange(label.shape[1])[None, :] < valid_len[:, None]).float()
    return (unweighted * keep).mean(dim=1)


def test_masked_softmax_ce_loss_matches_torch(rng, float64):
    pred = rng.standard_normal((3, 4, 10))
    label = rng.integers(0, 10, (3, 4))
    valid_len = np.array([4, 2, 0])
    P = mg.Tensor(pred, requires_grad=True)
    loss = d2l_zh.MaskedSoftmaxCELoss()(P, mg.Tensor(label), mg.Tensor(valid_len))
    loss.sum().backward()
    tp = t(pred).requires_grad_()
    expected = torch_masked_ce(tp, t(label), t(valid_len))
    expected.sum().backward()
    assert loss.shape == (3,)
    np.testing.assert_allclose(loss.numpy(), expected.detach().numpy(), rtol=1e-10)
    np.testing.assert_allclose(host(P.grad), tp.grad.numpy(), rtol=1e-10, atol=1e-12)
    # the book's toy call: 3 sequences, 4 steps, 10 classes, lengths 4, 2, 0
    ones = d2l_zh.MaskedSoftmaxCELoss()(mg.Tensor(np.ones((3, 4, 10))),
                                        mg.Tensor(np.ones((3, 4), np.int64)), [4, 2, 0])
    np.testing.assert_allclose(ones.numpy(), [math.log(10), math.log(10) / 2, 0.0])


def test_masked_softmax_ce_loss_shape_error():
    with pytest.raises(ValueError, match="MaskedSoftmaxCELoss: expected pred"):
        d2l_zh.MaskedSoftmaxCELoss()(mg.Tensor(np.ones((2, 3, 4))),
                                     mg.Tensor(np.ones((2, 4), np.int64)), [1, 1])


# ---- the model classes under the book's signatures -----------------------------------------

def test_base_classes_say_what_is_missing():
    with pytest.raises(NotImplementedError, match="forward"):
        d2l_zh.Encoder()(mg.Tensor(np.ones((1, 2))))
    with pytest.raises(NotImplementedError, match="init_state"):
        d2l_zh.Decoder().init_state(None)
    with pytest.raises(NotImplementedError, match="attention_weights"):
        d2l_zh.AttentionDecoder().attention_weights


def test_seq2seq_encoder_book_arguments():
    encoder = d2l_zh.Seq2SeqEncoder(vocab_size=10, embed_size=8, num_hiddens=16, num_layers=2)
    encoder.eval()
    assert isinstance(encoder, d2l_zh.Encoder)
    outputs, state = encoder(mg.Tensor(np.zeros((4, 7), np.int64)))
    assert outputs.shape == (7, 4, 16) and state.shape == (2, 4, 16)


def test_encoder_decoder_returns_output_and_state():
    encoder = d2l_zh.Seq2SeqEncoder(10, 8, 16, 2)
    decoder = Seq2SeqAttentionDecoder(12, 8, 16, 2)
    net = d2l_zh.EncoderDecoder(encoder, decoder)
    X = mg.Tensor(np.ones((4, 7), np.int64))
    output, state = net(X, X, mg.Tensor(np.array([7, 3, 1, 5])))
    assert output.shape == (4, 7, 12)
    assert len(state) == 3 and state[0].shape == (4, 7, 16) and state[1].shape == (2, 4, 16)


def torch_multihead(num_hiddens, num_heads, sizes, bias):
    """torch's multi-head attention as the book builds it, for weights and outputs."""
    layers = {name: torch.nn.Linear(size, num_hiddens, bias=bias).double()
              for name, size in zip(("W_q", "W_k", "W_v"), sizes)}
    layers["W_o"] = torch.nn.Linear(num_hiddens, num_hiddens, bias=bias).double()

    def split(X):          # (B, n, h * p) -> (B * h, n, p)
        X = X.reshape(X.shape[0], X.shape[1], num_heads, -1).permute(0, 2, 1, 3)
        return X.reshape(-1, X.shape[2], X.shape[3])

    def forward(queries, keys, values, valid_lens):
        q, k, v = split(layers["W_q"](queries)), split(layers["W_k"](keys)), split(
            layers["W_v"](values))
        scores = q @ k.transpose(1, 2) / math.sqrt(q.shape[-1])
        lens = torch.repeat_interleave(valid_lens, num_heads, dim=0)
        keep = torch.arange(scores.shape[-1])[None, None, :] < lens[:, None, None]
        scores = scores.masked_fill(~keep, -1e6)
        out = torch.softmax(scores, -1) @ v          # (B * h, Q, p)
        out = out.reshape(-1, num_heads, out.shape[1], out.shape[2]).permute(0, 2, 1, 3)
        return layers["W_o"](out.reshape(out.shape[0], out.shape[1], -1))
    return layers, forward


@pytest.mark.parametrize("bias", [False, True])
def test_multihead_attention_in_the_book_argument_order(bias, float64):
    num_hiddens, num_heads = 100, 5
    attention = d2l_zh.MultiHeadAttention(num_hiddens, num_hiddens, num_hiddens, num_hiddens,
                                          num_heads, 0.5, bias)
    attention.eval()
    layers, forward = torch_multihead(num_hiddens, num_heads, (100, 100, 100), bias)
    attention.load_state_dict({f"{name}.{p}": v.detach().numpy()
                               for name, layer in layers.items()
                               for p, v in layer.state_dict().items()})
    X = np.random.default_rng(0).standard_normal((2, 4, num_hiddens))
    Y = np.random.default_rng(1).standard_normal((2, 6, num_hiddens))
    out = attention(mg.Tensor(X), mg.Tensor(Y), mg.Tensor(Y), mg.Tensor(np.array([3, 2])))
    with torch.no_grad():
        expected = forward(t(X), t(Y), t(Y), t([3, 2]))
    assert out.shape == (2, 4, 100)
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-10, atol=1e-12)
    assert attention.attention.attention_weights.shape == (10, 4, 6)


def test_multihead_attention_with_different_sizes_refuses_wrong_inputs():
    attention = d2l_zh.MultiHeadAttention(3, 5, 7, 8, 2, 0.0)
    out = attention(mg.Tensor(np.ones((2, 4, 5))), mg.Tensor(np.ones((2, 6, 3))),
                    mg.Tensor(np.ones((2, 6, 7))), None)
    assert out.shape == (2, 4, 8)
    with pytest.raises(ValueError, match="MultiHeadAttention"):
        attention(mg.Tensor(np.ones((2, 4, 3))), mg.Tensor(np.ones((2, 6, 3))),
                  mg.Tensor(np.ones((2, 6, 7))), None)


def test_transpose_qkv_and_back_match_torch(rng):
    X = rng.standard_normal((2, 3, 8))
    out = d2l_zh.transpose_qkv(mg.Tensor(X), 4)
    expected = t(X).reshape(2, 3, 4, 2).permute(0, 2, 1, 3).reshape(8, 3, 2)
    np.testing.assert_array_equal(out.numpy(), expected.numpy().astype(np.float32))
    np.testing.assert_array_equal(d2l_zh.transpose_output(out, 4).numpy(),
                                  X.astype(np.float32))


def test_attention_classes_take_the_book_arguments():
    additive = d2l_zh.AdditiveAttention(key_size=2, query_size=20, num_hiddens=8, dropout=0.1)
    additive.eval()
    values = mg.Tensor(np.tile(np.arange(40, dtype=np.float32).reshape(1, 10, 4), (2, 1, 1)))
    out = additive(mg.Tensor(np.ones((2, 1, 20))), mg.Tensor(np.ones((2, 10, 2))), values,
                   mg.Tensor(np.array([2, 6])))
    # equal keys score equally: the mean of the first 2 and of the first 6 value rows
    np.testing.assert_allclose(out.numpy()[:, 0], [[2, 3, 4, 5], [10, 11, 12, 13]], rtol=1e-5)
    dot = d2l_zh.DotProductAttention(dropout=0.5)
    dot.eval()
    out = dot(mg.Tensor(np.ones((2, 1, 2))), mg.Tensor(np.ones((2, 10, 2))), values,
              mg.Tensor(np.array([2, 6])))
    np.testing.assert_allclose(out.numpy()[:, 0], [[2, 3, 4, 5], [10, 11, 12, 13]], rtol=1e-5)
    weights = d2l_zh.masked_softmax(mg.Tensor(np.zeros((2, 2, 4))), mg.Tensor(np.array([2, 3])))
    np.testing.assert_allclose(weights.numpy()[1, 0], [1 / 3, 1 / 3, 1 / 3, 0], rtol=1e-6)
    encoding = d2l_zh.PositionalEncoding(32, 0)
    assert encoding(mg.Tensor(np.zeros((1, 60, 32)))).shape == (1, 60, 32)


# ---- initialisation, clipping, training and prediction -------------------------------------

def test_xavier_init_touches_linear_and_gru_weights_only():
    net = d2l_zh.EncoderDecoder(d2l_zh.Seq2SeqEncoder(10, 8, 16, 2),
                                Seq2SeqAttentionDecoder(12, 8, 16, 2))
    before = {k: v.copy() for k, v in net.state_dict().items()}
    d2l_zh.xavier_init_weights(net)
    after = net.state_dict()
    for name, value in after.items():
        changed = not np.array_equal(before[name], value)
        is_weight = name.endswith("weight") or ".weight_" in name
        assert changed == (is_weight and "embedding" not in name), name
        if changed:
            fan_out, fan_in = value.shape
            assert np.abs(value).max() <= math.sqrt(6 / (fan_in + fan_out))


def test_grad_clipping_like_the_book():
    layer = nn.Linear(3, 2)
    layer.weight.grad = mg.backend.asarray(np.full((2, 3), 2.0, np.float32))
    layer.bias.grad = mg.backend.asarray(np.full(2, 2.0, np.float32))

    def norm():
        return math.sqrt((host(layer.weight.grad) ** 2).sum() + (host(layer.bias.grad) ** 2).sum())
    d2l_zh.grad_clipping(layer, 1)                       # norm sqrt(8 * 4) > 1
    assert abs(norm() - 1) < 1e-5
    np.testing.assert_allclose(host(layer.weight.grad), 2.0 / math.sqrt(32), rtol=1e-5)
    d2l_zh.grad_clipping([layer.weight, layer.bias], 5)  # already below: unchanged
    assert abs(norm() - 1) < 1e-5


def test_accumulator_and_animator():
    acc = d2l_zh.Accumulator(2)
    acc.add(mg.Tensor(np.array(1.5)), 2)
    acc.add(0.5, np.int64(3))
    assert acc[0] == 2.0 and acc[1] == 5.0
    acc.reset()
    assert acc.data == [0.0, 0.0]
    animator = d2l_zh.Animator(xlabel="epoch", ylabel="loss", xlim=[1, 5])
    for epoch in range(1, 4):
        animator.add(epoch, (1.0 / epoch, mg.Tensor(np.array(2.0))))
    lines = animator.axes[0].get_lines()
    assert len(lines) == 2 and list(lines[0].get_xdata()) == [1, 2, 3]
    assert animator.axes[0].get_xlabel() == "epoch"
    d2l_zh.plt.close(animator.fig)


FRA_TXT = Path(os.environ.get("MINIGRAD_FRA_TXT") or Path(__file__).resolve().parents[2].parent
               / "shared" / "data" / "fra-eng" / "fra.txt")


@pytest.mark.numpy_only
def test_train_and_predict_on_a_few_hundred_pairs(capsys):
    if not FRA_TXT.is_file():
        pytest.skip(f"the fra-eng data {FRA_TXT} is not present (../shared/data/fra-eng/"
                    f"fra.txt from the repository root, or MINIGRAD_FRA_TXT)")
    train_iter, src_vocab, tgt_vocab = d2l_zh.load_data_nmt(64, 10, num_examples=200,
                                                            path=FRA_TXT)
    net = d2l_zh.EncoderDecoder(
        d2l_zh.Seq2SeqEncoder(len(src_vocab), 16, 16, 2, 0.1),
        Seq2SeqAttentionDecoder(len(tgt_vocab), 16, 16, 2, 0.1))
    loss = d2l_zh.MaskedSoftmaxCELoss()

    def mean_loss():
        net.eval()
        total = tokens = 0.0
        with mg.no_grad():
            for X, X_len, Y, Y_len in train_iter:
                bos = np.full((Y.shape[0], 1), tgt_vocab["<bos>"])
                dec = mg.Tensor(np.concatenate([bos, Y.numpy()[:, :-1]], 1))
                total += loss(net(X, dec, X_len)[0], Y, Y_len).sum().item()
                tokens += Y_len.numpy().sum()
        return total / tokens

    d2l_zh.train_seq2seq(net, train_iter, 0.005, 1, tgt_vocab, "cpu")
    first = mean_loss()
    d2l_zh.train_seq2seq(net, train_iter, 0.005, 10, tgt_vocab, "cpu")
    assert mean_loss() < 0.8 * first
    line = capsys.readouterr().out.strip().splitlines()[-1]
    assert line.startswith("loss ") and line.endswith("tokens/sec on cpu")
    translation, weights = d2l_zh.predict_seq2seq(net, "go .", src_vocab, tgt_vocab, 10, "cpu",
                                                  True)
    assert isinstance(translation, str) and len(translation.split()) <= 10
    assert len(weights) == len(translation.split()) + 1 or len(weights) == 10
    assert weights[0][0].shape == (1, 1, 10)             # one step: (B, queries, keys)
    plain, none = d2l_zh.predict_seq2seq(net, "go .", src_vocab, tgt_vocab, 10, "cpu")
    assert plain == translation and none == []
    assert 0.0 <= d2l_zh.bleu(translation, "va !", k=2) <= 1.0
    d2l_zh.plt.close("all")


def test_predict_cuts_a_long_source_to_num_steps():
    src_vocab = d2l_zh.Vocab([["a", "b"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    tgt_vocab = d2l_zh.Vocab([["x"]], reserved_tokens=["<pad>", "<bos>", "<eos>"])
    net = d2l_zh.EncoderDecoder(d2l_zh.Seq2SeqEncoder(len(src_vocab), 4, 4, 1),
                                Seq2SeqAttentionDecoder(len(tgt_vocab), 4, 4, 1))
    translation, weights = d2l_zh.predict_seq2seq(net, "a b a b a b", src_vocab, tgt_vocab, 3,
                                                  "cpu", True)
    assert len(translation.split()) <= 3 and weights[0][0].shape == (1, 1, 3)


def test_array_aliases():
    X = mg.Tensor(np.arange(6.0).reshape(2, 3))
    assert d2l_zh.reshape(X, (3, 2)).shape == (3, 2)
    np.testing.assert_array_equal(d2l_zh.numpy(X), np.arange(6.0).reshape(2, 3))
    assert d2l_zh.reduce_sum(X).item() == 15 and d2l_zh.reduce_mean(X).item() == 2.5
    assert d2l_zh.argmax(X, 1).numpy().tolist() == [2, 2]
    assert d2l_zh.transpose(X).shape == (3, 2)
    assert d2l_zh.size(X) == 6
    # the names d2l gives torch's functions are minigrad's torch-style ones
    assert d2l_zh.concat([X, X], 0).shape == (4, 3) and d2l_zh.ones((2, 3)).shape == (2, 3)
    assert d2l_zh.float32 == mg.float32 and d2l_zh.tensor([1, 2]).dtype.kind == "i"
    np.testing.assert_array_equal(d2l_zh.reshape(d2l_zh.eye(3), (1, 1, 3, 3)).numpy()[0, 0],
                                  np.eye(3))
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        d2l_zh.not_a_name


def test_train_and_predict_on_the_device_try_gpu_gives(tmp_path, capsys):
    """On the strict backend (CI's stand-in for the GPU) try_gpu() is 'cuda:0' and every
    tensor of training and prediction must stay there; on NumPy it is the CPU."""
    lines = [f"{a} {b} .\t{c} {b} !" for a, c in (("i", "je"), ("you", "tu"), ("we", "nous"))
             for b in ("run", "swim", "sing", "go")]
    (tmp_path / "fra.txt").write_text("\n".join(lines) * 3, encoding="utf-8")
    train_iter, src_vocab, tgt_vocab = d2l_zh.load_data_nmt(8, 5, path=tmp_path / "fra.txt")
    device = d2l_zh.try_gpu()
    net = d2l_zh.EncoderDecoder(d2l_zh.Seq2SeqEncoder(len(src_vocab), 8, 8, 1),
                                Seq2SeqAttentionDecoder(len(tgt_vocab), 8, 8, 1))
    d2l_zh.train_seq2seq(net, train_iter, 0.01, 2, tgt_vocab, device)
    assert capsys.readouterr().out.strip().endswith(f"tokens/sec on {device}")
    translation, weights = d2l_zh.predict_seq2seq(net, "you sing .", src_vocab, tgt_vocab, 5,
                                                  device, True)
    assert isinstance(translation, str) and weights[0][0].device == device
    d2l_zh.plt.close("all")
