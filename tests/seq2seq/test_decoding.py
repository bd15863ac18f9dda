"""Greedy decoding and beam search, checked against d2l's ``predict_seq2seq`` in PyTorch,
against each other, against an exhaustive search, and on a model whose output is known."""
import itertools

import numpy as np
import pytest
import torch

import minigrad as mg
from seq2seq.arrays import build_array_nmt
from seq2seq.datasets import load_builtin
from seq2seq.decoding import beam_search, greedy_decode
from seq2seq.models import build_model
from seq2seq.train import TrainConfig, train
import seq2seq_torch_reference as torch_reference

UNK, PAD, BOS, EOS = 0, 1, 2, 3          # the reserved ids of every vocabulary here


# ----------------------------------------------------------------------------- models

def random_model(src_vocab=11, tgt_vocab=9, embed_size=6, num_hiddens=8, num_layers=2,
                 **options):
    return build_model(src_vocab, tgt_vocab, embed_size, num_hiddens, num_layers, dropout=0.0,
                       **options)


def random_sources(rng, count=5, steps=7, src_vocab=11):
    src = rng.integers(4, src_vocab, (count, steps))
    valid = np.array([steps, 1, 4, 2, 6, 3, 5][:count])
    return src, valid


@pytest.fixture(scope="module")
def trained():
    """(data, model config, state_dict) of a model trained for 3 epochs on the built-in
    corpus: good enough to end its sentences with <eos> at different steps."""
    previous = mg.get_backend()
    mg.set_backend("numpy")
    mg.set_default_dtype("float32")
    try:
        data = load_builtin(num_train=1000, num_valid=0, num_test=20)
        config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                      embed_size=16, num_hiddens=32, num_layers=1, dropout=0.0)
        mg.manual_seed(0)
        model = build_model(**config)
        train(model, data, TrainConfig(epochs=3, lr=0.02, batch_size=32), config,
              log=lambda *args: None)
        return data, config, model.state_dict()
    finally:
        mg.set_backend(previous)


def trained_model(trained):
    """The trained model on the current backend, and its test sources as id arrays."""
    data, config, state = trained
    model = build_model(**config)
    model.load_state_dict(state)
    src, valid = build_array_nmt([source for source, _ in data.test], data.src_vocab,
                                 data.num_steps)
    return model, src, valid, data.num_steps


def chain_model(successor, tgt_vocab=6, eos_bias=0.0):
    """A decoder whose next token is ``successor[previous token]``, whatever the source.

    One-hot embeddings; the GRU's update gate is shut (z = sigmoid(-30)), so h' = n =
    tanh(5 onehot(successor)); the dense layer is 10 I, so p(successor) = 0.9998. A token
    may have two successors (a tuple), then equally likely but for ``eos_bias``, added to
    the <eos> logit at every step.
    """
    H = E = tgt_vocab
    model = build_model(7, tgt_vocab, E, H, num_layers=1, dropout=0.0)
    state = model.state_dict()
    weight_ih = np.zeros((3 * H, H + E))                # input = [context (H); embedding (E)]
    for token, following in successor.items():
        for each in np.atleast_1d(following):
            weight_ih[2 * H + each, H + token] = 5.0    # the n gate reads the embedding
    bias_ih = np.zeros(3 * H)
    bias_ih[H:2 * H] = -30.0                            # z ~ 0
    dense_bias = np.zeros(tgt_vocab)
    dense_bias[EOS] = eos_bias
    state.update({"decoder.embedding.weight": np.eye(tgt_vocab, E),
                  "decoder.rnn.weight_ih_l0": weight_ih,
                  "decoder.rnn.weight_hh_l0": np.zeros((3 * H, H)),
                  "decoder.rnn.bias_ih_l0": bias_ih,
                  "decoder.rnn.bias_hh_l0": np.zeros(3 * H),
                  "decoder.dense.weight": 10 * np.eye(tgt_vocab, H),
                  "decoder.dense.bias": dense_bias})
    model.load_state_dict({k: v.astype(mg.get_default_dtype()) for k, v in state.items()})
    return model


# ----------------------------------------------------------------------------- helpers

def one_at_a_time(model, src, valid, num_steps):
    return [greedy_decode(model, src[i:i + 1], valid[i:i + 1], BOS, EOS, num_steps)[0]
            for i in range(len(src))]


def assert_same_decoding(ours, expected, **tolerance):
    tokens, weights = ours
    assert tokens == expected[0]
    if expected[1] is None:
        assert weights is None
    else:
        np.testing.assert_allclose(weights, expected[1], **tolerance)


def sequence_scores(model, src, valid_len, hypotheses, alpha):
    """log P(y) / L^alpha of each (tokens, finished) hypothesis, by teacher forcing.

    A finished hypothesis scores its tokens and <eos> (L = len + 1); an unfinished one, cut
    at num_steps, its tokens only (L = len). This is beam_search's score, computed with the
    model's training-time forward pass instead of its step-by-step decoding.
    """
    labels = [tokens + [EOS] if finished else tokens for tokens, finished in hypotheses]
    steps = max(len(lab) for lab in labels)
    dec_input = np.full((len(labels), steps), PAD)
    for row, (tokens, _) in enumerate(hypotheses):
        prefix = [BOS] + tokens
        dec_input[row, :min(len(prefix), steps)] = prefix[:steps]
    model.eval()
    with mg.no_grad():
        logits = model(np.repeat(src[None], len(labels), 0), dec_input,
                       np.full(len(labels), valid_len)).numpy().astype(np.float64)
    log_probs = logits - np.log(np.exp(logits - logits.max(-1, keepdims=True)).sum(
        -1, keepdims=True)) - logits.max(-1, keepdims=True)
    return np.array([sum(log_probs[row, t, label] for t, label in enumerate(lab))
                     / len(lab) ** alpha for row, lab in enumerate(labels)])


def d2l_predict_seq2seq(net, src_ids, valid_len, num_steps):
    """d2l's predict_seq2seq (PyTorch), for one sentence already turned into ids."""
    net.eval()
    enc_X = torch.tensor(np.asarray(src_ids)[None], dtype=torch.long)
    enc_valid_len = torch.tensor([valid_len])
    enc_outputs = net.encoder(enc_X, enc_valid_len)
    dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
    dec_X = torch.tensor([[BOS]], dtype=torch.long)
    output_seq, attention_weight_seq = [], []
    with torch.no_grad():
        for _ in range(num_steps):
            Y, dec_state = net.decoder(dec_X, dec_state)
            dec_X = Y.argmax(dim=2)
            pred = dec_X.squeeze(dim=0).type(torch.int32).item()
            attention_weight_seq.append(net.decoder.attention.attention_weights[0, 0].numpy())
            if pred == EOS:
                break
            output_seq.append(pred)
    return output_seq, np.array(attention_weight_seq)


# ----------------------------------------------------------------------------- greedy

def test_greedy_is_d2l_predict_seq2seq(float64, rng):
    ours = random_model()
    ours.decoder.dense.bias.data[EOS] += 0.2      # some sentences end early, some do not
    theirs = torch_reference.build(11, 9, 6, 8, 2).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    src, valid = random_sources(rng, count=7)
    num_steps = 6
    decoded = greedy_decode(ours, src, valid, BOS, EOS, num_steps)
    lengths = set()
    for i, result in enumerate(decoded):
        expected = d2l_predict_seq2seq(theirs, src[i], int(valid[i]), num_steps)
        assert_same_decoding(result, expected, rtol=1e-10, atol=1e-12)
        lengths.add(len(result[0]))
    assert len(lengths) > 1 and max(lengths) == num_steps   # both ways of stopping occur


@pytest.mark.parametrize("which", ["random", "trained"])
def test_batched_greedy_equals_one_sentence_at_a_time(which, trained, rng):
    if which == "random":
        model, (src, valid), num_steps = random_model(), random_sources(rng), 6
    else:
        model, src, valid, num_steps = trained_model(trained)
    batched = greedy_decode(model, src, valid, BOS, EOS, num_steps)
    alone = one_at_a_time(model, src, valid, num_steps)
    for result, expected in zip(batched, alone):
        assert_same_decoding(result, expected, rtol=1e-5, atol=1e-6)
    if which == "trained":   # sentences stop at different steps inside one batch
        assert len({len(tokens) for tokens, _ in batched}) > 2
        assert max(len(tokens) for tokens, _ in batched) < num_steps


def test_decoding_stops_at_eos_without_emitting_it():
    a, b = 4, 5
    model = chain_model({BOS: a, a: b, b: EOS})
    src = np.array([[4, 5, 6, 3, 1, 1]])
    tokens, weights = greedy_decode(model, src, np.array([4]), BOS, EOS, num_steps=6)[0]
    assert tokens == [a, b]
    assert weights.shape == (3, 6)          # a, b, and the step that chose <eos>
    for beam_size in (1, 3):
        assert_same_decoding(beam_search(model, src[0], 4, BOS, EOS, 6, beam_size),
                             (tokens, weights), rtol=1e-6)

    # <eos> at the first step: nothing to emit, one row of weights
    tokens, weights = greedy_decode(chain_model({BOS: EOS}), src, np.array([4]), BOS, EOS,
                                    6)[0]
    assert tokens == [] and weights.shape == (1, 6)


@pytest.mark.parametrize("num_steps", [1, 2, 5])
def test_at_most_num_steps_tokens(num_steps):
    a, b = 4, 5
    model = chain_model({BOS: a, a: b, b: a})           # never chooses <eos>
    src, valid = np.array([[4, 5, 6, 3], [6, 3, 1, 1]]), np.array([4, 2])
    expected = [a, b, a, b, a][:num_steps]
    for tokens, weights in greedy_decode(model, src, valid, BOS, EOS, num_steps):
        assert tokens == expected and weights.shape == (num_steps, 4)
    for beam_size in (1, 4):
        tokens, weights = beam_search(model, src[1], 2, BOS, EOS, num_steps, beam_size)
        assert tokens == expected and weights.shape == (num_steps, 4)


def test_attention_rows_are_distributions_over_the_valid_source(trained):
    model, src, valid, num_steps = trained_model(trained)
    decoded = greedy_decode(model, src, valid, BOS, EOS, num_steps)
    beams = [beam_search(model, src[i], int(valid[i]), BOS, EOS, num_steps, 3)
             for i in range(4)]
    for i, (tokens, weights) in list(enumerate(decoded)) + list(enumerate(beams)):
        n = int(valid[i])
        finished = len(tokens) < num_steps
        assert weights.shape == (len(tokens) + finished, src.shape[1])
        np.testing.assert_allclose(weights[:, :n].sum(axis=1), 1, rtol=1e-5)
        assert np.all(weights >= 0) and np.all(weights[:, n:] == 0)


@pytest.mark.parametrize("options", [dict(decoder="plain"),
                                     dict(decoder="plain", cell="lstm")])
def test_plain_decoder_has_no_attention_weights(options, rng):
    model = random_model(**options)
    src, valid = random_sources(rng)
    for i, (tokens, weights) in enumerate(greedy_decode(model, src, valid, BOS, EOS, 5)):
        assert weights is None and 0 < len(tokens) <= 5
        assert beam_search(model, src[i], int(valid[i]), BOS, EOS, 5, 1) == (tokens, None)
        assert beam_search(model, src[i], int(valid[i]), BOS, EOS, 5, 3)[1] is None


# ----------------------------------------------------------------------------- beam search

@pytest.mark.parametrize("which", ["random", "trained", "bidirectional-lstm"])
def test_beam_size_one_is_greedy(which, trained, rng):
    if which == "trained":
        model, src, valid, num_steps = trained_model(trained)
    else:
        options = dict(cell="lstm", bidirectional=True) if which != "random" else {}
        model, (src, valid), num_steps = random_model(**options), random_sources(rng), 6
    for i, expected in enumerate(one_at_a_time(model, src, valid, num_steps)):
        result = beam_search(model, src[i], int(valid[i]), BOS, EOS, num_steps, beam_size=1)
        assert_same_decoding(result, expected, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_beam_size_one_is_greedy_when_two_logits_are_one_ulp_apart(dtype):
    """Token 5's logit is 1.0 at every step, token 4's the next float below it, the rest
    0.99: greedy's argmax takes 5. Their log-probabilities, about -log 9 = -2.2, are four
    times their gap apart in that dtype's spacing, so they round to one value: a tie, which
    must not go to the lower index, 4."""
    mg.set_default_dtype(dtype)
    model = random_model()
    state = model.state_dict()
    bias = np.full(9, 0.99, dtype=dtype)
    bias[5], bias[4] = 1.0, np.nextafter(bias.dtype.type(1.0), bias.dtype.type(0.0))
    state.update({"decoder.dense.weight": np.zeros((9, 8), dtype),
                  "decoder.dense.bias": bias})
    model.load_state_dict(state)
    src, valid = np.array([[4, 5, 6, 3]]), np.array([4])
    greedy = greedy_decode(model, src, valid, BOS, EOS, 3)[0]
    assert greedy[0] == [5, 5, 5]
    assert_same_decoding(beam_search(model, src[0], 4, BOS, EOS, 3, beam_size=1), greedy,
                         rtol=1e-6)


@pytest.mark.parametrize("alpha", [0.0, 0.75, 1.0])
def test_a_beam_wider_than_the_search_space_finds_the_best_sequence(alpha, float64, rng):
    """With 5 target tokens and 3 steps there are 85 hypotheses (21 ending in <eos> after
    0-2 tokens, 64 cut at 3 tokens); a beam of 100 keeps them all, so it must return the
    best of an exhaustive search, with the attention rows of that sequence."""
    model = random_model(tgt_vocab=5, num_layers=1)
    model.decoder.dense.bias.data[EOS] += 1.0     # make ending early competitive
    words = [t for t in range(5) if t != EOS]
    hypotheses = [(list(seq), True) for n in range(3)
                  for seq in itertools.product(words, repeat=n)]
    hypotheses += [(list(seq), False) for seq in itertools.product(words, repeat=3)]
    assert len(hypotheses) == 85
    src, valid = random_sources(rng, count=3)
    for i in range(3):
        scores = sequence_scores(model, src[i], int(valid[i]), hypotheses, alpha)
        tokens, weights = beam_search(model, src[i], int(valid[i]), BOS, EOS, 3,
                                      beam_size=100, alpha=alpha)
        best = int(np.argmax(scores))
        assert np.sort(scores)[-1] - np.sort(scores)[-2] > 1e-9    # a unique winner
        assert tokens == hypotheses[best][0]
        # its weights are those of the teacher-forced pass over the same tokens
        finished = hypotheses[best][1]
        model(src[i:i + 1], np.array([[BOS] + tokens])[:, :len(tokens) + finished],
              valid[i:i + 1])
        forced = np.stack([w.numpy()[0, 0] for w in model.decoder.attention_weights])
        np.testing.assert_allclose(weights, forced, rtol=1e-10, atol=1e-12)


def test_wider_beams_score_at_least_as_well_as_greedy_on_average(trained):
    """Beam search keeps the k best prefixes, so it can prune greedy's path and end lower on
    a single sentence (not a theorem: a slightly different model of this kind did so once in
    20 sentences at k = 3). Over a test set its length-normalised scores are no worse, and
    on many sentences strictly better (12 of these 20, measured)."""
    model, src, valid, num_steps = trained_model(trained)
    greedy = greedy_decode(model, src, valid, BOS, EOS, num_steps)

    def score(i, tokens):
        return sequence_scores(model, src[i], int(valid[i]),
                               [(tokens, len(tokens) < num_steps)], alpha=0.75)[0]
    greedy_scores = np.array([score(i, tokens) for i, (tokens, _) in enumerate(greedy)])
    for beam_size in (3, 4):
        beam_scores = np.array([
            score(i, beam_search(model, src[i], int(valid[i]), BOS, EOS, num_steps,
                                 beam_size, alpha=0.75)[0]) for i in range(len(src))])
        assert beam_scores.mean() >= greedy_scores.mean()
        assert np.sum(beam_scores > greedy_scores + 1e-6) >= 5
        assert np.sum(beam_scores >= greedy_scores - 1e-6) >= len(src) - 2


def test_length_normalisation_counts_the_eos():
    """From <bos>: <eos> with p = 0.55, or ``a`` (p = 0.45) then surely <eos>. Greedy ends at
    once. Beam search scores [] + <eos> as log 0.55 / 1^alpha = -0.60 and [a] + <eos> as
    log 0.45 / 2^alpha (L counts the <eos>): -0.47 for alpha = 0.75, so [a] wins; with
    alpha = 0 (no normalisation) the raw probability decides, for [] (-0.60 > -0.80)."""
    a = 4
    model = chain_model({BOS: (EOS, a), a: EOS}, eos_bias=np.log(0.55 / 0.45))
    src, valid = np.array([[4, 5, 3]]), np.array([3])
    assert greedy_decode(model, src, valid, BOS, EOS, 5)[0][0] == []
    scores = sequence_scores(model, src[0], 3, [([], True), ([a], True)], alpha=0.0)
    np.testing.assert_allclose(scores, np.log([0.55, 0.45]), atol=1e-3)
    for beam_size in (2, 3):
        assert beam_search(model, src[0], 3, BOS, EOS, 5, beam_size, alpha=0.75)[0] == [a]
        assert beam_search(model, src[0], 3, BOS, EOS, 5, beam_size, alpha=1.0)[0] == [a]
        assert beam_search(model, src[0], 3, BOS, EOS, 5, beam_size, alpha=0.0)[0] == []


def test_beam_search_rejects_a_beam_of_zero(rng):
    src, valid = random_sources(rng)
    with pytest.raises(ValueError, match="beam_search: beam_size must be at least 1, got 0"):
        beam_search(random_model(), src[0], int(valid[0]), BOS, EOS, 5, beam_size=0)
