"""Checkpoints of a translation model: weights, optimizer, model config and vocabularies.

Saved with ``mg.save`` (an .npz without pickle, written atomically). Loading checks that the
checkpoint belongs to this model and data: a different vocabulary or model size is refused
with a message that says what differs.
"""
import numbers

import numpy

import minigrad as mg
from minigrad.serialization import CheckpointError
from seq2seq.models import build_model
from seq2seq.vocab import Vocab

FORMAT = "minigrad-seq2seq-1"
MAX_NUM_STEPS = 4096      # longer sequences than any corpus here: a larger one is tampered
RESERVED = {"src_vocab": ("<unk>", "<pad>"), "tgt_vocab": ("<unk>", "<pad>", "<bos>", "<eos>")}
# the weights whose rows are the tokens of a vocabulary
ROWS = {"encoder.embedding.weight": "src_vocab", "decoder.embedding.weight": "tgt_vocab",
        "decoder.dense.weight": "tgt_vocab", "decoder.dense.bias": "tgt_vocab"}


def save_checkpoint(path, model, data, model_config, optimizer=None, extra=None):
    state = {
        "format": FORMAT,
        "model": model.state_dict(),
        "model_config": dict(model_config),
        "src_vocab": list(data.src_vocab.idx_to_token),
        "tgt_vocab": list(data.tgt_vocab.idx_to_token),
        "num_steps": data.num_steps,
    }
    if optimizer is not None:
        state["optimizer"] = optimizer.state_dict()
    state.update(extra or {})
    mg.save(state, path)


def read_checkpoint(path, allow_nonfinite=False):
    """The checkpoint's contents (plain Python values, NumPy arrays for weights). Weights
    holding NaN or infinity (a diverged run) are a CheckpointError unless ``allow_nonfinite``:
    a model built from them translates to garbage."""
    state = mg.load(path)
    if state.get("format") != FORMAT:
        raise CheckpointError(f"{path}: not a minigrad seq2seq checkpoint (format "
                              f"{state.get('format', 'missing')!r}, expected {FORMAT!r})")
    check_consistent(path, state)
    if not allow_nonfinite:
        check_finite(path, state["model"])
    return state


def check_finite(path, weights):
    """Raise CheckpointError naming the first weight with NaN or infinite values."""
    for key, value in weights.items():
        if getattr(value, "dtype", None) is not None and value.dtype.kind == "f":
            bad = value.size - int(numpy.isfinite(value).sum())
            if bad:
                raise CheckpointError(f"{path}: weight {key!r} holds {bad} NaN or infinite "
                                      f"values of {value.size} (a diverged run?); refused, "
                                      f"since a model with them computes garbage")


def check_consistent(path, state):
    """A checkpoint's parts checked against each other, before anything is built from them:
    the vocabularies (lists of distinct strings holding the reserved tokens) against the
    model config's sizes and the embedding and output rows, and num_steps a sane length.
    Raises CheckpointError naming what is wrong."""
    def bad(reason):
        return CheckpointError(f"{path}: inconsistent checkpoint: {reason}")
    kinds = {"model": dict, "model_config": dict, "src_vocab": list, "tgt_vocab": list}
    for key, kind in kinds.items():
        if not isinstance(state.get(key), kind):
            raise bad(f"{key} must be a {kind.__name__}, got "
                      f"{type(state.get(key)).__name__}")
    steps = state.get("num_steps")
    if (isinstance(steps, bool) or not isinstance(steps, numbers.Integral)
            or not 1 <= steps <= MAX_NUM_STEPS):
        raise bad(f"num_steps must be an integer in [1, {MAX_NUM_STEPS}], got {steps!r}")
    config = state["model_config"]
    for name, reserved in RESERVED.items():
        tokens = state[name]
        if not all(isinstance(t, str) for t in tokens) or len(set(tokens)) != len(tokens):
            raise bad(f"{name} must be a list of distinct strings")
        missing = [t for t in reserved if t not in tokens]
        if missing or tokens[0] != "<unk>":
            raise bad(f"{name} lacks its reserved tokens {missing or ['<unk>']} "
                      f"(<unk> must be index 0)")
        size = config.get(name + "_size")
        if size != len(tokens):
            raise bad(f"{name} has {len(tokens)} tokens but model_config's "
                      f"{name}_size is {size!r}")
    for key, name in ROWS.items():
        weight = state["model"].get(key)
        shape = getattr(weight, "shape", None)
        if weight is not None and (not shape or shape[0] != len(state[name])):
            raise bad(f"{key} has shape {shape}, but {name} has {len(state[name])} tokens "
                      f"(one row each)")


def vocabularies(state):
    """(src_vocab, tgt_vocab) stored in a checkpoint."""
    return (Vocab.from_idx_to_token(state["src_vocab"]),
            Vocab.from_idx_to_token(state["tgt_vocab"]))


def _load_weights(path, target, state, what="weights", into="model"):
    """target.load_state_dict(state), its error (the keys at fault) prefixed with the file."""
    try:
        target.load_state_dict(state)
    except ValueError as exc:
        raise ValueError(f"{path}: the checkpoint's {what} do not fit the {into}: "
                         f"{exc}") from None


def weights_dtype(state):
    """The float dtype of a checkpoint's weights ("float32" or "float64"): the one its model
    was trained in."""
    return next((value.dtype.name for value in state["model"].values()
                 if value.dtype.kind == "f"), None)


def model_from_checkpoint(path):
    """(model, src_vocab, tgt_vocab, num_steps, state) rebuilt from a checkpoint alone, in
    the float dtype it was trained in (a float64 model stays float64)."""
    state = read_checkpoint(path)
    previous = mg.get_default_dtype()
    mg.set_default_dtype(weights_dtype(state) or previous)
    try:
        model = build_model(**state["model_config"])
    finally:
        mg.set_default_dtype(previous)
    _load_weights(path, model, state["model"])
    src_vocab, tgt_vocab = vocabularies(state)
    return model, src_vocab, tgt_vocab, int(state["num_steps"]), state


def load_checkpoint(path, model, data, model_config, optimizer=None):
    """Load weights (and optimizer state) into ``model``, refusing a mismatched checkpoint."""
    state = read_checkpoint(path)
    differences = []
    for key in sorted(set(model_config) | set(state["model_config"])):
        ours, theirs = model_config.get(key), state["model_config"].get(key)
        if ours != theirs:
            differences.append(f"{key}: checkpoint {theirs!r}, now {ours!r}")
    ours = next(iter(model.parameters())).dtype.name
    theirs = weights_dtype(state)
    if theirs is not None and theirs != ours:
        differences.append(f"dtype: checkpoint {theirs}, now {ours}")
    for name, vocab in (("src_vocab", data.src_vocab), ("tgt_vocab", data.tgt_vocab)):
        stored = list(state[name])
        if stored != list(vocab.idx_to_token):
            first = next((i for i, (a, b) in enumerate(zip(stored, vocab.idx_to_token))
                          if a != b), min(len(stored), len(vocab)))
            differences.append(f"{name}: checkpoint has {len(stored)} tokens, the data "
                               f"{len(vocab)}; first difference at index {first}")
    if differences:
        raise ValueError(f"{path} was trained with another model or vocabulary: "
                         + "; ".join(differences))
    _load_weights(path, model, state["model"])
    if optimizer is not None and "optimizer" in state:
        _load_weights(path, optimizer, state["optimizer"], "optimizer state", "optimizer")
    return state
