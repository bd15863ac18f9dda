"""Checkpoint contents checked against each other on load: CheckpointError, never a model
built from a tampered file (a vocabulary shorter than its embedding, num_steps 10^7, ...)."""
import pytest

import minigrad as mg
from minigrad.serialization import CheckpointError
from seq2seq.checkpoint import (MAX_NUM_STEPS, model_from_checkpoint, read_checkpoint,
                                save_checkpoint)
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model

pytestmark = pytest.mark.numpy_only


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    data = load_builtin()
    config = {"src_vocab_size": len(data.src_vocab), "tgt_vocab_size": len(data.tgt_vocab),
              "embed_size": 4, "num_hiddens": 4, "num_layers": 1, "dropout": 0.0}
    path = tmp_path_factory.mktemp("ckpt") / "good.npz"
    save_checkpoint(path, build_model(**config), data, config)
    return path


def tampered(saved, tmp_path, change):
    state = mg.load(saved)
    change(state)
    path = tmp_path / "bad.npz"
    mg.save(state, path)
    return path


def test_a_good_checkpoint_loads(saved):
    model, src_vocab, tgt_vocab, num_steps, _ = model_from_checkpoint(saved)
    assert model.state_dict()["encoder.embedding.weight"].shape[0] == len(src_vocab)


@pytest.mark.parametrize("change, message", [
    (lambda s: s.__setitem__("tgt_vocab", s["tgt_vocab"][:-1]), r"tgt_vocab has \d+ tokens"),
    (lambda s: s.__setitem__("num_steps", 10 ** 7), r"num_steps must be an integer in \[1, "),
    (lambda s: s.__setitem__("num_steps", "ten"), r"num_steps must be an integer"),
    (lambda s: s.__setitem__("src_vocab", [t for t in s["src_vocab"] if t != "<pad>"]),
     r"src_vocab lacks its reserved tokens \['<pad>'\]"),
    (lambda s: s.__setitem__("model_config", [1, 2]), r"model_config must be a dict"),
    (lambda s: s["model_config"].__setitem__("src_vocab_size", 3), r"src_vocab has \d+ tokens but model_config.s src_vocab_size is 3"),
])
def test_inconsistent_contents_are_a_checkpoint_error(saved, tmp_path, change, message):
    path = tampered(saved, tmp_path, change)
    with pytest.raises(CheckpointError, match=r"inconsistent checkpoint: " + message):
        read_checkpoint(path)


def test_an_embedding_with_more_rows_than_the_vocabulary_is_refused(saved, tmp_path):
    def shorter(state):
        state["src_vocab"] = state["src_vocab"][:-1]
        state["model_config"]["src_vocab_size"] -= 1
    with pytest.raises(CheckpointError, match=r"encoder.embedding.weight has shape \(\d+, 4\)"):
        model_from_checkpoint(tampered(saved, tmp_path, shorter))
    assert MAX_NUM_STEPS < 10 ** 7


def test_non_finite_weights_are_refused_unless_asked_for(tmp_path):
    import numpy
    from seq2seq.checkpoint import model_from_checkpoint, read_checkpoint, save_checkpoint
    from seq2seq.datasets import load_builtin
    from seq2seq.models import build_model
    from minigrad.serialization import CheckpointError
    data = load_builtin(num_train=50, num_valid=5, num_test=5)
    config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                  embed_size=4, num_hiddens=8, num_layers=1, dropout=0.0)
    model = build_model(**config)
    weight = model.decoder.dense.weight
    weight.data = weight.data * numpy.nan
    path = str(tmp_path / "diverged.npz")
    save_checkpoint(path, model, data, config)
    for read in (read_checkpoint, model_from_checkpoint):
        with pytest.raises(CheckpointError, match=r"diverged\.npz: weight 'decoder\.dense\."
                                                  r"weight' holds \d+ NaN or infinite values"):
            read(path)
    assert numpy.isnan(read_checkpoint(path, allow_nonfinite=True)["model"][
        "decoder.dense.weight"]).all()
