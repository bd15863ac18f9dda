"""Layers and models, with PyTorch's names, parameter layouts and default initialisation."""
from minigrad.nn import functional, init, utils
from minigrad.nn.activation import GELU, Flatten, Identity, ReLU, Sigmoid, Softmax, Tanh
from minigrad.nn.loss import CrossEntropyLoss, MSELoss
from minigrad.nn.normalization import BatchNorm1d, LazyBatchNorm1d
from minigrad.nn.containers import Sequential
from minigrad.nn.layers import Dropout, Embedding, LayerNorm, LazyLinear, Linear
from minigrad.nn.module import Module, Parameter, check_sizes
from minigrad.nn.rnn import GRU, LSTM, GRUCell, LSTMCell

__all__ = ["Module", "Parameter", "Linear", "LazyLinear", "Embedding", "Dropout", "LayerNorm",
           "Sequential",
           "GRUCell", "GRU", "LSTMCell", "LSTM", "check_sizes", "utils",
           "functional", "init", "ReLU", "GELU", "Sigmoid", "Tanh", "Softmax", "Flatten",
           "Identity", "CrossEntropyLoss", "MSELoss", "BatchNorm1d", "LazyBatchNorm1d"]
