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
- the book's array names (``d2l.ones``, ``d2l.reshape``, ``d2l.float32``, ...): minigrad's
  torch-style functions under d2l's names (``seq2seq/book/arrays.py``).
"""
import minigrad as mg
from attention import (AdditiveAttention, DotProductAttention, PositionalEncoding,  # noqa: F401
                       masked_softmax)
from seq2seq import arrays as _arrays
from seq2seq.arrays import truncate_pad  # noqa: F401
from seq2seq.bleu import bleu  # noqa: F401
# the array names d2l gives torch's functions (d2l.ones is torch.ones, d2l.concat is torch.cat,
# ...), shared with d2l 1.0's module
from seq2seq.book.arrays import (  # noqa: F401
    abs, arange, argmax, astype, concat, cos, exp, eye, float32, int32, linspace, log, matmul,
    normal, numpy, ones, rand, randn, reduce_mean, reduce_sum, reshape, sin, size, stack, tanh,
    tensor, to, transpose, zeros)
from seq2seq.d2l_zh_data import (DataNotFound, load_array, load_data_nmt,  # noqa: F401
                                 read_data_nmt)
from seq2seq.d2l_zh_models import (AttentionDecoder, Decoder, Encoder,  # noqa: F401
                                   EncoderDecoder, MaskedSoftmaxCELoss, MultiHeadAttention,
                                   Seq2SeqEncoder, sequence_mask, transpose_output,
                                   transpose_qkv)
from seq2seq.book.devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu  # noqa: F401
from seq2seq.book.plots import (plot, plt, set_axes, set_figsize, show_heatmaps,  # noqa: F401
                                use_svg_display)
from seq2seq.book.timer import Timer  # noqa: F401
from seq2seq.d2l_zh_plot import Accumulator, Animator  # noqa: F401
from seq2seq.d2l_zh_train import (grad_clipping, predict_seq2seq, train_seq2seq,  # noqa: F401
                                  xavier_init_weights)
from seq2seq.text import preprocess_nmt, tokenize_nmt  # noqa: F401
from seq2seq.vocab import Vocab  # noqa: F401


def build_array_nmt(lines, vocab, num_steps):
    """Token lists -> (ids (N, num_steps), valid lengths (N,)) as integer Tensors."""
    array, valid_len = _arrays.build_array_nmt(lines, vocab, num_steps)
    return mg.Tensor(array), mg.Tensor(valid_len)


# d2l.meshgrid, d2l.sinh, d2l.cosh: the names of the book's alias list that minigrad may lack
_LATER = ("meshgrid", "sinh", "cosh")


def __getattr__(name):
    """``d2l.meshgrid``, ``d2l.sinh``, ``d2l.cosh``: minigrad's, where it has them."""
    if name in _LATER and hasattr(mg, name):
        return getattr(mg, name)
    raise AttributeError(f"module 'seq2seq.d2l_zh' has no attribute {name!r}")
