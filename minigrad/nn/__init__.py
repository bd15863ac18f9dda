"""Layers and models, with PyTorch's names, parameter layouts and default initialisation."""
from minigrad.nn.layers import Dropout, Embedding, Linear
from minigrad.nn.module import Module, Parameter

__all__ = ["Module", "Parameter", "Linear", "Embedding", "Dropout"]
