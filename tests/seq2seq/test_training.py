"""Training the encoder-decoder: the loss falls, runs reproduce, resume is exact (on CuPy: to a
stated tolerance), and checkpoints refuse a model or vocabulary they were not made for."""
import io
import math
import os
import re

import numpy as np
import pytest
from matplotlib.image import imread
from tqdm import tqdm

import minigrad as mg
from minigrad import backend
from seq2seq.checkpoint import (load_checkpoint, model_from_checkpoint, read_checkpoint,
                                save_checkpoint)
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model
from seq2seq.arrays import TranslationBatches
from seq2seq.train import History, TrainConfig, plot_history, train, train_epoch

# Measured (2 epochs of 1000 pairs, 64 Adam steps, seeds 0-4): epoch-2 loss 2.07-2.26 per
# token; an untrained model sits near log(148) = 5.0. The bound leaves a 0.3 margin.
LOSS_AFTER_TWO_EPOCHS = 2.6


@pytest.fixture(scope="module")
def data():
    return load_builtin(num_train=1000, num_valid=40, num_test=40)


def model_config(data, **changes):
    # dropout > 0 on purpose: resuming must restore the dropout masks too
    config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                  embed_size=16, num_hiddens=32, num_layers=1, dropout=0.2)
    config.update(changes)
    return config


def fresh_model(config, seed=0):
    mg.manual_seed(seed)
    return build_model(**config)


def quiet(*args):
    pass


# On CuPy the embedding backward's cupyx.scatter_add adds with atomics, whose order (so the
# float32 rounding) varies from run to run: a resumed run there matches the straight one to a
# tolerance, not bit for bit. NumPy and strict (numpy.add.at, a fixed order) are exact.
def atomic_scatter():
    return backend.get_backend() == "cupy"


WEIGHTS_RTOL, WEIGHTS_ATOL = 1e-4, 1e-6    # on CuPy, after 32 Adam steps in float32
LOSS_RTOL = 1e-4                           # on CuPy, the epoch's mean loss
BLEU_ATOL = 1.0                            # on CuPy: a near-tie argmax may flip a token


def assert_same_weights(a, b):
    state_a, state_b = a.state_dict(), b.state_dict()
    assert list(state_a) == list(state_b)
    for name in state_a:
        if atomic_scatter():
            np.testing.assert_allclose(state_a[name], state_b[name], rtol=WEIGHTS_RTOL,
                                       atol=WEIGHTS_ATOL, err_msg=name)
        else:
            np.testing.assert_array_equal(state_a[name], state_b[name], err_msg=name)


def assert_same_history(a, b):
    assert list(a.epoch) == list(b.epoch)
    for name, tolerance in (("loss", dict(rtol=LOSS_RTOL)), ("valid_bleu", dict(atol=BLEU_ATOL))):
        ours, theirs = list(getattr(a, name)), list(getattr(b, name))   # (the timings differ)
        if atomic_scatter():
            np.testing.assert_allclose(ours, theirs, **tolerance, err_msg=name)
        else:
            assert ours == theirs, name


# numpy only to keep the file fast: the strict backend runs the same training code in the
# two smaller tests below
@pytest.mark.numpy_only
def test_loss_falls_and_resuming_reproduces_the_straight_run(data, tmp_path):
    """A run stopped after epoch 1 and resumed ends with the straight run's weights and history:
    bit for bit on NumPy and strict; on CuPy to WEIGHTS_RTOL/WEIGHTS_ATOL, LOSS_RTOL and
    BLEU_ATOL, because cupyx.scatter_add (the embedding backward) sums in a varying order."""
    config = model_config(data)
    settings = dict(lr=0.02, batch_size=32, seed=0)
    straight_dir, resumed_dir = str(tmp_path / "straight"), str(tmp_path / "resumed")

    straight = fresh_model(config)
    history = train(straight, data, TrainConfig(epochs=2, **settings), config,
                    out_dir=straight_dir, log=quiet)
    assert history.epoch == [1, 2]
    assert history.loss[0] < math.log(len(data.tgt_vocab))
    assert history.loss[1] < history.loss[0]
    assert history.loss[1] < LOSS_AFTER_TWO_EPOCHS

    # 1 epoch, then a new process's worth of state (fresh model, optimizer, RNG) resumes
    train(fresh_model(config), data, TrainConfig(epochs=1, **settings), config,
          out_dir=resumed_dir, log=quiet)
    mg.manual_seed(1234)           # whatever the RNG did in between must not matter
    resumed = fresh_model(config, seed=99)
    logged = []
    resumed_history = train(resumed, data, TrainConfig(epochs=2, **settings), config,
                            out_dir=resumed_dir, resume=True, log=logged.append)
    assert any("resumed" in line and "after epoch 1" in line for line in logged)
    assert_same_history(resumed_history, history)
    assert_same_weights(resumed, straight)


def test_training_writes_checkpoints_and_curves(data, tmp_path):
    small = load_builtin(num_train=200, num_valid=20, num_test=20)
    config = model_config(small, num_hiddens=16, embed_size=8)
    model = fresh_model(config)
    history = train(model, small, TrainConfig(epochs=2, lr=0.02, batch_size=32), config,
                    out_dir=str(tmp_path), log=quiet)
    assert sorted(os.listdir(tmp_path)) == ["best.npz", "curves.png", "last.npz"]

    last = read_checkpoint(str(tmp_path / "last.npz"))
    assert last["history"]["epoch"] == [1, 2]
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(last["model"][name], value, err_msg=name)
    # best.npz holds the first epoch with the highest validation BLEU
    best = read_checkpoint(str(tmp_path / "best.npz"))
    best_epoch = int(np.argmax(history.valid_bleu)) + 1
    assert best["history"]["epoch"] == list(range(1, best_epoch + 1))

    image = imread(str(tmp_path / "curves.png"))
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    ink = (image[..., :3] < 0.5).any(axis=-1)        # dark pixels: axes, ticks, the curves
    assert 0.005 < ink.mean() < 0.5


@pytest.mark.numpy_only
def test_plot_history_draws_both_curves(tmp_path):
    history = History(epoch=[1, 2, 3], loss=[4.0, 2.5, 1.0], valid_bleu=[0.0, 30.0, 70.0])
    path = str(tmp_path / "curves.png")
    plot_history(history, path)
    image = imread(path)
    # matplotlib's default blue (loss) and green (BLEU) lines are both there
    rgb = image[..., :3]
    blue = (rgb[..., 2] > 0.6) & (rgb[..., 0] < 0.3)
    green = (rgb[..., 1] > 0.5) & (rgb[..., 0] < 0.3) & (rgb[..., 2] < 0.3)
    assert blue.sum() > 50 and green.sum() > 50


def test_same_seed_same_run_other_seed_other_run():
    small = load_builtin(num_train=200, num_valid=10, num_test=10)
    config = model_config(small, num_hiddens=16, embed_size=8)

    def run(seed):
        model = fresh_model(config, seed)
        history = train(model, small, TrainConfig(epochs=1, lr=0.02, batch_size=32, seed=seed),
                        config, log=quiet)
        return model, history

    (model_a, history_a), (model_b, history_b) = run(3), run(3)
    assert_same_history(history_a, history_b)
    assert_same_weights(model_a, model_b)
    _, history_c = run(4)
    assert history_c.loss != history_a.loss


@pytest.mark.numpy_only
def test_time_limit_zero_trains_no_epoch():
    small = load_builtin(num_train=100, num_valid=10, num_test=10)
    config = model_config(small, num_hiddens=8, embed_size=4)
    logged = []
    history = train(fresh_model(config), small, TrainConfig(epochs=3, max_seconds=0), config,
                    log=logged.append)
    assert history.epoch == [] and "time limit" in logged[-1]


@pytest.mark.numpy_only
def test_resume_with_other_training_settings_is_refused(tmp_path):
    """lr, batch size, clip and seed shape the run: resuming with others would not continue
    it (the optimizer would even keep the saved lr), so it is refused, naming each."""
    small = load_builtin(num_train=100, num_valid=10, num_test=10)
    config = model_config(small, num_hiddens=8, embed_size=4)
    train(fresh_model(config), small, TrainConfig(epochs=1, lr=0.01, batch_size=32), config,
          out_dir=str(tmp_path), log=quiet)
    other = TrainConfig(epochs=2, lr=0.02, batch_size=16)
    with pytest.raises(ValueError, match=r"train: cannot resume .*last\.npz with other training "
                                         r"settings \(lr: checkpoint 0\.01, now 0\.02; "
                                         r"batch_size: checkpoint 32, now 16\)"):
        train(fresh_model(config), small, other, config, out_dir=str(tmp_path), resume=True,
              log=quiet)
    more_epochs = TrainConfig(epochs=2, lr=0.01, batch_size=32, max_seconds=60)
    history = train(fresh_model(config), small, more_epochs, config, out_dir=str(tmp_path),
                    resume=True, log=quiet)
    assert history.epoch == [1, 2]


@pytest.mark.numpy_only
def test_an_epoch_cut_by_the_time_limit_is_named_and_resumed_from_where_it_stopped(tmp_path):
    small = load_builtin(num_train=100, num_valid=10, num_test=10)
    config = model_config(small, num_hiddens=8, embed_size=4)
    logged = []
    history = train(fresh_model(config), small,
                    TrainConfig(epochs=3, batch_size=32, max_seconds=1e-9), config,
                    out_dir=str(tmp_path), log=logged.append)
    assert history.epoch == [1] and history.batches == [0]       # cut before its first batch
    assert ("(stopped by the time limit after 0 of 4 batches; --resume continues from there)"
            in logged[0])
    position = read_checkpoint(str(tmp_path / "last.npz"))["position"]
    assert position["batch"] == 0 and position["stopped_by"] == "the time limit"
    logged = []
    history = train(fresh_model(config), small, TrainConfig(epochs=2, batch_size=32), config,
                    out_dir=str(tmp_path), resume=True, log=logged.append)
    assert logged[0].endswith("in epoch 1 at batch 1, where the time limit stopped it")
    assert history.epoch == [1, 2] and history.batches == [4, 4]   # epoch 1 redone whole
    assert "position" not in read_checkpoint(str(tmp_path / "last.npz"))


class StopAfter:
    """In place of train's StopRequest: asks to stop once ``count`` batches have started, as
    a signal arriving then would (deterministic, so every point of an epoch can be tried)."""

    def __init__(self, count):
        self.count, self.checks, self.signal_name = count, 0, "SIGTERM"

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass

    @property
    def requested(self):
        self.checks += 1
        return self.checks > self.count     # and stays so, as a signal's flag does


# (stop after so many checks, the epoch and batch it stops at): train checks once a batch and
# once after each epoch's batches, so the 12th check is epoch 2's 3rd batch (of 8 an epoch)
@pytest.mark.parametrize("stop_after, epoch, batch", [(1, 1, 1), (5, 1, 5), (12, 2, 3)])
def test_a_run_stopped_in_mid_epoch_resumes_to_the_straight_runs_weights(
        stop_after, epoch, batch, tmp_path, monkeypatch):
    """Dropout on, Adam's state, the epoch's order and its loss so far: all carried over."""
    from seq2seq import train as training
    from seq2seq.train import TrainingInterrupted
    small = load_builtin(num_train=256, num_valid=10, num_test=10)
    config = model_config(small, num_hiddens=8, embed_size=4)
    settings = dict(epochs=2, batch_size=32, lr=0.01)
    straight = fresh_model(config)
    history = train(straight, small, TrainConfig(**settings), config, log=quiet)
    monkeypatch.setattr(training, "StopRequest", lambda: StopAfter(stop_after))
    with pytest.raises(TrainingInterrupted, match=r"stopped in epoch \d by SIGTERM after \d "
                                                  r"of 8 batches; saved .* with its position"):
        train(fresh_model(config), small, TrainConfig(**settings), config,
              out_dir=str(tmp_path), log=quiet)
    monkeypatch.undo()
    mg.manual_seed(1234)           # whatever the RNG did in between must not matter
    resumed, logged = fresh_model(config, seed=99), []
    resumed_history = train(resumed, small, TrainConfig(**settings), config,
                            out_dir=str(tmp_path), resume=True, log=logged.append)
    assert logged[0].endswith(f"in epoch {epoch} at batch {batch + 1}, where SIGTERM "
                              f"stopped it")
    assert resumed_history.batches == [8, 8]
    assert_same_history(resumed_history, history)
    assert_same_weights(resumed, straight)


@pytest.mark.numpy_only
def test_resume_without_a_checkpoint_is_refused(data, tmp_path):
    config = model_config(data)
    with pytest.raises(FileNotFoundError, match=r"train: nothing to resume.*last\.npz"):
        train(fresh_model(config), data, TrainConfig(epochs=1), config,
              out_dir=str(tmp_path), resume=True, log=quiet)


@pytest.mark.numpy_only
def test_checkpoint_of_another_model_size_is_refused(data, tmp_path):
    path = str(tmp_path / "model.npz")
    config = model_config(data)
    save_checkpoint(path, fresh_model(config), data, config)
    bigger = model_config(data, num_hiddens=48, num_layers=2)
    with pytest.raises(ValueError) as error:
        load_checkpoint(path, fresh_model(bigger), data, bigger)
    message = str(error.value)
    assert message.startswith(f"{path} was trained with another model or vocabulary")
    assert "num_hiddens: checkpoint 32, now 48" in message
    assert "num_layers: checkpoint 1, now 2" in message
    assert "src_vocab:" not in message and "tgt_vocab:" not in message


@pytest.mark.numpy_only
def test_a_float64_checkpoint_is_rebuilt_in_float64_and_refused_by_a_float32_model(data,
                                                                                   tmp_path):
    path = str(tmp_path / "model.npz")
    config = model_config(data)
    mg.set_default_dtype("float64")
    trained = fresh_model(config)
    save_checkpoint(path, trained, data, config)
    mg.set_default_dtype("float32")
    rebuilt = model_from_checkpoint(path)[0]
    assert {p.dtype.name for p in rebuilt.parameters()} == {"float64"}
    assert mg.get_default_dtype() == "float32"            # restored afterwards
    for name, value in trained.state_dict().items():
        np.testing.assert_array_equal(rebuilt.state_dict()[name], value, err_msg=name)
    with pytest.raises(ValueError, match=r"model\.npz was trained with another model or "
                                         r"vocabulary: dtype: checkpoint float64, now float32"):
        load_checkpoint(path, fresh_model(config), data, config)


@pytest.mark.numpy_only
def test_weights_that_do_not_fit_their_config_name_the_file_and_the_keys(data, tmp_path):
    """A checkpoint whose stored config says 32 hidden units but whose weights have 48."""
    path = str(tmp_path / "inconsistent.npz")
    config = model_config(data)
    save_checkpoint(path, fresh_model(model_config(data, num_hiddens=48)), data, config)
    for load in (lambda: model_from_checkpoint(path),
                 lambda: load_checkpoint(path, fresh_model(config), data, config)):
        with pytest.raises(ValueError) as error:
            load()
        message = str(error.value)
        assert message.startswith(f"{path}: the checkpoint's weights do not fit the model: "
                                  f"load_state_dict into EncoderDecoder: shape mismatches: ")
        assert "encoder.rnn.weight_hh_l0: checkpoint (144, 48), model (96, 32)" in message
        assert "decoder.dense.weight: checkpoint" in message


@pytest.mark.numpy_only
def test_checkpoint_of_another_vocabulary_is_refused(data, tmp_path):
    path = str(tmp_path / "model.npz")
    config = model_config(data)
    model = fresh_model(config)
    save_checkpoint(path, model, data, config)
    other = load_builtin(num_train=200, num_valid=10, num_test=10, seed=5)
    other_config = model_config(other)
    with pytest.raises(ValueError) as error:
        load_checkpoint(path, fresh_model(other_config), other, other_config)
    message = str(error.value)
    assert len(other.tgt_vocab) != len(data.tgt_vocab)
    assert (f"tgt_vocab: checkpoint has {len(data.tgt_vocab)} tokens, the data "
            f"{len(other.tgt_vocab)}") in message
    assert f"tgt_vocab_size: checkpoint {len(data.tgt_vocab)}, now {len(other.tgt_vocab)}" \
        in message

    # same sizes, different tokens: the first differing index is named
    shuffled = load_builtin(num_train=1000, num_valid=40, num_test=40)
    shuffled.tgt_vocab.idx_to_token[7], shuffled.tgt_vocab.idx_to_token[8] = (
        shuffled.tgt_vocab.idx_to_token[8], shuffled.tgt_vocab.idx_to_token[7])
    with pytest.raises(ValueError, match=r"tgt_vocab: checkpoint has \d+ tokens, the data "
                                         r"\d+; first difference at index 7"):
        load_checkpoint(path, fresh_model(config), shuffled, config)


@pytest.mark.numpy_only
def test_matching_checkpoint_loads_weights_and_optimizer(data, tmp_path):
    path = str(tmp_path / "model.npz")
    config = model_config(data)
    source = fresh_model(config, seed=1)
    optimizer = mg.optim.Adam(source.parameters(), lr=0.02)
    for p in source.parameters():
        p.grad = backend.xp.ones(p.shape, dtype=p.dtype)   # a device array, as backward makes
    optimizer.step()
    save_checkpoint(path, source, data, config, optimizer, {"history": {"epoch": [1]}})
    target = fresh_model(config, seed=2)
    target_optimizer = mg.optim.Adam(target.parameters(), lr=0.001)
    state = load_checkpoint(path, target, data, config, target_optimizer)
    assert state["history"]["epoch"] == [1]
    assert_same_weights(target, source)
    assert target_optimizer.lr == 0.02
    assert target_optimizer.state_dict()["state"]["0"]["step"] == 1


@pytest.mark.numpy_only
def test_progress_bar_shows_loss_tokens_per_second_and_eta(data):
    """What a learner sees while an epoch runs: position, elapsed<remaining (the ETA), the
    running loss per token and tokens per second; the final loss is the one returned."""
    config = model_config(data, num_hiddens=16, embed_size=8)
    model = fresh_model(config)
    batches = TranslationBatches(data.train[:256], data.src_vocab, data.tgt_vocab,
                                 data.num_steps, batch_size=32, seed=0)
    stream = io.StringIO()
    with tqdm(total=len(batches), file=stream, mininterval=0, miniters=1, ascii=True) as bar:
        loss, tokens_per_s, trained = train_epoch(
            model, mg.optim.Adam(model.parameters(), lr=0.01), batches, 1.0, bar)
    assert trained == 8
    # tqdm pads a frame with spaces where the one before it was longer
    frames = [frame.rstrip() for frame in re.split(r"[\r\n]", stream.getvalue())
              if frame.strip()]
    pattern = (r".*\| *(\d+)/8 \[\d\d:\d\d<\d\d:\d\d, .*loss=(\d+\.\d{3}), "
               r"tok_s=([\d,]+)\]")
    # tqdm redraws after update() and again after set_postfix(): every batch gives a frame
    # with the ETA and the running numbers, and the last frame has the epoch's results
    shown = [re.fullmatch(pattern, frame) for frame in frames if "loss=" in frame]
    assert len(shown) >= 8 and all(shown), frames
    assert re.fullmatch(pattern, frames[-1])[1] == "8"
    assert re.fullmatch(pattern, frames[-1])[2] == f"{loss:.3f}"
    assert tokens_per_s > 0 and all(int(m[3].replace(",", "")) > 0 for m in shown)


class _NaNAtSecondStep:
    """A stand-in model whose loss is NaN at its second batch."""

    def __init__(self):
        self.weight = mg.Tensor(np.ones(2), requires_grad=True)
        self.calls = 0

    def train(self):
        pass

    def parameters(self):
        return [self.weight]

    def loss(self, *batch):
        self.calls += 1
        scale = float("nan") if self.calls == 2 else 1.0
        return (self.weight * scale).sum()


def _batches(n):
    one = (None, None, None, None, np.array([1, 1]))
    return [one] * n


def test_a_non_finite_loss_stops_training_naming_the_step_before_its_update():
    from seq2seq.train import NonFiniteLoss, train_epoch
    model = _NaNAtSecondStep()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    with tqdm(total=3, disable=True) as progress:
        with pytest.raises(NonFiniteLoss, match=r"loss is nan at epoch 4, batch 2 of 3"):
            train_epoch(model, optimizer, _batches(3), 1.0, progress, where="epoch 4, ")
    assert np.isfinite(model.weight.numpy()).all()


def test_skip_nonfinite_skips_the_step_and_trains_the_rest():
    from seq2seq.train import train_epoch
    model = _NaNAtSecondStep()
    optimizer = mg.optim.SGD(model.parameters(), lr=0.1)
    with tqdm(total=3, disable=True) as progress:
        loss, _, trained = train_epoch(model, optimizer, _batches(3), 10.0, progress,
                                       on_nonfinite="skip")
    assert trained == 3 and math.isfinite(loss)
    np.testing.assert_allclose(model.weight.numpy(), 1 - 2 * 0.1)   # two updates, not three
