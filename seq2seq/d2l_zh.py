"""The d2l package of the Chinese edition (d2l 2.0, the 0.17-style API), on minigrad.

A learner runs the attention chapter of d2l-zh by changing its import lines only:

    import minigrad as torch
    from minigrad import nn
    from seq2seq import d2l_zh as d2l

Everything here is our own code over our engine, models, data and plots, under the names and
signatures the book calls:

- data (``seq2seq/d2l_zh_data.py``): ``load_data_nmt``, ``read_data_nmt``, ``load_array``,
  ``Vocab``, ``truncate_pad``, ``build_array_nmt``, ``preprocess_nmt``, ``tokenize_nmt``;
- models (``seq2seq/d2l_zh_models.py``): ``Encoder``, ``Decoder``, ``AttentionDecoder``,
  ``EncoderDecoder``, ``Seq2SeqEncoder``, ``sequence_mask``, ``MaskedSoftmaxCELoss``,
  ``MultiHeadAttention``, ``transpose_qkv``, ``transpose_output``; and from ``attention``:
  ``masked_softmax``, ``AdditiveAttention``, ``DotProductAttention``, ``PositionalEncoding``;
- training (``seq2seq/d2l_zh_train.py``): ``train_seq2seq``, ``predict_seq2seq``,
  ``grad_clipping``, ``bleu``;
- figures, timing and devices, shared with d2l 1.0's module (``seq2seq/book/``): ``plot``,
  ``set_figsize``, ``set_axes``, ``use_svg_display``, ``show_heatmaps``, ``plt``, ``Timer``,
  ``try_gpu``; and the 0.17 API's own ``Animator`` and ``Accumulator``
  (``seq2seq/d2l_zh_plot.py``);
- the book's array aliases (``d2l.ones``, ``d2l.reshape``, ``d2l.float32``, ...): minigrad's
  torch-style functions under d2l's names.
"""
import minigrad as mg
from attention import (AdditiveAttention, DotProductAttention, PositionalEncoding,  # noqa: F401
                       masked_softmax)
from seq2seq import arrays as _arrays
from seq2seq.arrays import truncate_pad  # noqa: F401
from seq2seq.bleu import bleu  # noqa: F401
from seq2seq.d2l_zh_data import (DataNotFound, load_array, load_data_nmt,  # noqa: F401
                                 read_data_nmt)
from seq2seq.d2l_zh_models import (AttentionDecoder, Decoder, Encoder,  # noqa: F401
                                   EncoderDecoder, MaskedSoftmaxCELoss, MultiHeadAttention,
                                   Seq2SeqEncoder, sequence_mask, transpose_output,
                                   transpose_qkv)
from seq2seq.book.devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu  # noqa: F401
from seq2seq.book import plots as _plots
from seq2seq.book.plots import plt, set_axes, set_figsize, use_svg_display  # noqa: F401
from seq2seq.book.timer import Timer  # noqa: F401
from seq2seq.d2l_zh_plot import Accumulator, Animator  # noqa: F401
from seq2seq.d2l_zh_train import (grad_clipping, predict_seq2seq, train_seq2seq,  # noqa: F401
                                  xavier_init_weights)
from seq2seq.text import preprocess_nmt, tokenize_nmt  # noqa: F401
from seq2seq.vocab import Vocab  # noqa: F401


def plot(*args, **kwargs):
    """The shared ``seq2seq.book.plots.plot``, returning None like the book's: a cell that ends
    with ``d2l.plot(...)`` shows the figure once, with no ``<Axes ...>`` line under it."""
    _plots.plot(*args, **kwargs)


def show_heatmaps(*args, **kwargs):
    """The shared ``seq2seq.book.plots.show_heatmaps`` (the book's signature), returning None
    like the book's: in Jupyter a returned Figure would be drawn a second time."""
    _plots.show_heatmaps(*args, **kwargs)


def build_array_nmt(lines, vocab, num_steps):
    """Token lists -> (ids (N, num_steps), valid lengths (N,)) as integer Tensors."""
    array, valid_len = _arrays.build_array_nmt(lines, vocab, num_steps)
    return mg.Tensor(array), mg.Tensor(valid_len)


# -- the book's array aliases -------------------------------------------------------------
# d2l names torch's functions once (d2l.ones is torch.ones, d2l.concat is torch.cat, ...) so
# that its text reads the same in every framework. These are minigrad's torch-style names.
_SAME_NAME = ("ones", "zeros", "tensor", "arange", "meshgrid", "sin", "sinh", "cos", "cosh",
              "tanh", "linspace", "exp", "log", "normal", "rand", "randn", "matmul", "int32",
              "float32", "stack", "abs", "eye")
_RENAMED = {"concat": "cat"}


def __getattr__(name):
    """The aliases above, looked up when first used (so that importing this module does not
    fail on a name the engine lacks)."""
    if name in _SAME_NAME or name in _RENAMED:
        target = _RENAMED.get(name, name)
        if not hasattr(mg, target):
            raise AttributeError(f"d2l.{name} needs minigrad.{target}, which this minigrad "
                                 f"does not have")
        return getattr(mg, target)
    raise AttributeError(f"module 'seq2seq.d2l_zh' has no attribute {name!r}")


def numpy(x, *args, **kwargs):
    """x as a host NumPy array (detached)."""
    return x.detach().numpy(*args, **kwargs)


def size(x):
    """The number of elements of x."""
    return x.numel() if hasattr(x, "numel") else x.data.size


def reshape(x, *args, **kwargs):
    return x.reshape(*args, **kwargs)


def to(x, *args, **kwargs):
    return x.to(*args, **kwargs)


def reduce_sum(x, *args, **kwargs):
    return x.sum(*args, **kwargs)


def reduce_mean(x, *args, **kwargs):
    return x.mean(*args, **kwargs)


def argmax(x, *args, **kwargs):
    return x.argmax(*args, **kwargs)


def astype(x, *args, **kwargs):
    return x.type(*args, **kwargs)


def transpose(x, *args, **kwargs):
    """The transpose of a matrix (torch's ``x.t()``)."""
    return x.t(*args, **kwargs) if hasattr(x, "t") else x.T
