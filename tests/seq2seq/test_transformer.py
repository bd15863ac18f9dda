"""The Transformer's blocks, encoder and decoder against a d2l-style PyTorch twin with copied
weights (outputs and every gradient, float64 and float32, with padding masks), and the decoder's
step-by-step decoding against its own teacher-forced forward pass."""
import numpy as np
import pytest
import torch

import minigrad as mg
from seq2seq.decoding import beam_search, greedy_decode
from seq2seq.translation_heatmaps import transformer_attention
from seq2seq.models import build_model, masked_cross_entropy
from seq2seq.transformer import (AddNorm, PositionWiseFFN, TransformerDecoder,
                                 TransformerDecoderBlock, TransformerEncoder,
                                 TransformerEncoderBlock, causal_valid_lens)
import seq2seq_torch_reference as seq2seq_ref
import transformer_torch_reference as ref

H, FFN, HEADS, BLKS = 8, 12, 2, 2
SRC_VOCAB, TGT_VOCAB = 11, 9
TOLERANCE = {"float64": 1e-10, "float32": 1e-5}
ENC_LENS = np.array([5, 2, 4])               # padding in two of the three sources


def torch_dtype(dtype):
    return torch.float64 if dtype == "float64" else torch.float32


def copied(theirs, mine, dtype):
    """The torch twin in ``dtype`` with minigrad's weights (same names, same layouts)."""
    theirs = theirs.to(torch_dtype(dtype))
    assert list(theirs.state_dict()) == list(mine.state_dict())
    theirs.load_state_dict({name: torch.from_numpy(array)
                            for name, array in mine.state_dict().items()})
    return theirs


def check_close(mine, theirs, dtype, what):
    mine = mine.numpy() if isinstance(mine, mg.Tensor) else mg.backend.to_numpy(mine)
    theirs = theirs.detach().numpy()
    assert mine.shape == theirs.shape, f"{what}: shape {mine.shape} vs {theirs.shape}"
    assert mine.dtype == theirs.dtype, f"{what}: dtype {mine.dtype} vs {theirs.dtype}"
    scale = max(1.0, float(np.abs(theirs).max()))
    error = float(np.abs(mine - theirs).max())
    assert error <= TOLERANCE[dtype] * scale, f"{what}: max error {error:.3g}"


def check_gradients(mine, theirs, dtype):
    """Every parameter's gradient, by name (all of them must have one)."""
    their_params = dict(theirs.named_parameters())
    for name, param in mine.named_parameters():
        assert their_params[name].grad is not None, f"{name}: torch has no gradient"
        check_close(param.grad, their_params[name].grad, dtype, f"gradient of {name}")


def backward_both(out, t_out, rng):
    """The same random upstream gradient through both outputs."""
    upstream = rng.standard_normal(out.shape).astype(out.dtype)
    (out * mg.Tensor(upstream)).sum().backward()
    (t_out * torch.from_numpy(upstream)).sum().backward()


def twin_inputs(rng, shape, dtype):
    data = rng.standard_normal(shape).astype(dtype)
    return mg.Tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)


# ----------------------------------------------------------------------------- the blocks

@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_ffn_and_addnorm_match_torch(dtype, rng):
    mg.set_default_dtype(dtype)
    ffn, addnorm = PositionWiseFFN(FFN, H, ffn_num_inputs=H), AddNorm(H, 0.0)
    t_ffn, t_addnorm = copied(ref.PositionWiseFFN(FFN, H), ffn, dtype), copied(
        ref.AddNorm(H, 0.0), addnorm, dtype)
    (x, tx), (y, ty) = twin_inputs(rng, (3, 4, H), dtype), twin_inputs(rng, (3, 4, H), dtype)
    out, t_out = addnorm(x, ffn(y)), t_addnorm(tx, t_ffn(ty))
    check_close(out, t_out, dtype, "output")
    backward_both(out, t_out, rng)
    check_close(x.grad, tx.grad, dtype, "dX")
    check_close(y.grad, ty.grad, dtype, "dY")
    check_gradients(ffn, t_ffn, dtype)
    check_gradients(addnorm, t_addnorm, dtype)


def test_ffn_reads_its_input_size_lazily_as_in_d2l():
    """d2l's PositionWiseFFN(4, 8) on ones((2, 3, 4)) gives (2, 3, 8): dense1 is lazy."""
    ffn = PositionWiseFFN(4, 8)
    assert ffn(mg.Tensor(np.ones((2, 3, 4)))).shape == (2, 3, 8)
    assert [p.shape for p in ffn.parameters()] == [(4, 4), (4,), (8, 4), (8,)]
    assert PositionWiseFFN(FFN, H, ffn_num_inputs=3).dense1.weight.shape == (FFN, 3)
    assert TransformerEncoderBlock(H, FFN, 2, 0.0).ffn.dense1.weight.shape == (FFN, H)


def test_a_lazy_ffn_trains_with_an_optimizer_built_first_and_refuses_state_dict_before():
    """As torch: the lazy weight exists (empty) from construction, so an optimizer built before
    the first forward updates it; state_dict and load_state_dict wait for the sizes."""
    ffn = PositionWiseFFN(4, 8)
    optimizer = mg.optim.Adam(ffn.parameters(), lr=0.1)
    message = r"LazyLinear dense1 has no parameters yet.*run one forward pass"
    with pytest.raises(RuntimeError, match=message):
        ffn.state_dict()
    with pytest.raises(RuntimeError, match=message):
        ffn.load_state_dict({})
    x = mg.Tensor(np.ones((1, 2, 4)))
    ffn(x).sum().backward()                          # materialized by the first forward
    before = ffn.dense1.weight.numpy().copy()
    optimizer.step()
    assert ffn.dense1.weight.shape == (4, 4) and not np.allclose(ffn.dense1.weight.numpy(), before)
    state = {name: value * 0 for name, value in ffn.state_dict().items()}
    ffn.load_state_dict(state)
    assert float(ffn(x).sum().item()) == 0.0


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("lens", [None, "padding"])
def test_encoder_block_matches_torch(dtype, lens, rng):
    mg.set_default_dtype(dtype)
    blk = TransformerEncoderBlock(H, FFN, HEADS, 0.0)
    t_blk = copied(ref.TransformerEncoderBlock(H, FFN, HEADS, 0.0), blk, dtype)
    x, tx = twin_inputs(rng, (3, 5, H), dtype)
    valid_lens = None if lens is None else ENC_LENS
    out = blk(x, valid_lens)
    t_out = t_blk(tx, None if lens is None else torch.from_numpy(ENC_LENS))
    check_close(out, t_out, dtype, "output")
    backward_both(out, t_out, rng)
    check_close(x.grad, tx.grad, dtype, "dX")
    check_gradients(blk, t_blk, dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_decoder_block_with_a_cache_matches_torch(dtype, rng):
    """A block fed 3 new steps after 2 cached ones: the causal mask starts at 2 + 1."""
    mg.set_default_dtype(dtype)
    blk = TransformerDecoderBlock(H, FFN, HEADS, 0.0, 0)
    t_blk = copied(ref.TransformerDecoderBlock(H, FFN, HEADS, 0.0, 0), blk, dtype)
    (x, tx), (enc, t_enc) = twin_inputs(rng, (3, 3, H), dtype), twin_inputs(rng, (3, 5, H),
                                                                              dtype)
    cache, t_cache = twin_inputs(rng, (3, 2, H), dtype)
    out, state = blk(x, (enc, ENC_LENS, [cache]))
    t_out, t_state = t_blk(tx, (t_enc, torch.from_numpy(ENC_LENS), [t_cache]))
    check_close(out, t_out, dtype, "output")
    check_close(state[2][0], t_state[2][0], dtype, "the new cache")
    assert state[2][0].shape == (3, 5, H)
    backward_both(out, t_out, rng)
    for name, ours, theirs in (("dX", x, tx), ("d enc_outputs", enc, t_enc),
                               ("d cache", cache, t_cache)):
        check_close(ours.grad, theirs.grad, dtype, name)
    check_gradients(blk, t_blk, dtype)


def test_decoder_block_gradcheck(float64, rng):
    """Finite differences through a whole decoder block: its input, the cache and the
    encoder's outputs (the parameters' gradients are held to PyTorch's above)."""
    blk = TransformerDecoderBlock(H, FFN, HEADS, 0.0, 0)
    inputs = [mg.Tensor(rng.standard_normal(shape), requires_grad=True)
              for shape in ((2, 3, H), (2, 2, H), (2, 4, H))]

    def block(x, cache, enc):
        return blk(x, (enc, np.array([4, 2]), [cache]))[0]
    assert mg.gradcheck(block, inputs)


def test_causal_valid_lens():
    np.testing.assert_array_equal(causal_valid_lens(2, 3, 0), [[1, 2, 3], [1, 2, 3]])
    np.testing.assert_array_equal(causal_valid_lens(1, 2, 4), [[5, 6]])


# ----------------------------------------------------------------------------- the whole model

def model_and_twin(dtype, dropout=0.0):
    mg.set_default_dtype(dtype)
    model = build_model(SRC_VOCAB, TGT_VOCAB, model="transformer", num_hiddens=H,
                        ffn_num_hiddens=FFN, num_heads=HEADS, num_blks=BLKS, dropout=dropout)
    theirs = ref.build(SRC_VOCAB, TGT_VOCAB, H, FFN, HEADS, BLKS, dropout)
    return model, copied(theirs, model, dtype)


def batch(rng):
    src = rng.integers(4, SRC_VOCAB, (3, 5))
    src[1, 2:], src[2, 4:] = 1, 1                     # <pad> beyond the valid lengths
    tgt = rng.integers(4, TGT_VOCAB, (3, 4))
    tgt[:, 0] = 2                                     # <bos>
    return src, tgt


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_model_logits_loss_and_every_gradient_match_torch(dtype, rng):
    model, theirs = model_and_twin(dtype)
    src, tgt = batch(rng)
    logits = model(src, tgt, ENC_LENS)
    t_logits = theirs(torch.from_numpy(src), torch.from_numpy(tgt), torch.from_numpy(ENC_LENS))
    assert logits.shape == (3, 4, TGT_VOCAB)
    check_close(logits, t_logits, dtype, "logits")
    labels, label_lens = rng.integers(0, TGT_VOCAB, (3, 4)), np.array([4, 2, 3])
    loss = masked_cross_entropy(logits, labels, label_lens)
    t_loss = seq2seq_ref.masked_cross_entropy(t_logits, torch.from_numpy(labels),
                                              torch.from_numpy(label_lens))
    check_close(loss, t_loss, dtype, "loss")
    loss.backward()
    t_loss.backward()
    check_gradients(model, theirs, dtype)


def test_state_dict_names_follow_d2l_and_torch():
    model, _ = model_and_twin("float32")
    names = list(model.state_dict())
    assert "encoder.blks.1.attention.W_q.weight" in names
    assert "decoder.blks.0.attention2.W_o.weight" in names
    assert "decoder.blks.1.addnorm3.ln.bias" in names and "decoder.dense.bias" in names
    assert model.num_parameters() == sum(p.numel() for p in ref.build(
        SRC_VOCAB, TGT_VOCAB, H, FFN, HEADS, BLKS).parameters())


def test_padding_does_not_leak_into_the_outputs(rng):
    """Changing source tokens beyond the valid lengths changes no logit; changing a target
    token changes no logit of an earlier step (the causal mask)."""
    model, _ = model_and_twin("float64")
    src, tgt = batch(rng)
    logits = model(src, tgt, ENC_LENS).numpy()
    other_src = src.copy()
    other_src[1, 2:], other_src[2, 4:] = 5, 6
    np.testing.assert_array_equal(model(other_src, tgt, ENC_LENS).numpy(), logits)
    other_tgt = tgt.copy()
    other_tgt[:, 2] = (tgt[:, 2] - 3) % (TGT_VOCAB - 4) + 4      # a different real token
    changed = model(src, other_tgt, ENC_LENS).numpy()
    np.testing.assert_array_equal(changed[:, :2], logits[:, :2])
    assert np.abs(changed[:, 2:] - logits[:, 2:]).max() > 1e-6


# ----------------------------------------------------------------------------- decoding

def step_by_step(model, src, tgt, lens):
    """Feed tgt one token at a time through decode_step -> logits (B, T, V) and weights."""
    decoder = model.decoder
    state = decoder.start_decoding(decoder.init_state(model.encoder(src, lens), lens))
    logits, weights = [], []
    for t in range(tgt.shape[1]):
        step_logits, state, step_weights = decoder.decode_step(tgt[:, t], state)
        logits.append(step_logits.numpy())
        weights.append(step_weights.numpy())
    return np.stack(logits, axis=1), np.stack(weights, axis=1), state


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_incremental_decoding_gives_the_full_forward_logits(dtype, rng):
    model, _ = model_and_twin(dtype, dropout=0.2)     # eval mode switches dropout off
    model.eval()
    src, tgt = batch(rng)
    with mg.no_grad():
        full = model(src, tgt, ENC_LENS).numpy()
        cross = model.decoder.attention_weights[1][-1].numpy()      # (B * h, T, T_src)
        steps, weights, state = step_by_step(model, src, tgt, ENC_LENS)
    tolerance = 1e-12 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(steps, full, rtol=tolerance, atol=tolerance)
    np.testing.assert_allclose(weights, cross.reshape(3, HEADS, 4, 5).mean(axis=1),
                               rtol=tolerance, atol=tolerance)
    assert [cache.shape for cache in state[2]] == [(3, 4, H)] * BLKS
    assert not weights[1, :, 2:].any()                # no weight on source padding


def test_select_reorders_the_caches(rng):
    """After select(state, rows), the next step is that of the selected sentences alone."""
    model, _ = model_and_twin("float64")
    model.eval()
    src, tgt = batch(rng)
    rows = np.array([2, 0, 2])
    with mg.no_grad():
        _, _, state = step_by_step(model, src, tgt[:, :3], ENC_LENS)
        logits, _, _ = model.decoder.decode_step(tgt[rows, 3], model.decoder.select(state, rows))
        expected, _, _ = step_by_step(model, src[rows], tgt[rows], ENC_LENS[rows])
    np.testing.assert_allclose(logits.numpy(), expected[:, 3], rtol=1e-12, atol=1e-12)


def test_greedy_and_beam_search_run_on_the_transformer(rng):
    model, _ = model_and_twin("float32")
    src, _ = batch(rng)
    greedy = greedy_decode(model, src, ENC_LENS, bos=2, eos=3, num_steps=6)
    for i, (tokens, weights) in enumerate(greedy):
        assert weights.shape == (min(len(tokens) + 1, 6), 5)
        np.testing.assert_allclose(weights.sum(axis=1), 1, rtol=1e-5)
        beam = beam_search(model, src[i], int(ENC_LENS[i]), bos=2, eos=3, num_steps=6,
                           beam_size=1)
        assert beam[0] == tokens


@pytest.mark.numpy_only
def test_heatmap_weights_are_those_of_the_decoding(rng):
    """transformer_attention's one teacher-forced pass over <bos> + the greedy output gives,
    averaged over the heads of the last block, the weights greedy decoding recorded."""
    model, _ = model_and_twin("float64")
    src, _ = batch(rng)
    tokens, weights = greedy_decode(model, src[:1], ENC_LENS[:1], bos=2, eos=3,
                                    num_steps=6)[0]
    steps = weights.shape[0]
    dec_input = np.array([[2] + tokens])[:, :steps]
    maps = transformer_attention(model, src[:1], ENC_LENS[:1], dec_input)
    assert maps["encoder self-attention"].shape == (BLKS, HEADS, 5, 5)
    assert maps["decoder self-attention"].shape == (BLKS, HEADS, steps, steps)
    assert maps["encoder-decoder attention"].shape == (BLKS, HEADS, steps, 5)
    np.testing.assert_allclose(maps["encoder-decoder attention"][-1].mean(axis=0), weights,
                               rtol=1e-12, atol=1e-12)
    assert not np.triu(maps["decoder self-attention"], k=1).any()      # the causal mask


def test_errors_name_the_module():
    with pytest.raises(ValueError, match=r"AddNorm: the residual X \(2, 3, 4\) and the "
                                         r"sublayer's output Y \(2, 3, 5\) need one shape"):
        AddNorm(4, 0.0)(mg.Tensor(np.ones((2, 3, 4))), mg.Tensor(np.ones((2, 3, 5))))
    with pytest.raises(ValueError, match=r"MultiHeadAttention: num_hiddens \(6\) must split "
                                         r"evenly into num_heads \(4\)"):
        TransformerEncoder(5, 6, 8, 4, 1, 0.0)
    with pytest.raises(ValueError, match="unknown model 'gpt'; choose one of rnn, transformer"):
        build_model(5, 5, model="gpt")
    decoder = TransformerDecoder(5, 4, 8, 2, 1, 0.0)
    with pytest.raises(ValueError, match=r"PositionalEncoding: .* got \(1, 2, 4\) at offset 999"):
        decoder(np.array([[2, 4]]), (mg.Tensor(np.ones((1, 3, 4))), None,
                                     [mg.Tensor(np.ones((1, 999, 4)))]))
