"""Every differentiable op of the engine, each with its forward and backward side by side.

Read in this order: arithmetic, unary, reduction, shape, matmul, embedding, softmax, loss,
dropout, rnn, attention, layernorm; then the
torch surface's pointwise and indexing. ``common`` holds what they share (operand conversion,
``unbroadcast``).
"""
from minigrad.ops.arithmetic import add, div, mul, neg, pow, sub
from minigrad.ops.attention import (additive_attention_weights, additive_scores,
                                    additive_scores_composed)
from minigrad.ops.dropout import dropout
from minigrad.ops.embedding import embedding
from minigrad.ops.layernorm import layer_norm, layer_norm_composed
from minigrad.ops.loss import cross_entropy, cross_entropy_composed
from minigrad.ops.matmul import bmm, linear, matmul
from minigrad.ops.reduction import max, mean, sum
from minigrad.ops.rnn import (gru_cell, gru_cell_composed, gru_sequence, gru_sequence_composed,
                              lstm_cell, lstm_cell_composed)
from minigrad.ops.shape import (concat, getitem, permute, reshape, squeeze, stack, swapaxes,
                                transpose, unsqueeze)
from minigrad.ops.softmax import (log_softmax, masked_softmax, masked_softmax_composed,
                                  softmax, softmax_composed)
from minigrad.ops.unary import exp, log, relu, sigmoid, tanh
from minigrad.ops.pointwise import (abs, astype, clamp, clone, cos, gelu, maximum, minimum, sin,
                                    sqrt)
from minigrad.ops.indexing import (expand, gather, index_put, index_put_, masked_fill,
                                   max_with_indices, repeat, repeat_interleave, sort, split,
                                   where)
from minigrad.ops.reduction import min

__all__ = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "tanh", "sigmoid", "relu",
    "sum", "mean", "max", "reshape", "permute", "transpose", "swapaxes", "getitem", "concat", "stack",
    "squeeze", "unsqueeze", "matmul", "bmm", "linear", "embedding", "softmax", "log_softmax",
    "masked_softmax", "cross_entropy", "dropout", "gru_cell", "gru_sequence", "lstm_cell",
    "additive_scores", "additive_attention_weights", "softmax_composed",
    "masked_softmax_composed", "cross_entropy_composed",
    "gru_cell_composed", "gru_sequence_composed", "lstm_cell_composed",
    "additive_scores_composed", "layer_norm",
    "layer_norm_composed",
    "sin", "cos", "abs", "sqrt", "maximum", "minimum", "clamp", "gelu", "astype", "clone",
    "index_put", "index_put_", "masked_fill", "gather", "max_with_indices", "repeat",
    "repeat_interleave", "sort", "split", "where", "min", "expand",
]
