"""The Bahdanau encoder-decoder against a PyTorch implementation with copied weights."""
import numpy as np
import pytest
import torch

import minigrad as mg
from seq2seq import (EncoderDecoder, Seq2SeqAttentionDecoder, Seq2SeqEncoder, build_model,
                     masked_cross_entropy)
import seq2seq_torch_reference as torch_reference

SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS = 11, 13, 6, 8, 2
TOLERANCE = {"float64": dict(rtol=1e-10, atol=1e-12), "float32": dict(rtol=1e-5, atol=1e-6)}


def batch(rng, size=4, steps=5):
    src = rng.integers(0, SRC_VOCAB, (size, steps))
    dec_input = rng.integers(0, TGT_VOCAB, (size, steps))
    labels = rng.integers(0, TGT_VOCAB, (size, steps))
    src_valid = np.array([steps, 1, 3, 2][:size])
    tgt_valid = np.array([2, steps, 1, 4][:size])
    return src, dec_input, labels, src_valid, tgt_valid


def twins(dtype):
    mg.set_default_dtype(dtype)
    ours = build_model(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS, dropout=0.0)
    theirs = torch_reference.build(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS).to(
        getattr(torch, dtype))
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    return ours, theirs


def torch_loss(model, src, dec_input, labels, src_valid, tgt_valid):
    logits = model(torch.from_numpy(src), torch.from_numpy(dec_input), torch.from_numpy(src_valid))
    return logits, torch_reference.masked_cross_entropy(logits, torch.from_numpy(labels),
                                                        torch.from_numpy(tgt_valid))


def _gradients(model):
    return {name: mg.backend.to_numpy(param.grad) for name, param in model.named_parameters()}


def assert_matches_torch(ours, theirs, batch, tol):
    """Logits, masked loss and every parameter's gradient of our model and its PyTorch twin
    (weights already copied) on one batch."""
    src, dec_input, labels, src_valid, tgt_valid = batch
    logits = ours(src, dec_input, src_valid)
    loss = masked_cross_entropy(logits, labels, tgt_valid)
    loss.backward()
    t_logits, t_loss = torch_loss(theirs, src, dec_input, labels, src_valid, tgt_valid)
    t_loss.backward()
    np.testing.assert_allclose(logits.numpy(), t_logits.detach().numpy(), **tol)
    np.testing.assert_allclose(loss.item(), t_loss.item(), **tol)
    grads = dict(theirs.named_parameters())
    for name, grad in _gradients(ours).items():
        np.testing.assert_allclose(grad, grads[name].grad.numpy(), err_msg=name, **tol)


def test_state_dict_keys_follow_the_api():
    model = EncoderDecoder(Seq2SeqEncoder(SRC_VOCAB, EMBED, HIDDEN, LAYERS),
                           Seq2SeqAttentionDecoder(TGT_VOCAB, EMBED, HIDDEN, LAYERS))
    reference = torch_reference.build(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS)
    assert list(model.state_dict()) == list(reference.state_dict())
    for name, value in reference.state_dict().items():
        assert model.state_dict()[name].shape == tuple(value.shape), name


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_logits_loss_and_every_gradient_match_pytorch(dtype, rng):
    ours, theirs = twins(dtype)
    assert_matches_torch(ours, theirs, batch(rng), TOLERANCE[dtype])


def test_attention_weights_are_recorded_per_step(rng):
    ours, theirs = twins("float64")
    src, dec_input, _, src_valid, _ = batch(rng)
    ours(src, dec_input, src_valid)
    weights = ours.decoder.attention_weights
    assert len(weights) == dec_input.shape[1]
    assert weights[0].shape == (src.shape[0], 1, src.shape[1])
    w = np.stack([w.numpy() for w in weights])
    # masked source positions get (numerically) zero weight; rows sum to one
    assert np.allclose(w.sum(-1), 1)
    assert np.all(w[:, 1, 0, 1:] < 1e-12)


def test_twenty_adam_steps_with_clipping_give_pytorchs_losses(rng):
    ours, theirs = twins("float64")
    optimizer = mg.optim.Adam(ours.parameters(), lr=0.01)
    t_optimizer = torch.optim.Adam(theirs.parameters(), lr=0.01)
    ours_losses, theirs_losses = [], []
    for _ in range(20):
        src, dec_input, labels, src_valid, tgt_valid = batch(rng)
        loss = masked_cross_entropy(ours(src, dec_input, src_valid), labels, tgt_valid)
        optimizer.zero_grad()
        loss.backward()
        mg.nn.utils.clip_grad_norm_(ours.parameters(), 0.5)
        optimizer.step()
        ours_losses.append(loss.item())

        _, t_loss = torch_loss(theirs, src, dec_input, labels, src_valid, tgt_valid)
        t_optimizer.zero_grad()
        t_loss.backward()
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 0.5)
        t_optimizer.step()
        theirs_losses.append(t_loss.item())
    np.testing.assert_allclose(ours_losses, theirs_losses, rtol=1e-8)
    assert ours_losses[-1] < ours_losses[0]


@pytest.mark.parametrize("config", [dict(cell="lstm"), dict(bidirectional=True),
                                    dict(scorer="dot"), dict(scorer="general"),
                                    dict(decoder="plain"), dict(cell="lstm", bidirectional=True)])
def test_every_variant_trains_and_its_gradients_check(config, float64, rng):
    model = build_model(5, 6, 3, 4, 2, dropout=0.0, **config)
    src, dec_input, labels = (rng.integers(0, 5, (2, 3)), rng.integers(0, 6, (2, 3)),
                              rng.integers(0, 6, (2, 3)))
    src_valid, tgt_valid = np.array([3, 1]), np.array([2, 3])
    params = model.parameters()

    def loss(*_):
        return masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
    assert mg.gradcheck(loss, params, directions=3)


def test_masked_cross_entropy_rejects_bad_valid_lens(rng):
    logits = mg.Tensor(rng.standard_normal((2, 3, 4)))
    with pytest.raises(ValueError, match=r"masked_cross_entropy: valid_lens has shape \(3,\)"):
        masked_cross_entropy(logits, np.zeros((2, 3), int), np.array([1, 2, 3]))


@pytest.mark.parametrize("config", [dict(), dict(cell="lstm", bidirectional=True),
                                    dict(scorer="dot"), dict(decoder="plain"),
                                    dict(model="transformer", num_heads=2, num_blks=2)])
def test_loss_on_real_tokens_equals_masked_cross_entropy_of_all_logits(config, float64, rng):
    """EncoderDecoder.loss skips the logits of padded positions: same loss, same gradients."""
    sizes = (dict(num_hiddens=HIDDEN) if config.get("model") == "transformer" else
             dict(embed_size=EMBED, num_hiddens=HIDDEN, num_layers=LAYERS))
    model = build_model(SRC_VOCAB, TGT_VOCAB, dropout=0.0, **sizes, **config)
    src, dec_input, labels, src_valid, tgt_valid = batch(rng)
    composed = masked_cross_entropy(model(src, dec_input, src_valid), labels, tgt_valid)
    composed.backward()
    expected = _gradients(model)
    model.zero_grad()
    loss = model.loss(src, dec_input, src_valid, labels, tgt_valid)
    loss.backward()
    np.testing.assert_allclose(loss.item(), composed.item(), rtol=1e-12)
    for name, grad in _gradients(model).items():
        np.testing.assert_allclose(grad, expected[name], rtol=1e-10, atol=1e-13, err_msg=name)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_loss_on_real_tokens_matches_pytorch(dtype, rng):
    ours, theirs = twins(dtype)
    src, dec_input, labels, src_valid, tgt_valid = batch(rng)
    loss = ours.loss(src, dec_input, src_valid, labels, tgt_valid)
    loss.backward()
    _, t_loss = torch_loss(theirs, src, dec_input, labels, src_valid, tgt_valid)
    t_loss.backward()
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(loss.item(), t_loss.item(), **tol)
    grads = dict(theirs.named_parameters())
    for name, grad in _gradients(ours).items():
        np.testing.assert_allclose(grad, grads[name].grad.numpy(), err_msg=name, **tol)


def test_loss_rejects_labels_of_another_shape(rng):
    model = build_model(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS, dropout=0.0)
    src, dec_input, labels, src_valid, tgt_valid = batch(rng)
    with pytest.raises(ValueError, match=r"EncoderDecoder.loss: labels have shape \(4, 4\), "
                                         r"expected \(4, 5\)"):
        model.loss(src, dec_input, src_valid, labels[:, :4], tgt_valid)
    with pytest.raises(ValueError, match=r"EncoderDecoder.loss: valid_lens has shape \(3,\)"):
        model.loss(src, dec_input, src_valid, labels, tgt_valid[:3])


VARIANTS = [dict(decoder="plain"), dict(decoder="plain", cell="lstm"), dict(cell="lstm"),
            dict(bidirectional=True), dict(cell="lstm", bidirectional=True),
            dict(scorer="dot"), dict(scorer="general", bidirectional=True)]


@pytest.mark.parametrize("config", VARIANTS, ids=lambda c: "-".join(map(str, c.values())))
def test_every_variant_matches_its_pytorch_twin(config, float64, rng):
    """The plain decoder (d2l's Seq2SeqDecoder), LSTM cells, the bidirectional encoder's
    bridge and the dot and general scorers: logits, loss and every gradient against PyTorch
    modules written in the tests, with the weights copied across."""
    ours = build_model(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS, dropout=0.0, **config)
    theirs = torch_reference.build_variant(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS,
                                           **config).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    assert_matches_torch(ours, theirs, batch(rng), TOLERANCE["float64"])


def test_plain_decoder_sees_the_source_only_through_the_final_state(float64, rng):
    """Two sources whose encoders end in the same state give the plain decoder the same
    logits; the attention decoder still tells them apart (it reads every position)."""
    src, dec_input, _, _, _ = batch(rng)
    for decoder, same in (("plain", True), ("attention", False)):
        model = build_model(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, 1, dropout=0.0,
                            decoder=decoder)
        enc = model.encoder(src)
        # swap the encoder's outputs before the last step for another batch's: the final
        # state stays, only what attention could read changes
        outputs, state = enc
        other = mg.Tensor(outputs.numpy()[:, ::-1].copy())
        logits = [model.decoder(dec_input, model.decoder.init_state(e, None))[0].numpy()
                  for e in ((outputs, state), (other, state))]
        assert np.allclose(logits[0], logits[1]) == same, decoder


def test_xavier_initialisation_as_d2l_and_torch(rng):
    """init_seq2seq: every Linear and recurrent weight is Xavier-uniform with torch's fans
    (fan_in = columns, fan_out = rows); embeddings and biases keep their defaults."""
    mg.manual_seed(3)
    model = build_model(50, 60, 16, 24, 2, dropout=0.0, bidirectional=True)
    mg.manual_seed(3)
    plain = EncoderDecoder(Seq2SeqEncoder(50, 16, 24, 2, bidirectional=True),
                           Seq2SeqAttentionDecoder(60, 16, 24, 2, key_size=48))
    ours, default = model.state_dict(), plain.state_dict()
    xavier = [n for n in ours if n.endswith("weight") and "embedding" not in n
              or ".weight_" in n]
    # encoder GRU 2 layers x 2 directions x 2, bridge, W_k W_q w_v, decoder GRU 2 x 2, dense
    assert len(xavier) == 8 + 1 + 3 + 4 + 1
    for name in xavier:
        weight = ours[name]
        reference = torch.empty(weight.shape, dtype=torch.float64)
        torch.nn.init.xavier_uniform_(reference)
        bound = np.sqrt(6.0 / sum(weight.shape))        # torch's gain 1, fans of a 2-D weight
        assert np.abs(weight).max() <= bound * (1 + 1e-6), name
        assert np.abs(reference.numpy()).max() <= bound * (1 + 1e-6)
        if weight.size >= 500:     # enough numbers for the spread to say something
            assert np.std(weight) == pytest.approx(reference.numpy().std(), rel=0.15), name
            assert np.abs(weight).max() > 0.9 * bound, name
    for name in ours:
        if name not in xavier:       # embeddings and biases: the modules' defaults
            np.testing.assert_array_equal(ours[name], default[name], err_msg=name)


def _is_xavier(weight):
    """Inside the Xavier bound sqrt(6 / (fan_in + fan_out)) and reaching near it: not the
    default U(-1/sqrt(H), 1/sqrt(H)), whose bound is wider for these sizes."""
    bound = np.sqrt(6.0 / sum(weight.shape))
    return 0.9 * bound < np.abs(weight).max() <= bound * (1 + 1e-6)


def test_the_encoder_gets_the_books_xavier_initialisation_on_every_path():
    """The encoder's GRU weights are Xavier-uniform as d2l's: through build_model (our models,
    like the decoder), in the construction of d2l 1.0's Seq2SeqEncoder (the book's
    ``self.apply(init_seq2seq)``), and through the 0.17 API's ``train_seq2seq`` init."""
    from seq2seq import d2l, d2l_zh
    from seq2seq.d2l_zh_train import xavier_init_weights
    vocab, embed, hidden, layers = 40, 24, 48, 2
    built = build_model(vocab, vocab, embed, hidden, layers, dropout=0.0).encoder
    book = d2l.Seq2SeqEncoder(vocab, embed, hidden, layers)
    zh = d2l_zh.Seq2SeqEncoder(vocab, embed, hidden, layers)
    plain = Seq2SeqEncoder(vocab, embed, hidden, layers)           # no init of its own
    assert not _is_xavier(plain.rnn.weight_hh_l0.numpy())
    assert not _is_xavier(zh.rnn.weight_hh_l0.numpy())              # as the 0.17 book's
    xavier_init_weights(zh)
    for encoder in (built, book, zh):
        weights = [p for n, p in encoder.rnn.named_parameters() if n.startswith("weight")]
        assert len(weights) == 2 * layers
        for weight in weights:
            assert _is_xavier(weight.numpy()), (type(encoder).__module__, weight.name)


@pytest.mark.fused     # the book projects the keys at every step, and readable mode does too
@pytest.mark.parametrize("scorer", ["additive", "general"])
def test_keys_are_projected_once_per_batch_not_at_every_step(scorer, rng):
    """The same math as d2l with fewer flops: W_k (or W) maps the encoder outputs once per
    forward pass and once per decoding, while W_q runs at each of the T steps."""
    from seq2seq.decoding import beam_search, greedy_decode
    model = build_model(SRC_VOCAB, TGT_VOCAB, EMBED, HIDDEN, LAYERS, dropout=0.0,
                        scorer=scorer)
    attention = model.decoder.attention
    key_layer = attention.W_k if scorer == "additive" else attention.W
    calls = {"keys": 0, "queries": 0}

    def counted(layer, name):
        forward = layer.forward

        def wrapper(*args, **kwargs):
            calls[name] += 1
            return forward(*args, **kwargs)
        layer.forward = wrapper
    counted(key_layer, "keys")
    if scorer == "additive":
        counted(attention.W_q, "queries")
    src, dec_input, labels, src_valid, tgt_valid = batch(rng)          # T = 5
    model(src, dec_input, src_valid)
    assert calls["keys"] == 1 and calls["queries"] == (5 if scorer == "additive" else 0)
    model.loss(src, dec_input, src_valid, labels, tgt_valid)
    assert calls["keys"] == 2
    greedy_decode(model, src, src_valid, 2, 3, num_steps=6)
    assert calls["keys"] == 3
    beam_search(model, src[0], int(src_valid[0]), 2, 3, num_steps=6, beam_size=3)
    assert calls["keys"] == 4


@pytest.mark.parametrize("change, message", [
    (dict(embed_size=0), "embed_size must be an integer >= 1, got 0"),
    (dict(num_hiddens=2.5), "num_hiddens must be an integer >= 1, got 2.5"),
    (dict(num_layers=True), "num_layers must be an integer >= 1, got True"),
    (dict(tgt_vocab_size=-1), "tgt_vocab_size must be an integer >= 1, got -1"),
    (dict(dropout=1.0), r"dropout must be a number in \[0, 1\), got 1.0"),
])
def test_build_model_names_a_size_out_of_range(change, message):
    settings = dict(src_vocab_size=SRC_VOCAB, tgt_vocab_size=TGT_VOCAB, embed_size=EMBED,
                    num_hiddens=HIDDEN, num_layers=LAYERS, dropout=0.0)
    settings.update(change)
    with pytest.raises(ValueError, match=rf"^build_model: {message}$"):
        build_model(**settings)


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_an_integer_decoder_state_is_cast_to_the_parameters_dtype(cell):
    """The attention decoder steps its rnn with GRU/LSTM.step, which casts an integer state
    as forward casts h0: the outputs stay float32."""
    from seq2seq.models import Seq2SeqAttentionDecoder
    decoder = Seq2SeqAttentionDecoder(7, 3, 4, 2, cell=cell)
    enc_outputs = mg.Tensor(np.zeros((2, 2, 4), np.float32))
    state = mg.Tensor(np.zeros((2, 2, 4), int))
    state = (state, state) if cell == "lstm" else state
    logits, _ = decoder(np.zeros((2, 2), int), decoder.init_state((enc_outputs, state),
                                                                  np.array([2, 1])))
    assert logits.dtype == np.float32
