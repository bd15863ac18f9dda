"""A PyTorch implementation of d2l's Bahdanau encoder-decoder, written the d2l way.

Its module tree has the names of API.md, so a minigrad model's state_dict loads into it
(torch.from_numpy) and the two compute the same function. Used by the seq2seq tests and by
benchmarks/bench_seq2seq.py .
"""
import os
import sys

import torch
from torch import nn

# The attention twins (d2l's masked softmax and additive attention) live with the attention tests.
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "attention"))
from attention_torch_reference import (AdditiveAttention, DotProductAttention,  # noqa: E402
                                       GeneralAttention)


class Seq2SeqEncoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0.0):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size, num_hiddens, num_layers, dropout=dropout)

    def forward(self, X, *args):
        embs = self.embedding(X.t().type(torch.int64))     # (T, B, E)
        return self.rnn(embs)


class Seq2SeqAttentionDecoder(nn.Module):
    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0.0):
        super().__init__()
        self.attention = AdditiveAttention(num_hiddens, num_hiddens, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = nn.GRU(embed_size + num_hiddens, num_hiddens, num_layers, dropout=dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, enc_valid_lens):
        outputs, hidden_state = enc_outputs
        return outputs.permute(1, 0, 2), hidden_state, enc_valid_lens

    def forward(self, X, state):
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)
        outputs = []
        for x in X:
            query = torch.unsqueeze(hidden_state[-1], dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), (enc_outputs, hidden_state, enc_valid_lens)


class EncoderDecoder(nn.Module):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, enc_valid_lens):
        enc_outputs = self.encoder(enc_X, enc_valid_lens)
        state = self.decoder.init_state(enc_outputs, enc_valid_lens)
        return self.decoder(dec_X, state)[0]


def build(src_vocab, tgt_vocab, embed_size, num_hiddens, num_layers, dropout=0.0):
    return EncoderDecoder(
        Seq2SeqEncoder(src_vocab, embed_size, num_hiddens, num_layers, dropout),
        Seq2SeqAttentionDecoder(tgt_vocab, embed_size, num_hiddens, num_layers, dropout))


def masked_cross_entropy(logits, labels, valid_lens):
    """Sum of token cross-entropies at t < valid_len over the number of such tokens."""
    steps = logits.shape[1]
    mask = (torch.arange(steps)[None, :] < valid_lens[:, None]).to(logits.dtype)
    losses = nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]),
                                         labels.reshape(-1), reduction="none")
    return (losses * mask.reshape(-1)).sum() / mask.sum()


# ---- every variant build_model offers: plain decoder, LSTM, bidirectional bridge, scorers ----


def _top_hidden(state):
    """The last layer's hidden state: of a GRU state, or of an LSTM's (h, c)."""
    return (state[0] if isinstance(state, tuple) else state)[-1]


class VariantEncoder(nn.Module):
    """Embedding, GRU or LSTM (optionally bidirectional); when bidirectional, each layer's
    final forward and backward states [h_fwd; h_bwd] pass through tanh(bridge(.)) (for an
    LSTM both h and c do) to give the decoder's (L, B, H) start state."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, cell, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(embed_size, num_hiddens, num_layers, bidirectional=bidirectional)
        if bidirectional:
            self.bridge = nn.Linear(2 * num_hiddens, num_hiddens)
        self.bidirectional = bidirectional

    def forward(self, X, *args):
        outputs, state = self.rnn(self.embedding(X.t().type(torch.int64)))
        if self.bidirectional:
            state = (tuple(self._bridge(s) for s in state) if isinstance(state, tuple)
                     else self._bridge(state))
        return outputs, state

    def _bridge(self, state):
        # torch stacks h_n as (layer 0 fwd, layer 0 bwd, layer 1 fwd, ...)
        pairs = torch.cat([state[0::2], state[1::2]], dim=-1)      # (L, B, 2H)
        return torch.tanh(self.bridge(pairs))                        # (L, B, H)


class PlainDecoder(nn.Module):
    """d2l's Seq2SeqDecoder: the encoder's final top-layer state is concatenated, after the
    embedding, to the input of every step."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, cell):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(embed_size + num_hiddens, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def init_state(self, enc_outputs, *args):
        return enc_outputs

    def forward(self, X, state):
        enc_output, hidden_state = state
        embs = self.embedding(X.t().type(torch.int64))              # (T, B, E)
        context = _top_hidden(hidden_state).repeat(embs.shape[0], 1, 1)
        outputs, hidden_state = self.rnn(torch.cat((embs, context), -1), hidden_state)
        return self.dense(outputs).swapaxes(0, 1), (enc_output, hidden_state)


class VariantAttentionDecoder(Seq2SeqAttentionDecoder):
    """The d2l Bahdanau decoder above, with another scorer or cell and keys of key_size."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, scorer, cell, key_size):
        nn.Module.__init__(self)
        self.attention = {"additive": lambda: AdditiveAttention(key_size, num_hiddens,
                                                                num_hiddens),
                          "dot": lambda: DotProductAttention(),
                          "general": lambda: GeneralAttention(key_size, num_hiddens)}[scorer]()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        rnn = nn.GRU if cell == "gru" else nn.LSTM
        self.rnn = rnn(key_size + embed_size, num_hiddens, num_layers)
        self.dense = nn.Linear(num_hiddens, vocab_size)

    def forward(self, X, state):
        enc_outputs, hidden_state, enc_valid_lens = state
        outputs = []
        for x in self.embedding(X).permute(1, 0, 2):
            query = torch.unsqueeze(_top_hidden(hidden_state), dim=1)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = torch.cat((context, torch.unsqueeze(x, dim=1)), dim=-1)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)
            outputs.append(out)
        outputs = self.dense(torch.cat(outputs, dim=0))
        return outputs.permute(1, 0, 2), (enc_outputs, hidden_state, enc_valid_lens)


def build_variant(src_vocab, tgt_vocab, embed_size, num_hiddens, num_layers,
                  decoder="attention", scorer="additive", cell="gru", bidirectional=False):
    """The PyTorch twin of ``seq2seq.models.build_model`` with these settings (no dropout)."""
    encoder = VariantEncoder(src_vocab, embed_size, num_hiddens, num_layers, cell,
                             bidirectional)
    if decoder == "plain":
        dec = PlainDecoder(tgt_vocab, embed_size, num_hiddens, num_layers, cell)
    else:
        key_size = num_hiddens * (2 if bidirectional else 1)
        dec = VariantAttentionDecoder(tgt_vocab, embed_size, num_hiddens, num_layers, scorer,
                                      cell, key_size)
    return EncoderDecoder(encoder, dec)
