"""d2l 1.0's helpers on minigrad: the module a learner imports in place of the book's package.

In a notebook of *Dive into Deep Learning* (English edition, PyTorch tab), change the four
import lines and run the cells as they are:

    import minigrad as torch                    # was: import torch
    from minigrad import nn                     # was: from torch import nn
    from minigrad.nn import functional as F     # was: from torch.nn import functional as F
    from seq2seq import d2l                     # was: from d2l import torch as d2l

Everything here is our own code over our engine and models (see ``seq2seq/book/``): the
training framework (``Module``, ``DataModule``, ``Trainer``), the English-French data
(``MTFraEng``), the encoder-decoder classes, the attention layers, BLEU, the plots, the
device helpers and the array names (``d2l.ones``, ``d2l.reshape``, ...).
"""
from matplotlib import pyplot as plt  # noqa: F401 (the book calls d2l.plt)

from attention import DotProductAttention, PositionalEncoding, masked_softmax  # noqa: F401
from seq2seq.bleu import bleu  # noqa: F401
from seq2seq.book.arrays import (  # noqa: F401
    abs, arange, argmax, astype, batch_matmul, concat, cos, exp, expand_dims, eye, float32,
    int32, int64, linspace, log, matmul, normal, numpy, ones, ones_like, rand, randn,
    reduce_mean, reduce_sum, repeat, reshape, sigmoid, sin, size, stack, swapaxes, tanh,
    tensor, to, transpose, zeros, zeros_like)
from seq2seq.book.devices import cpu, gpu, num_gpus, try_all_gpus, try_gpu  # noqa: F401
from seq2seq.book.framework import (  # noqa: F401
    DataModule, HyperParameters, Module, Trainer, add_to_class, check_len, check_shape)
from seq2seq.book.models import (  # noqa: F401
    AdditiveAttention, AttentionDecoder, Classifier, Decoder, Encoder, EncoderDecoder,
    MultiHeadAttention, Seq2Seq, Seq2SeqEncoder, init_seq2seq)
from seq2seq.book.mt_data import MTFraEng, SortedVocab as Vocab  # noqa: F401
from seq2seq.book.plots import (  # noqa: F401
    ProgressBoard, plot, set_axes, set_figsize, show_heatmaps, use_svg_display)
from seq2seq.book.timer import Timer  # noqa: F401
from seq2seq.transformer import (  # noqa: F401
    AddNorm, PositionWiseFFN, TransformerEncoder, TransformerEncoderBlock)
