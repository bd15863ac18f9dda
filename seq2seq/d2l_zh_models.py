"""The 0.17-style model API: base classes, the masked loss, and our attention and encoder
under the book's signatures.

- ``Encoder``, ``Decoder``, ``AttentionDecoder``: the interfaces the book's models subclass
  (the same in both editions: ``seq2seq.book.models``).
- ``EncoderDecoder``: ``net(enc_X, dec_X, *args)`` returns what the decoder returns,
  ``(output, state)``, as in the 0.17 API (``seq2seq.EncoderDecoder`` returns the output only).
- ``Seq2SeqEncoder``: ``seq2seq.Seq2SeqEncoder`` (embedding and a GRU, time-major outputs).
- ``MultiHeadAttention(key_size, query_size, value_size, num_hiddens, num_heads, dropout,
  bias=False)``: ``attention.MultiHeadAttention`` with the 0.17 argument order;
  ``transpose_qkv`` and ``transpose_output`` as functions of ``num_heads``.
- ``sequence_mask`` and ``MaskedSoftmaxCELoss``: the book's masking and its per-sequence loss.
"""
import minigrad as mg
from minigrad import nn
from minigrad.nn import functional as F
import attention
from seq2seq import models
from seq2seq.book.models import AttentionDecoder, Decoder, Encoder  # noqa: F401 (shared)


class EncoderDecoder(models.EncoderDecoder):
    """``forward(enc_X, dec_X, *args)`` = decoder(dec_X, decoder.init_state(encoder(enc_X,
    *args), *args)): the pair (output, state). ``*args`` is usually the source valid lengths."""

    def __init__(self, encoder, decoder, **kwargs):
        super().__init__(encoder, decoder, **kwargs)

    def forward(self, enc_X, dec_X, *args):
        enc_outputs = self.encoder(enc_X, *args)
        dec_state = self.decoder.init_state(enc_outputs, *args)
        return self.decoder(dec_X, dec_state)


class Seq2SeqEncoder(models.Seq2SeqEncoder, Encoder):
    """Seq2SeqEncoder(vocab_size, embed_size, num_hiddens, num_layers, dropout=0):
    forward(X (B, T) ids, *args) -> (outputs (T, B, H), state (num_layers, B, H))."""


class MultiHeadAttention(attention.MultiHeadAttention):
    """Multi-head attention, arguments in the 0.17 order. ``.attention`` is the
    DotProductAttention all heads share (its ``.attention_weights``: (B * num_heads, Q, K))."""

    def __init__(self, key_size, query_size, value_size, num_hiddens, num_heads, dropout,
                 bias=False, **kwargs):
        super().__init__(num_hiddens, num_heads, dropout, bias, key_size=key_size,
                         query_size=query_size, value_size=value_size, **kwargs)


def transpose_qkv(X, num_heads):
    """(B, n, num_hiddens) -> (B * num_heads, n, num_hiddens / num_heads): each head gets its
    own batch rows (row b * num_heads + i is head i of example b)."""
    X = X.reshape(X.shape[0], X.shape[1], num_heads, -1)    # (B, n, h, p)
    X = X.permute(0, 2, 1, 3)                               # (B, h, n, p)
    return X.reshape(-1, X.shape[2], X.shape[3])            # (B * h, n, p)


def transpose_output(X, num_heads):
    """Undo ``transpose_qkv``: (B * num_heads, n, p) -> (B, n, num_heads * p)."""
    X = X.reshape(-1, num_heads, X.shape[1], X.shape[2])    # (B, h, n, p)
    X = X.permute(0, 2, 1, 3)                               # (B, n, h, p)
    return X.reshape(X.shape[0], X.shape[1], -1)            # (B, n, h * p)


def sequence_mask(X, valid_len, value=0):
    """Set the entries of X (B, T, ...) at positions t >= valid_len[b] to ``value``, in place,
    and return X. ``valid_len``: (B,) lengths (a Tensor, an array or a list).

    The write is minigrad's item assignment, torch's semantics: a tensor computed in the graph
    (attention scores) becomes the masked node, and the gradient reaches the kept entries only.
    """
    if X.ndim < 2:
        raise ValueError(f"sequence_mask: X must have a batch and a step axis (B, T, ...), "
                         f"got shape {X.shape}")
    lens = valid_len if isinstance(valid_len, mg.Tensor) else mg.tensor(valid_len)
    if lens.shape != (X.shape[0],):
        raise ValueError(f"sequence_mask: expected {X.shape[0]} valid lengths (one per row of "
                         f"X {X.shape}), got shape {lens.shape}")
    keep = mg.arange(X.shape[1])[None, :] < lens[:, None]                   # (B, T)
    X[~keep] = value
    return X


class MaskedSoftmaxCELoss(nn.Module):
    """forward(pred (B, T, V) logits, label (B, T) ids, valid_len (B,)) -> (B,) losses.

    Example b's loss is the mean over all T steps of its token cross-entropies, where steps
    t >= valid_len[b] (padding) count as 0:  loss_b = (1/T) sum_{t < len_b} CE(pred_bt, y_bt).
    The book sums these (``l.sum().backward()``). ``seq2seq.masked_cross_entropy`` instead
    averages over the real tokens.
    """

    def forward(self, pred, label, valid_len):
        if pred.ndim != 3 or tuple(label.shape) != tuple(pred.shape[:2]):
            raise ValueError(f"MaskedSoftmaxCELoss: expected pred (B, T, V) and label (B, T), "
                             f"got pred {pred.shape} and label {tuple(label.shape)}")
        B, T, V = pred.shape
        labels = label if isinstance(label, mg.Tensor) else mg.tensor(label)
        token_loss = F.cross_entropy(pred.reshape(B * T, V), labels.reshape(B * T),
                                     reduction="none").reshape(B, T)               # (B, T)
        weights = sequence_mask(mg.ones((B, T), dtype=pred.dtype, device=pred.device),
                                valid_len)
        return (token_loss * weights).mean(axis=1)                                  # (B,)
