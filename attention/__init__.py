"""Attention mechanisms of d2l's attention chapter, built on minigrad's public API only.

Reading order: scoring (masked softmax and the additive, dot-product and general scorers),
multihead (multi-head attention), positional (sinusoidal positional encoding), heatmap
(plotting attention weights).
"""
from attention.heatmap_grid import show_heatmaps
from attention.multihead import MultiHeadAttention
from attention.positional import PositionalEncoding
from attention.scoring import (AdditiveAttention, DotProductAttention, GeneralAttention,
                               masked_softmax)

__all__ = ["masked_softmax", "AdditiveAttention", "DotProductAttention", "GeneralAttention",
           "MultiHeadAttention", "PositionalEncoding", "show_heatmaps"]
