"""d2l 1.0's encoder-decoder classes and attention layers, over our own models.

- ``Encoder``, ``Decoder``, ``AttentionDecoder``: the interfaces the book's classes subclass.
- ``Classifier``: a ``Module`` with cross-entropy ``loss`` and ``accuracy``.
- ``EncoderDecoder``: ``forward(enc_X, dec_X, *args)`` and ``predict_step``, greedy decoding
  the book's way (the decoder is fed its own last prediction ``num_steps`` times).
- ``Seq2Seq(encoder, decoder, tgt_pad, lr)``: the loss is the cross-entropy averaged over the
  label tokens that are not ``<pad>``, the optimizer Adam.
- ``Seq2SeqEncoder``: ``seq2seq.Seq2SeqEncoder`` with the book's initialisation.
- ``init_seq2seq``: Xavier-uniform weights for a ``Linear`` or a ``GRU`` (for ``Module.apply``).
- ``AdditiveAttention(num_hiddens, dropout)`` and ``MultiHeadAttention(num_hiddens,
  num_heads, dropout, bias=False)``: ours (``attention``), with the input sizes read from the
  first input as in the book; ``AdditiveAttention`` also takes d2l 0.17's
  ``(key_size, query_size, num_hiddens, dropout)``.
"""

import numpy

import minigrad as mg
from minigrad import nn, ops
from minigrad.nn import functional as F
import attention
from seq2seq import models
from seq2seq.book.framework import Module


class Encoder(nn.Module):
    """The encoder interface: ``forward(X, *args)`` -> the encoding the decoder starts from."""

    def forward(self, X, *args):
        raise NotImplementedError(f"{type(self).__name__} does not define forward(X, *args)")


class Decoder(nn.Module):
    """The decoder interface: ``init_state(enc_all_outputs, *args)`` turns the encoder's output
    into the decoder's state; ``forward(X, state)`` -> (outputs, new state)."""

    def init_state(self, enc_all_outputs, *args):
        raise NotImplementedError(f"{type(self).__name__} does not define init_state")

    def forward(self, X, state):
        raise NotImplementedError(f"{type(self).__name__} does not define forward(X, state)")


class AttentionDecoder(Decoder):
    """A decoder that also reports its ``attention_weights`` (a property of the subclass)."""

    @property
    def attention_weights(self):
        raise NotImplementedError(f"{type(self).__name__} does not define attention_weights")


class Classifier(Module):
    """A ``Module`` whose loss is the cross-entropy of logits against class labels; the
    validation step also plots the accuracy."""

    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)
        self.plot("acc", self.accuracy(Y_hat, batch[-1]), train=False)

    def accuracy(self, Y_hat, Y, averaged=True):
        """The share (or, unaveraged, the 0/1 per example) of argmax predictions equal to Y."""
        preds = Y_hat.numpy().reshape(-1, Y_hat.shape[-1]).argmax(axis=1)
        correct = (preds == _host_ids(Y).reshape(-1)).astype(numpy.float32)
        return mg.Tensor(correct.mean() if averaged else correct)

    def loss(self, Y_hat, Y, averaged=True):
        """Cross-entropy of logits (..., V) against labels (...): the mean, or with
        ``averaged=False`` one loss per label, flattened (the book masks them itself)."""
        if averaged:
            return ops.cross_entropy(Y_hat, Y)
        return F.cross_entropy(Y_hat.reshape(-1, Y_hat.shape[-1]), Y.reshape(-1),
                               reduction="none")


def _host_ids(Y):
    return Y.numpy() if isinstance(Y, mg.Tensor) else numpy.asarray(Y)


class EncoderDecoder(Classifier):
    """An encoder and a decoder: ``forward(enc_X, dec_X, *args)`` -> the decoder's outputs."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, *args):
        enc_all_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_all_outputs, *args)
        return self.decoder(dec_X, dec_state)[0]

    def predict_step(self, batch, device, num_steps, save_attention_weights=False):
        """Greedy translations of a batch (src, tgt, src_valid_len, label), as the book does
        it: the decoder starts from ``tgt[:, 0]`` (``<bos>``) and is fed its own argmax
        ``num_steps`` times, every sentence to the end (cut at ``<eos>`` when reading).

        Returns (predicted ids (B, num_steps), and with ``save_attention_weights`` the list of
        the decoder's ``attention_weights`` after each step). No graph is recorded.
        """
        batch = [a.to(device) for a in batch]
        src, tgt, src_valid_len, _ = batch
        outputs, attention_weights = [tgt[:, 0].unsqueeze(1)], []
        with mg.no_grad():
            enc_all_outputs = self.encoder(src, src_valid_len)
            dec_state = self.decoder.init_state(enc_all_outputs, src_valid_len)
            for _ in range(num_steps):
                Y, dec_state = self.decoder(outputs[-1], dec_state)
                outputs.append(Y.argmax(2))                       # (B, 1)
                if save_attention_weights:
                    attention_weights.append(self.decoder.attention_weights)
        return ops.concat(outputs[1:], axis=1), attention_weights


class Seq2Seq(EncoderDecoder):
    """The encoder-decoder of the book's translation sections, trained with Adam at ``lr``;
    ``tgt_pad`` is the id of ``<pad>`` in the target vocabulary, left out of the loss."""

    def __init__(self, encoder, decoder, tgt_pad, lr):
        super().__init__(encoder, decoder)
        self.save_hyperparameters()

    def loss(self, Y_hat, Y):
        """Cross-entropy averaged over the label tokens that are not ``<pad>``:
        sum_t mask_t * CE(Y_hat_t, Y_t) / sum_t mask_t, with mask_t = (Y_t != tgt_pad)."""
        mask = _host_ids(Y) != self.tgt_pad                       # (B, T), on the host
        return ops.cross_entropy(Y_hat, Y, mask)

    def validation_step(self, batch):
        Y_hat = self(*batch[:-1])
        self.plot("loss", self.loss(Y_hat, batch[-1]), train=False)

    def configure_optimizers(self):
        return mg.optim.Adam(self.parameters(), lr=self.lr)


def init_seq2seq(module):
    """The book's initialisation of one module, for ``model.apply(init_seq2seq)``: the weight
    of a ``Linear`` and every weight matrix of a ``GRU`` become Xavier-uniform. Other modules,
    and a ``LazyLinear`` that has not seen an input yet, keep their initialisation (as in
    PyTorch, where ``type(module) == nn.Linear`` is false for them)."""
    if type(module) is nn.Linear:
        nn.init.xavier_uniform_(module.weight)
    if type(module) is nn.GRU:
        for name, param in module._parameters.items():
            if name.startswith("weight"):
                nn.init.xavier_uniform_(param)


class Seq2SeqEncoder(models.Seq2SeqEncoder, Encoder):
    """``seq2seq.Seq2SeqEncoder`` (an embedding, then a GRU) with the book's signature and
    initialisation: forward(X (B, T) ids) -> (outputs (T, B, H), state (L, B, H))."""

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
        super().__init__(vocab_size, embed_size, num_hiddens, num_layers, dropout)
        for sub in self.modules():
            init_seq2seq(sub)

    def forward(self, X, *args):
        """The book's encoder casts its input to int64 ids, so ``d2l.zeros((4, 7))`` (float)
        works as well as ``d2l.zeros((4, 7), dtype=torch.long)``. A float that is not a whole
        number is refused here rather than truncated into some other token's id."""
        return super().forward(_as_ids(X), *args)


def _as_ids(X):
    """Float ids of whole numbers as int64 (the book's ``astype(..., int64)``); others as is."""
    if X.dtype.kind != "f":
        return X
    host = X.numpy() if isinstance(X, mg.Tensor) else numpy.asarray(X)
    if not numpy.array_equal(host, numpy.trunc(host)):
        bad = host[host != numpy.trunc(host)].reshape(-1)[0]
        raise ValueError(f"Seq2SeqEncoder: token ids must be whole numbers, got {bad} in "
                         f"a {host.dtype} input of shape {host.shape}")
    return X.long() if isinstance(X, mg.Tensor) else host.astype(numpy.int64)


class AdditiveAttention(attention.AdditiveAttention):
    """Additive attention, ``AdditiveAttention(num_hiddens, dropout)`` as in d2l 1.0: the query
    and key sizes are read from the first input. d2l 0.17's ``AdditiveAttention(key_size,
    query_size, num_hiddens, dropout)`` (positional or by keyword) builds them at once."""

    def __init__(self, num_hiddens, dropout=0.0, *sizes, key_size=None, query_size=None):
        # no **kwargs: the book's passes them on to nn.Module, which refuses any, so a
        # misspelt ``dropuot=0.5`` or a ``bias=True`` is a TypeError here too, not ignored
        if sizes:               # the 0.17 form, positional: key, query, hidden[, dropout]
            if len(sizes) > 2:
                raise TypeError(f"AdditiveAttention: expected (num_hiddens, dropout) or "
                                f"(key_size, query_size, num_hiddens, dropout), got "
                                f"{2 + len(sizes)} arguments")
            key_size, query_size = num_hiddens, dropout
            num_hiddens, dropout = sizes[0], (sizes[1] if len(sizes) > 1 else 0.0)
        super().__init__(key_size, query_size, num_hiddens, dropout)


class MultiHeadAttention(attention.MultiHeadAttention):
    """d2l 1.0's ``MultiHeadAttention(num_hiddens, num_heads, dropout, bias=False)``: ours,
    with W_q, W_k and W_v reading their input sizes from the first queries, keys and values."""

    def __init__(self, num_hiddens, num_heads, dropout, bias=False, **kwargs):
        super().__init__(num_hiddens, num_heads, dropout, bias)
        self.query_size = self.key_size = self.value_size = None
        self.W_q = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_k = nn.LazyLinear(num_hiddens, bias=bias)
        self.W_v = nn.LazyLinear(num_hiddens, bias=bias)
