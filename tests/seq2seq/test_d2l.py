"""``seq2seq.d2l``, d2l 1.0's helpers on minigrad: each call the attention chapter makes, with
the book's arguments, held to PyTorch (the attention layers, the loss, the array names) or to
what the book specifies (shapes, the data's vocabularies and splits, greedy decoding).

The chapter's cells themselves are not here (they are the book's text); these tests call the
same helpers the same way.
"""
import math
import os

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad import nn
from seq2seq import d2l
from seq2seq.text import preprocess_nmt
import seq2seq_torch_reference  # noqa: F401  (puts the attention twins on the path)
from attention_torch_reference import (MultiHeadAttention as TorchMultiHead,
                                       AdditiveAttention as TorchAdditive, assert_close,
                                       masked_softmax as torch_masked_softmax)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FRA_TXT = os.environ.get("MINIGRAD_FRA_TXT") or os.path.join(REPO, "..", "shared", "data",
                                                                "fra-eng", "fra.txt")


@pytest.fixture
def fra_txt(tmp_path):
    """d2l's fra.txt where it is (``../shared/data`` or ``MINIGRAD_FRA_TXT``); elsewhere (CI) a
    stand-in of the same form, English<TAB>French a line, 702 lines of our built-in grammar
    after two of the book's pairs (twice each, so they pass ``min_freq=2``)."""
    if os.path.isfile(FRA_TXT):
        return FRA_TXT
    from seq2seq.builtin_corpus import generate_pairs
    lines = ["Go.\tVa !", "I lost.\tJ'ai perdu."] * 2
    lines += [" ".join(en) + "\t" + " ".join(fr) for en, fr in generate_pairs(700)]
    path = tmp_path / "fra.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


# -- the array names ------------------------------------------------------------------------
@pytest.mark.numpy_only
def test_array_names_match_torch():
    cases = [
        (d2l.reshape(d2l.eye(10), (1, 1, 10, 10)), torch.eye(10).reshape((1, 1, 10, 10))),
        (d2l.ones((2, 3, 4)), torch.ones((2, 3, 4))),
        (d2l.zeros((4, 7), dtype=mg.long), torch.zeros((4, 7), dtype=torch.long)),
        (d2l.arange(-2.5, 2.5, 0.1), torch.arange(-2.5, 2.5, 0.1)),
        (d2l.tensor([2, 6]), torch.tensor([2, 6])),
        (d2l.tensor([[1, 2], [2, 3]], dtype=mg.float32),
         torch.tensor([[1, 2], [2, 3]], dtype=torch.float32)),
    ]
    for mine, theirs in cases:
        assert mine.shape == tuple(theirs.shape)
        assert mine.numpy().dtype == theirs.numpy().dtype
        np.testing.assert_allclose(mine.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.numpy_only
def test_array_functions_match_torch(rng):
    x = rng.normal(size=(5, 4)).astype(np.float32)
    X, T = mg.tensor(x), torch.tensor(x)
    pairs = [
        (d2l.reduce_sum(X, 0), T.sum(0)), (d2l.transpose(X), T.t()),
        (d2l.expand_dims(X, 1), T.unsqueeze(1)), (d2l.exp(-X ** 2 / 2), torch.exp(-T ** 2 / 2)),
        (d2l.sin(X), torch.sin(T)), (d2l.abs(X), torch.abs(T)),
        (d2l.concat([X, X], 0), torch.cat([T, T], 0)), (d2l.argmax(X, 1), T.argmax(1)),
        (d2l.astype(d2l.abs(X) < 1.0, d2l.float32), (torch.abs(T) < 1.0).type(torch.float32)),
        (d2l.matmul(X, d2l.transpose(X)), T @ T.t()),
    ]
    for mine, theirs in pairs:
        np.testing.assert_allclose(d2l.numpy(mine), theirs.numpy(), rtol=1e-5, atol=1e-6)
    assert d2l.size(X) == T.numel()
    for shape in [(2, 1, 2), (2, 10, 4)]:
        assert d2l.normal(0, 1, shape).shape == shape
    assert d2l.rand(40).shape == (40,) and d2l.randn(40).shape == (40,)
    assert d2l.float32 == np.float32 and d2l.int64 == np.int64


def test_check_shape_and_add_to_class():
    d2l.check_shape(d2l.ones((2, 3, 6)), (2, 3, 6))
    with pytest.raises(AssertionError, match=r"\(2, 3, 6\) != expected shape \(2, 3\)"):
        d2l.check_shape(d2l.ones((2, 3, 6)), (2, 3))

    class Thing:
        pass

    @d2l.add_to_class(Thing)
    def double(self, x):
        return 2 * x
    assert Thing().double(4) == 8


def test_save_hyperparameters():
    class Settings(d2l.HyperParameters):
        def __init__(self, a, b=2, _hidden=3, skipped=4):
            self.save_hyperparameters(ignore=["skipped"])

    s = Settings(1)
    assert (s.a, s.b) == (1, 2) and s.hparams == {"a": 1, "b": 2}
    assert not hasattr(s, "_hidden") and not hasattr(s, "skipped")


# -- attention ------------------------------------------------------------------------------
def test_masked_softmax_with_the_books_lengths(rng):
    X = rng.random((2, 2, 4)).astype(np.float32)
    for lens in ([2, 3], [[1, 3], [2, 4]]):
        mine = d2l.masked_softmax(mg.tensor(X), d2l.tensor(lens))
        assert_close(mine, torch_masked_softmax(torch.tensor(X), torch.tensor(lens)),
                     "float32", f"masked_softmax with {lens}")


def test_dot_product_attention_the_books_call(rng):
    queries, keys = rng.normal(size=(2, 1, 2)), rng.normal(size=(2, 10, 2))
    values = rng.normal(size=(2, 10, 4))
    attention = d2l.DotProductAttention(dropout=0.5)
    attention.eval()
    out = attention(mg.tensor(queries, dtype=mg.float32), mg.tensor(keys, dtype=mg.float32),
                    mg.tensor(values, dtype=mg.float32), d2l.tensor([2, 6]))
    d2l.check_shape(out, (2, 1, 4))
    weights = attention.attention_weights.numpy()
    assert np.allclose(weights[0, 0, 2:], 0) and np.allclose(weights[1, 0, 6:], 0)


@pytest.mark.parametrize("form", ["d2l 1.0", "d2l 0.17"])
def test_additive_attention_both_signatures_match_torch(rng, form):
    queries = rng.normal(size=(2, 1, 20)).astype(np.float32)
    keys = rng.normal(size=(2, 10, 2)).astype(np.float32)
    values = rng.normal(size=(2, 10, 4)).astype(np.float32)
    if form == "d2l 1.0":
        attention = d2l.AdditiveAttention(num_hiddens=8, dropout=0.1)
    else:
        attention = d2l.AdditiveAttention(2, 20, 8, 0.1)
    attention.eval()
    lens = d2l.tensor([2, 6])
    out = attention(mg.tensor(queries), mg.tensor(keys), mg.tensor(values), lens)
    theirs = TorchAdditive(2, 20, 8, 0.1).eval()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in attention.state_dict().items()})
    expected = theirs(torch.tensor(queries), torch.tensor(keys), torch.tensor(values),
                      torch.tensor([2, 6]))
    assert_close(out, expected, "float32", f"AdditiveAttention, {form} form")
    assert attention.W_q.weight.shape == (8, 20) and attention.W_k.weight.shape == (8, 2)


def test_multihead_attention_lazy_matches_torch(rng):
    num_hiddens, num_heads = 100, 5
    attention = d2l.MultiHeadAttention(num_hiddens, num_heads, 0.5)
    attention.eval()
    X = rng.normal(size=(2, 4, num_hiddens)).astype(np.float32)
    Y = rng.normal(size=(2, 6, num_hiddens)).astype(np.float32)
    out = attention(mg.tensor(X), mg.tensor(Y), mg.tensor(Y), d2l.tensor([3, 2]))
    d2l.check_shape(out, (2, 4, num_hiddens))
    theirs = TorchMultiHead(num_hiddens, num_heads, 0.5).eval()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in attention.state_dict().items()})
    expected = theirs(torch.tensor(X), torch.tensor(Y), torch.tensor(Y), torch.tensor([3, 2]))
    assert_close(out, expected, "float32", "MultiHeadAttention(100, 5, 0.5)")


@pytest.mark.numpy_only
def test_multihead_attention_reads_other_input_sizes():
    attention = d2l.MultiHeadAttention(8, 2, 0.0)
    out = attention(d2l.ones((2, 3, 5)), d2l.ones((2, 4, 7)), d2l.ones((2, 4, 6)), None)
    assert out.shape == (2, 3, 8)
    assert attention.W_k.weight.shape == (8, 7) and attention.W_v.weight.shape == (8, 6)


def test_positional_encoding_table_matches_torch():
    encoding_dim, num_steps = 32, 60
    pos_encoding = d2l.PositionalEncoding(encoding_dim, 0)
    X = pos_encoding(d2l.zeros((1, num_steps, encoding_dim)))
    position = torch.arange(num_steps, dtype=torch.float64).reshape(-1, 1)
    angle = position / torch.pow(10000, torch.arange(0, encoding_dim, 2,
                                                     dtype=torch.float64) / encoding_dim)
    expected = torch.zeros((1, num_steps, encoding_dim), dtype=torch.float64)
    expected[:, :, 0::2], expected[:, :, 1::2] = torch.sin(angle), torch.cos(angle)
    np.testing.assert_allclose(X.numpy(), expected.numpy(), atol=1e-6)


# -- the encoder-decoder framework ------------------------------------------------------------
def test_seq2seq_encoder_the_books_sizes():
    vocab_size, embed_size, num_hiddens, num_layers = 10, 8, 16, 2
    encoder = d2l.Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers)
    outputs, state = encoder(d2l.zeros((4, 7), dtype=mg.long))
    d2l.check_shape(outputs, (7, 4, num_hiddens))
    d2l.check_shape(state, (num_layers, 4, num_hiddens))
    # Xavier-uniform recurrent weights: within sqrt(6 / (fan_in + fan_out))
    w = encoder.rnn.weight_hh_l1.numpy()
    assert np.abs(w).max() <= math.sqrt(6 / (w.shape[0] + w.shape[1])) + 1e-7


def test_seq2seq_encoder_casts_whole_float_ids_as_the_book():
    # the book's encoder reads astype(X.T, int64): float zeros are token 0, as long zeros are
    encoder = d2l.Seq2SeqEncoder(10, 8, 16, 2)
    ids = np.array([[1, 2, 3], [9, 0, 4]])
    as_float, _ = encoder(d2l.tensor(ids.astype(np.float32)))
    as_long, _ = encoder(d2l.tensor(ids))
    np.testing.assert_array_equal(as_float.numpy(), as_long.numpy())
    with pytest.raises(ValueError, match=r"Seq2SeqEncoder: token ids must be whole numbers.*2\.5"):
        encoder(d2l.tensor([[1.0, 2.5]]))


@pytest.mark.numpy_only
def test_init_seq2seq_through_apply_skips_lazy_layers():
    mg.manual_seed(3)
    model = nn.Sequential(nn.Linear(30, 2), nn.LazyLinear(2))
    model.apply(d2l.init_seq2seq)
    bound = math.sqrt(6 / 32)
    w = model[0].weight.numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 1 / math.sqrt(30)  # Xavier, not default
    assert model[1].uninitialized            # left to its own initialisation, as in torch


def test_seq2seq_loss_ignores_padding_like_torch(rng):
    pad = 1
    Y_hat = rng.normal(size=(3, 5, 7)).astype(np.float32)
    Y = rng.integers(0, 7, size=(3, 5))
    Y[0, 3:], Y[2, 1:] = pad, pad
    model = d2l.Seq2Seq(d2l.Seq2SeqEncoder(7, 2, 2, 1), d2l.Decoder(), tgt_pad=pad, lr=0.005)
    mine = model.loss(mg.tensor(Y_hat), d2l.tensor(Y))
    per_token = torch.nn.functional.cross_entropy(torch.tensor(Y_hat).reshape(-1, 7),
                                                  torch.tensor(Y).reshape(-1), reduction="none")
    mask = (torch.tensor(Y).reshape(-1) != pad).float()
    assert mine.item() == pytest.approx(((per_token * mask).sum() / mask.sum()).item(), rel=1e-5)
    # the book's own masking, from the unaveraged losses of Classifier.loss
    unaveraged = d2l.Classifier.loss(model, mg.tensor(Y_hat), d2l.tensor(Y), averaged=False)
    np.testing.assert_allclose(unaveraged.numpy(), per_token.numpy(), rtol=1e-5)
    assert isinstance(model.configure_optimizers(), mg.optim.Adam)


class _Echo(d2l.Decoder):
    """A decoder whose next token is (previous token + 1) mod V, for checking greedy decoding."""

    def __init__(self, vocab_size):
        super().__init__()
        self.vocab_size = vocab_size

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs

    def forward(self, X, state):
        ids = X.numpy()
        logits = np.eye(self.vocab_size, dtype=np.float32)[(ids + 1) % self.vocab_size]
        self.attention_weights = ids
        return mg.tensor(logits), state


class _Identity(d2l.Encoder):
    def forward(self, X, *args):
        return X


def test_predict_step_feeds_back_its_own_predictions():
    model = d2l.Seq2Seq(_Identity(), _Echo(6), tgt_pad=0, lr=0.1)
    bos = d2l.tensor([[2, 0, 0], [4, 0, 0]])
    batch = (d2l.tensor([[1, 2, 3], [3, 2, 1]]), bos, d2l.tensor([3, 3]), bos)
    preds, weights = model.predict_step(batch, d2l.try_gpu(), 4, True)
    np.testing.assert_array_equal(preds.numpy(), [[3, 4, 5, 0], [5, 0, 1, 2]])
    assert len(weights) == 4


# -- training ---------------------------------------------------------------------------------
class _Copy(d2l.DataModule):
    """Sequences of token ids to copy, as MTFraEng arranges its arrays."""

    def __init__(self, batch_size=16, num_train=64, num_val=16):
        super().__init__()
        self.save_hyperparameters()
        gen = np.random.default_rng(0)
        src = gen.integers(3, 9, size=(num_train + num_val, 5))
        tgt_in = np.concatenate([np.full((len(src), 1), 2), src[:, :-1]], axis=1)
        self.arrays = (d2l.tensor(src), d2l.tensor(tgt_in), d2l.tensor(np.full(len(src), 5)),
                       d2l.tensor(src))

    def get_dataloader(self, train):
        rows = slice(0, self.num_train) if train else slice(self.num_train, None)
        return self.get_tensorloader(self.arrays, train, rows)


class _TinyDecoder(d2l.Decoder):
    def __init__(self, vocab_size, num_hiddens):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.rnn = nn.GRU(num_hiddens, num_hiddens)
        self.dense = nn.LazyLinear(vocab_size)           # sized by the trainer's first batch

    def init_state(self, enc_all_outputs, *args):
        return enc_all_outputs[1]

    def forward(self, X, state):
        outputs, state = self.rnn(self.embedding(X.T), state)
        return self.dense(outputs).permute(1, 0, 2), state


@pytest.mark.numpy_only
def test_trainer_fits_a_copy_task_with_clipping_and_lazy_layers():
    data = _Copy()
    model = d2l.Seq2Seq(d2l.Seq2SeqEncoder(9, 16, 16, 1), _TinyDecoder(9, 16), tgt_pad=0,
                        lr=0.02)
    trainer = d2l.Trainer(max_epochs=15, gradient_clip_val=1, num_gpus=1)
    trainer.fit(model, data)
    train_loss = [y for _, y in model.board.data["train_loss"]]
    val_loss = [y for _, y in model.board.data["val_loss"]]
    assert len(val_loss) == 15 and len(train_loss) == 15 * 2     # plot_train_per_epoch=2
    assert train_loss[-1] < 0.5 * train_loss[0] and val_loss[-1] < val_loss[0]
    assert model.decoder.dense.weight.shape == (9, 16)
    assert trainer.num_train_batches == 4 and trainer.num_val_batches == 1
    d2l.plt.close("all")


@pytest.mark.numpy_only
def test_tensor_loader_batches_and_shuffles():
    data = _Copy(batch_size=10, num_train=25, num_val=5)
    loader = data.train_dataloader()
    batches = list(loader)
    assert len(loader) == 3 and [b[0].shape[0] for b in batches] == [10, 10, 5]
    rows = np.concatenate([b[0].numpy() for b in batches])
    expected = data.arrays[0].numpy()[:25]
    assert sorted(map(tuple, rows)) == sorted(map(tuple, expected))
    val = list(data.val_dataloader())
    np.testing.assert_array_equal(val[0][0].numpy(), data.arrays[0].numpy()[25:])


@pytest.mark.numpy_only
def test_tensor_loader_refuses_a_batch_size_below_one():
    # was a ZeroDivisionError from len(loader) deep in Trainer.fit
    with pytest.raises(ValueError, match=r"_Copy.get_tensorloader: batch_size must be an int "
                                         r">= 1, got 0"):
        _Copy(batch_size=0).train_dataloader()


# -- the data ---------------------------------------------------------------------------------
@pytest.mark.numpy_only
def test_mtfraeng_sizes_splits_and_vocabularies(fra_txt):
    data = d2l.MTFraEng(batch_size=128, path=fra_txt)
    src, tgt_in, src_valid_len, label = data.arrays
    with open(fra_txt, encoding="utf-8") as f:
        lines = preprocess_nmt(f.read()).split("\n")[:512 + 128 + 1]
    assert src.shape == (len(lines), 9) and label.shape == tgt_in.shape == (len(lines), 9)
    for vocab in (data.src_vocab, data.tgt_vocab):     # d2l 1.0: alphabetical, <unk> inside
        assert vocab.idx_to_token == sorted(vocab.idx_to_token)
    # row i is line i: tokens + <eos>, padded; the label is the decoder input shifted by one
    for i in (0, 100, 511, 640):
        eng, fra = lines[i].split("\t")
        tokens = eng.split() + ["<eos>"]
        np.testing.assert_array_equal(src.numpy()[i, :len(tokens)],
                                      data.src_vocab[tokens][:9])
        assert src_valid_len.numpy()[i] == min(len(tokens), 9)
        assert data.tgt_vocab.to_tokens(tgt_in[i])[0] == "<bos>"
        np.testing.assert_array_equal(tgt_in.numpy()[i, 1:], label.numpy()[i, :-1])
    assert len(data.train_dataloader()) == 4 and len(data.val_dataloader()) == 2
    engs, fras = ["go .", "i lost ."], ["va !", "j'ai perdu ."]
    built = data.build(engs, fras)
    assert data.tgt_vocab.to_tokens(built[3][1])[:4] == ["j'ai", "perdu", ".", "<eos>"]
    assert built[2].numpy().tolist() == [3, 4]


@pytest.mark.numpy_only
def test_mtfraeng_reads_the_books_root_and_says_where_it_looked(tmp_path, monkeypatch):
    missing = tmp_path / "nothing"
    with pytest.raises(FileNotFoundError) as error:
        d2l.MTFraEng(batch_size=2, root=str(missing))
    message = str(error.value)
    assert str(missing / "fra-eng" / "fra.txt") in message and "download_fra_eng" in message
    (tmp_path / "run").mkdir()
    monkeypatch.chdir(tmp_path / "run")
    with pytest.raises(FileNotFoundError) as error:     # the book's default root, ../data
        d2l.MTFraEng(batch_size=2, num_train=2, num_val=1)
    # named as the folder it is, not as "../data" (relative to what, in a notebook?)
    assert os.path.join(os.path.dirname(os.getcwd()), "data", "fra-eng", "fra.txt") in \
        str(error.value)
    (tmp_path / "data" / "fra-eng").mkdir(parents=True)
    (tmp_path / "data" / "fra-eng" / "fra.txt").write_text(
        "Go.\tVa !\nHi.\tSalut !\nGo.\tVa !\n", encoding="utf-8")
    data = d2l.MTFraEng(batch_size=2, num_train=2, num_val=1)   # the book's root, ../data
    assert data.arrays[0].shape == (3, 9)
    assert data.src_vocab.to_tokens(data.arrays[0][0])[:3] == ["go", ".", "<eos>"]
    # d2l's fra-eng.zip, as the book downloads it, read without extracting
    import zipfile
    with zipfile.ZipFile(tmp_path / "fra-eng.zip", "w") as archive:
        archive.writestr("fra-eng/fra.txt", "Hi.\tSalut !\nHi.\tSalut !\n")
    zipped = d2l.MTFraEng(batch_size=2, num_train=1, num_val=1, root=str(tmp_path))
    assert zipped.tgt_vocab.to_tokens(zipped.arrays[3][0])[:3] == ["salut", "!", "<eos>"]


# -- plots and devices ------------------------------------------------------------------------
@pytest.mark.numpy_only
def test_plots_make_one_figure_each_and_return_none():
    plt = d2l.plt
    plt.close("all")
    assert d2l.show_heatmaps(d2l.reshape(d2l.eye(10), (1, 1, 10, 10)), xlabel="Keys",
                             ylabel="Queries") is None
    P = d2l.ones((1, 60, 32))
    assert d2l.plot(d2l.arange(60), P[0, :, 6:10].T, xlabel="Row (position)", figsize=(6, 2.5),
                    legend=["Col %d" % d for d in d2l.arange(6, 10)]) is None
    assert len(plt.get_fignums()) == 2
    grid = d2l.ones((2, 4, 9, 9))
    d2l.show_heatmaps(grid, xlabel="Key positions", ylabel="Query positions",
                      titles=["Head %d" % i for i in range(1, 5)], figsize=(7, 3.5))
    axes = plt.gcf().axes
    assert [ax.get_title() for ax in axes[:4]] == ["Head 1", "Head 2", "Head 3", "Head 4"]
    plt.close("all")


@pytest.mark.numpy_only
def test_try_gpu_gives_the_gpu_only_where_there_is_one():
    has_gpu = d2l.num_gpus() > 0     # CuPy and a GPU, or the strict backend standing in
    assert d2l.try_gpu() == (d2l.gpu() if has_gpu else d2l.cpu())
    assert d2l.try_all_gpus() == ([d2l.gpu()] if has_gpu else [d2l.cpu()])
    assert d2l.Trainer(max_epochs=1, num_gpus=1).gpus == ([d2l.gpu()] if has_gpu else [])
    assert d2l.Trainer(max_epochs=1).gpus == []


def test_timer_records_runs():
    timer = d2l.Timer()
    timer.stop()
    timer.start()
    timer.stop()
    assert len(timer.times) == 2 and timer.sum() == pytest.approx(sum(timer.cumsum()[-1:]))



@pytest.mark.numpy_only
@pytest.mark.parametrize("args, keyword", [((8,), {"dropuot": 0.5}), ((8, 0.1), {"bias": True})])
def test_additive_attention_refuses_unknown_keywords_as_torch(args, keyword):
    # The book's class hands **kwargs on to nn.Module, and torch's refuses them. Ours must
    # not drop them silently: a misspelt dropout would train without dropout.
    class TorchStyle(torch.nn.Module):
        def __init__(self, num_hiddens, dropout=0.0, **kwargs):
            super().__init__(**kwargs)
    with pytest.raises(TypeError):
        TorchStyle(*args, **keyword)
    with pytest.raises(TypeError, match=list(keyword)[0]):
        d2l.AdditiveAttention(*args, **keyword)
