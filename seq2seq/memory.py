"""Sizing before allocating: how much memory a model or a beam will need, checked against
what the machine has, so that an absurd size is one line with the numbers instead of a
MemoryError (or minutes of swapping) later.

The counts are upper estimates from the settings alone, within 50% or so: enough to
tell 10 GiB from 10 TiB, not to plan the last megabyte.
"""
import os


class TooBig(MemoryError):
    """A size the machine cannot hold; the message names what, how much, and what there is."""


def available_memory():
    """Bytes of memory available to a new allocation (Linux: MemAvailable), or None."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def readable_bytes(n):
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if n < 1024 or unit == "PiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024


def check_fits(what, nbytes, available=None):
    """Raise TooBig when ``nbytes`` exceed the memory available (unknown: no check)."""
    available = available_memory() if available is None else available
    if available is not None and nbytes > available:
        raise TooBig(f"{what} needs about {readable_bytes(nbytes)}, more than the "
                     f"{readable_bytes(available)} of memory available")


def model_parameters(model="rnn", src_vocab_size=1, tgt_vocab_size=1, embed_size=0,
                     num_hiddens=0, num_layers=1, bidirectional=False, cell="gru",
                     ffn_num_hiddens=0, num_blks=1, **_):
    """An upper estimate of a build_model config's parameter count."""
    H = num_hiddens
    if model == "transformer":
        per_block = 4 * H * H + 2 * H * ffn_num_hiddens + 8 * H + ffn_num_hiddens
        return ((src_vocab_size + tgt_vocab_size) * H + num_blks * 3 * per_block
                + H * tgt_vocab_size + tgt_vocab_size)
    E, gates, dirs = embed_size, (4 if cell == "lstm" else 3), (2 if bidirectional else 1)

    def rnn(first_input, layers, directions):
        inputs = first_input + (layers - 1) * H * directions
        return directions * gates * H * (inputs + layers * (H + 2))
    encoder = src_vocab_size * E + rnn(E, num_layers, dirs) + 2 * H * H + H
    attention = 3 * (dirs * H + H) * H + H          # the scorers' projections, at most
    decoder = (tgt_vocab_size * E + rnn(E + dirs * H, num_layers, 1) + attention
               + H * tgt_vocab_size + tgt_vocab_size)
    return encoder + decoder


def training_bytes(model_config, itemsize):
    """Weights, gradients and Adam's two moments: four copies of the parameters."""
    return 4 * model_parameters(**model_config) * itemsize


def beam_bytes(beam_size, tgt_vocab_size, num_steps, num_hiddens, itemsize=8):
    """One beam-search step's arrays: scores of every (hypothesis, token), the decoder's
    activations over the source positions, and the attention rows each hypothesis keeps."""
    per_hypothesis = (4 * tgt_vocab_size * 8 + 8 * num_steps * num_hiddens * itemsize
                      + num_steps * (num_steps * 8 + 120))
    return beam_size * per_hypothesis
