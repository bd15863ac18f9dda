"""The Transformer encoder-decoder of d2l 11.7 (Vaswani et al.), from minigrad and attention.

Both halves are stacks of blocks made of multi-head attention, a position-wise feed-forward
network, and "add & norm" around each (a residual connection, then layer normalisation):

    encoder block:  Y = AddNorm(X, SelfAttention(X, X, X, enc_valid_lens))
                    out = AddNorm(Y, FFN(Y))
    decoder block:  Y = AddNorm(X, MaskedSelfAttention(X, [cache; X], [cache; X]))
                    Z = AddNorm(Y, Attention(Y, enc_outputs, enc_outputs, enc_valid_lens))
                    out = AddNorm(Z, FFN(Z))

where [cache; X] is the block's inputs of the steps already decoded (none in training)
followed by X. Token embeddings are multiplied by sqrt(num_hiddens) before the sinusoidal
positional encoding is added. Masks: the encoder and the encoder-decoder attention ignore
source padding (keys at positions >= enc_valid_lens); the decoder's self-attention lets the
query at step t see steps 0..t only (the causal mask, d2l's ``dec_valid_lens`` = 1, 2, ..., T).

Decoding one token at a time, each decoder block caches its inputs of the earlier steps (the
keys and values of its self-attention), as d2l does, so step t attends to steps 0..t. Two
differences from d2l: d2l applies the causal mask in training mode only (at prediction it feeds
one token at a time, which needs none), and its positional encoding, given one token, adds
P[0] at every step. Here the mask is applied whenever a forward pass feeds several steps, and
step t adds P[t], so a teacher-forced forward in eval mode gives the same logits as
step-by-step decoding (the tests check it), and the heatmaps of a translation can be read from
one pass.

Shapes: B batch, T steps (T_src source, T_tgt target), H num_hiddens, h heads, V vocab.
"""
import math

import numpy

from attention import MultiHeadAttention, PositionalEncoding
from minigrad import nn, ops


class PositionWiseFFN(nn.Module):
    """The same two-layer MLP at every position: dense2(relu(dense1(X))), (B, T, in) ->
    (B, T, ffn_num_outputs). As in d2l, dense1 is lazy: ``PositionWiseFFN(4, 8)`` reads its
    input size from the first input. ``ffn_num_inputs`` builds it at once (the Transformer
    does, so that its parameters exist before the optimizer and load_state_dict see them)."""

    def __init__(self, ffn_num_hiddens, ffn_num_outputs, ffn_num_inputs=None):
        super().__init__()
        self.dense1 = (nn.LazyLinear(ffn_num_hiddens) if ffn_num_inputs is None
                       else nn.Linear(ffn_num_inputs, ffn_num_hiddens))
        self.dense2 = nn.Linear(ffn_num_hiddens, ffn_num_outputs)

    def forward(self, X):
        return self.dense2(self.dense1(X).relu())


class AddNorm(nn.Module):
    """The residual connection followed by layer normalisation: ln(dropout(Y) + X), where Y is
    the output of the sublayer that read X."""

    def __init__(self, norm_shape, dropout):
        super().__init__()
        self.dropout = nn.Dropout(dropout)
        self.ln = nn.LayerNorm(norm_shape)

    def forward(self, X, Y):
        if X.shape != Y.shape:
            raise ValueError(f"AddNorm: the residual X {X.shape} and the sublayer's output Y "
                             f"{Y.shape} need one shape")
        return self.ln(self.dropout(Y) + X)


class TransformerEncoderBlock(nn.Module):
    """Self-attention over the source, then the FFN, each inside an AddNorm.
    forward(X (B, T, H), valid_lens (B,)) -> (B, T, H)."""

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias=False):
        super().__init__()
        self.attention = MultiHeadAttention(num_hiddens, num_heads, dropout, use_bias)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens, ffn_num_inputs=num_hiddens)
        self.addnorm2 = AddNorm(num_hiddens, dropout)

    def forward(self, X, valid_lens):
        Y = self.addnorm1(X, self.attention(X, X, X, valid_lens))
        return self.addnorm2(Y, self.ffn(Y))


class TransformerEncoder(nn.Module):
    """forward(X (B, T) ids, valid_lens (B,)) -> encoded source (B, T, H).

    ``.attention_weights[i]`` holds block i's self-attention weights (B * h, T, T) of the last
    forward (row b * h + j is head j of example b)."""

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout,
                 use_bias=False):
        super().__init__()
        self.num_hiddens = num_hiddens
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module(str(i), TransformerEncoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, use_bias))
        self.attention_weights = [None] * num_blks

    def forward(self, X, valid_lens):
        # the embeddings are scaled up before the positional encoding, whose entries lie in
        # [-1, 1], is added: (B, T) -> (B, T, H)
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens))
        for i, blk in enumerate(self.blks):
            X = blk(X, valid_lens)
            self.attention_weights[i] = blk.attention.attention_weights
        return X


def causal_valid_lens(batch, steps, earlier):
    """d2l's dec_valid_lens: the query at new step t sees the ``earlier`` cached steps and the
    new steps 0..t, so its valid length is earlier + t + 1. -> host array (B, T)."""
    return numpy.tile(numpy.arange(earlier + 1, earlier + steps + 1), (batch, 1))


class TransformerDecoderBlock(nn.Module):
    """Block ``i`` of the decoder: masked self-attention, encoder-decoder attention, FFN.

    forward(X (B, T, H), state) -> (output (B, T, H), state), with state =
    (enc_outputs (B, T_src, H), enc_valid_lens (B,), caches), caches[i] holding this block's
    inputs of the earlier steps (B, T_earlier, H) or None. The returned state has caches[i]
    extended by X; the given state is not changed (beam search keeps and reorders states).
    """

    def __init__(self, num_hiddens, ffn_num_hiddens, num_heads, dropout, i):
        super().__init__()
        self.i = i
        self.attention1 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm1 = AddNorm(num_hiddens, dropout)
        self.attention2 = MultiHeadAttention(num_hiddens, num_heads, dropout)
        self.addnorm2 = AddNorm(num_hiddens, dropout)
        self.ffn = PositionWiseFFN(ffn_num_hiddens, num_hiddens, ffn_num_inputs=num_hiddens)
        self.addnorm3 = AddNorm(num_hiddens, dropout)

    def forward(self, X, state):
        enc_outputs, enc_valid_lens, caches = state
        cache = caches[self.i]
        earlier = 0 if cache is None else cache.shape[1]
        key_values = X if cache is None else ops.concat([cache, X], axis=1)  # (B, earlier+T, H)
        caches = list(caches)
        caches[self.i] = key_values
        batch, steps = X.shape[0], X.shape[1]
        # one new step may see every cached step: no mask needed
        dec_valid_lens = None if steps == 1 else causal_valid_lens(batch, steps, earlier)
        Y = self.addnorm1(X, self.attention1(X, key_values, key_values, dec_valid_lens))
        Z = self.addnorm2(Y, self.attention2(Y, enc_outputs, enc_outputs, enc_valid_lens))
        return self.addnorm3(Z, self.ffn(Z)), (enc_outputs, enc_valid_lens, caches)


class TransformerDecoder(nn.Module):
    """forward(X (B, T) ids, state) -> (logits (B, T, V), state), teacher-forced; and the
    step-by-step interface of ``seq2seq.decoding`` (start_decoding, decode_step, select).

    ``.attention_weights`` is [self-attention weights, encoder-decoder weights], each a list
    with one (B * h, T, keys) array per block, of the last forward, as d2l's property."""

    def __init__(self, vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks, dropout):
        super().__init__()
        self.num_hiddens, self.num_blks = num_hiddens, num_blks
        self.embedding = nn.Embedding(vocab_size, num_hiddens)
        self.pos_encoding = PositionalEncoding(num_hiddens, dropout)
        self.blks = nn.Sequential()
        for i in range(num_blks):
            self.blks.add_module(str(i), TransformerDecoderBlock(
                num_hiddens, ffn_num_hiddens, num_heads, dropout, i))
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.attention_weights = [[None] * num_blks for _ in range(2)]

    def init_state(self, enc_outputs, enc_valid_lens):
        """-> (enc_outputs (B, T_src, H), enc_valid_lens (B,), one empty cache per block)."""
        return (enc_outputs, enc_valid_lens, [None] * self.num_blks)

    def features(self, X, state):
        """X (B, T) ids -> (the last block's outputs (B, T, H), state): all but ``dense``."""
        caches = state[2]
        earlier = 0 if caches[0] is None else caches[0].shape[1]   # steps already decoded
        X = self.pos_encoding(self.embedding(X) * math.sqrt(self.num_hiddens), earlier)
        for i, blk in enumerate(self.blks):
            X, state = blk(X, state)
            self.attention_weights[0][i] = blk.attention1.attention_weights
            self.attention_weights[1][i] = blk.attention2.attention_weights
        return X, state

    def forward(self, X, state):
        X, state = self.features(X, state)
        return self.dense(X), state                                  # (B, T, V)

    # -- step by step, for greedy and beam decoding ------------------------------------
    def start_decoding(self, state):
        return state

    def decode_step(self, tokens, state):
        """tokens (B,) -> (logits (B, V), state, attention weights (B, T_src)): the weights
        are the last block's encoder-decoder attention, averaged over the heads."""
        logits, state = self.forward(tokens.reshape(-1, 1), state)   # (B, 1, V)
        weights = self.attention_weights[1][-1]                       # (B * h, 1, T_src)
        heads = self.blks[-1].attention2.num_heads
        # row b * h + j is head j of sentence b: (B * h, 1, T_src) -> (B, h, T_src) -> (B, T_src)
        weights = weights.reshape(-1, heads, weights.shape[-1]).mean(axis=1)
        return logits[:, 0], state, weights

    def select(self, state, index):
        enc_outputs, enc_valid_lens, caches = state
        return (enc_outputs[index], None if enc_valid_lens is None else enc_valid_lens[index],
                [None if cache is None else cache[index] for cache in caches])
