"""The encoder-decoder models of d2l's attention chapter, built from minigrad and attention.

- ``Seq2SeqEncoder``: embedding, then a (multi-layer, optionally bidirectional) GRU or LSTM.
- ``Seq2SeqDecoder``: d2l's plain decoder, the baseline: the encoder's final top-layer state is
  concatenated to every input, and nothing else of the source is seen.
- ``Seq2SeqAttentionDecoder``: Bahdanau's decoder. At every step the previous hidden state asks
  the attention "which source positions matter now?" and reads their weighted sum (the
  context) along with the embedding of the step's token.
- ``EncoderDecoder``: the two together; ``model(enc_X, dec_X, enc_valid_lens)`` -> logits.
  It also holds the Transformer's halves (``seq2seq/transformer.py``): ``build_model`` makes
  either kind from the settings a checkpoint stores.

Shapes: B batch, T steps, E embed_size, H num_hiddens, L num_layers, V vocab size.
Token ids and valid lengths may be host NumPy arrays under any backend (they cross to the
device in the embedding and attention ops).
"""
import math
import numbers

import numpy

import minigrad as mg
from minigrad import modes, nn, ops
from attention import AdditiveAttention, DotProductAttention, GeneralAttention
from seq2seq.transformer import TransformerDecoder, TransformerEncoder

SCORERS = ("additive", "dot", "general")
CELLS = ("gru", "lstm")


def _rnn(cell, input_size, num_hiddens, num_layers, dropout, bidirectional=False):
    if cell not in CELLS:
        raise ValueError(f"unknown cell {cell!r}; choose one of {', '.join(CELLS)}")
    layer = nn.GRU if cell == "gru" else nn.LSTM
    return layer(input_size, num_hiddens, num_layers, dropout=dropout,
                 bidirectional=bidirectional)


def _book():
    """Whether the models run d2l's code line for line: in readable mode
    (``mg.set_readable(True)``). The one place the models ask."""
    return modes.readable


def _top_hidden(state):
    """The last layer's hidden state (B, H) of a GRU state or an LSTM (h, c) pair."""
    return (state[0] if isinstance(state, tuple) else state)[-1]


def _select(state, index):
    """Batch rows ``index`` of a recurrent state (beam search reorders hypotheses this way)."""
    if isinstance(state, tuple):
        return tuple(_select(s, index) for s in state)
    return state[:, index]


def init_seq2seq(module):
    """d2l's initialisation: Xavier-uniform weights for every Linear and every recurrent
    weight matrix; biases and embeddings keep their defaults."""
    rng = mg.backend.host_rng()
    for sub in module.modules():
        if isinstance(sub, (nn.Linear, nn.GRU, nn.LSTM)):
            for name, param in sub.named_parameters():
                if name.startswith("weight"):
                    fan_out, fan_in = param.shape
                    bound = math.sqrt(6.0 / (fan_in + fan_out))
                    param.data = mg.backend.asarray(
                        rng.uniform(-bound, bound, size=param.shape), dtype=param.dtype)
    return module


class Seq2SeqEncoder(nn.Module):
    """forward(X (B, T) ids) -> (outputs (T, B, H), state (L, B, H)).

    Like d2l, the encoder reads the padding too; masking happens in the attention. With
    ``bidirectional=True`` the outputs are (T, B, 2H), and a bridge tanh(W [h_fwd; h_bwd] + b)
    turns each layer's two final states into the decoder's (L, B, H) start state.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0.0,
                 cell="gru", bidirectional=False):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = _rnn(cell, embed_size, num_hiddens, num_layers, dropout, bidirectional)
        self.bidirectional = bidirectional
        if bidirectional:
            self.bridge = nn.Linear(2 * num_hiddens, num_hiddens)

    @property
    def output_size(self):
        """Features of each output step: H, or 2H when bidirectional (the attention's keys)."""
        return self.rnn.hidden_size * (2 if self.bidirectional else 1)

    def forward(self, X, *args):
        embs = self.embedding(X.T)              # (B, T) ids -> (T, B, E)
        outputs, state = self.rnn(embs)         # (T, B, H*dirs), (L*dirs, B, H)
        if self.bidirectional:
            state = (tuple(self._bridge(s) for s in state) if isinstance(state, tuple)
                     else self._bridge(state))
        return outputs, state

    def _bridge(self, state):
        two_l, batch, hidden = state.shape
        pairs = state.reshape(two_l // 2, 2, batch, hidden).permute(0, 2, 1, 3)
        return self.bridge(pairs.reshape(two_l // 2, batch, 2 * hidden)).tanh()  # (L, B, H)


class Seq2SeqDecoder(nn.Module):
    """d2l's decoder without attention: input = [embedding of the token; encoder's context].

    The context is the encoder's top-layer final state, the same at every step, so the whole
    source sentence must squeeze through one vector of H numbers.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0.0,
                 cell="gru"):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = _rnn(cell, embed_size + num_hiddens, num_hiddens, num_layers, dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.attention_weights = None

    def init_state(self, enc_outputs, *args):
        outputs, hidden_state = enc_outputs
        return (_top_hidden(hidden_state), hidden_state)   # context (B, H), state

    def features(self, X, state):
        """X (B, T) ids -> (top-layer outputs (B, T, H), state): everything but ``dense``."""
        context, hidden_state = state
        embs = self.embedding(X.T)                                     # (T, B, E)
        steps = embs.shape[0]
        contexts = ops.stack([context] * steps)                        # (T, B, H)
        outputs, hidden_state = self.rnn(ops.concat([embs, contexts], axis=-1), hidden_state)
        return outputs.permute(1, 0, 2), (context, hidden_state)      # (B, T, H)

    def forward(self, X, state):
        outputs, state = self.features(X, state)
        return self.dense(outputs), state                              # (B, T, V)

    # -- step by step, for greedy and beam decoding ------------------------------------
    def start_decoding(self, state):
        return state

    def decode_step(self, tokens, state):
        """tokens (B,) -> (logits (B, V), state, None: no attention weights)."""
        logits, state = self.forward(tokens.reshape(-1, 1), state)
        return logits[:, 0], state, None

    def select(self, state, index):
        context, hidden_state = state
        return context[index], _select(hidden_state, index)


def _make_attention(scorer, key_size, num_hiddens, dropout):
    if scorer == "additive":
        return AdditiveAttention(key_size, num_hiddens, num_hiddens, dropout)
    if scorer == "dot":
        if key_size != num_hiddens:
            raise ValueError(f"dot-product attention needs keys ({key_size}) and queries "
                             f"({num_hiddens}) of one size; use 'additive' or 'general'")
        return DotProductAttention(dropout)
    if scorer == "general":
        return GeneralAttention(key_size, num_hiddens, dropout)
    raise ValueError(f"unknown scorer {scorer!r}; choose one of {', '.join(SCORERS)}")


class Seq2SeqAttentionDecoder(nn.Module):
    """Bahdanau's decoder (d2l 11.4). At each step t, with s the hidden state before the step:

        query   = s[-1]                                (B, 1, H)  the top layer
        context = attention(query, enc_outputs, enc_outputs, enc_valid_lens)   (B, 1, H)
        s'      = rnn([context; embedding(token_t)], s)        context first
        logits  = dense(s'[-1])

    The attention's key projection W_k enc_outputs is the same at every step, so it is
    computed once per batch (``project_keys``), not T times as in d2l: same math, fewer flops.

    Likewise the rnn's layer-0 input projection splits along x = [context; embedding]: with
    W_ih_l0 = [W_c | W_e] (its first key_size columns read the context),

        W_ih_l0 x + b_ih_l0 = W_c context + (W_e embedding + b_ih_l0)

    The embeddings of all T steps are known before the loop, so their part is one matmul
    per batch (``_project_embeddings``); only the context part is computed step by step.

    Readable mode (``mg.set_readable(True)``) takes neither shortcut, in training
    (``forward``) and in greedy and beam decoding (``_decode_step_book``): the code
    stepped through is d2l's, with the same results.
    """

    def __init__(self, vocab_size, embed_size, num_hiddens, num_layers, dropout=0.0,
                 scorer="additive", cell="gru", key_size=None):
        super().__init__()
        key_size = key_size or num_hiddens
        self.key_size = key_size
        self.attention = _make_attention(scorer, key_size, num_hiddens, dropout)
        self.embedding = nn.Embedding(vocab_size, embed_size)
        self.rnn = _rnn(cell, key_size + embed_size, num_hiddens, num_layers, dropout)
        self.dense = nn.Linear(num_hiddens, vocab_size)
        self.attention_weights = []

    def init_state(self, enc_outputs, enc_valid_lens):
        """-> (enc_outputs (B, T, H), hidden state (L, B, H), enc_valid_lens)."""
        outputs, hidden_state = enc_outputs
        if enc_valid_lens is not None and not isinstance(enc_valid_lens, mg.Tensor):
            enc_valid_lens = mg.Tensor(enc_valid_lens)   # to the device once, not every step
        return outputs.permute(1, 0, 2), hidden_state, enc_valid_lens

    def _project_keys(self, enc_outputs):
        if hasattr(self.attention, "project_keys"):
            return self.attention.project_keys(enc_outputs)
        return None

    def _attend(self, top, enc_outputs, keys, enc_valid_lens):
        """Attention with the top layer's hidden state ``top`` (B, H) as the query."""
        query = top.unsqueeze(1)                                          # (B, 1, H)
        if keys is None:
            return self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
        return self.attention(query, enc_outputs, enc_outputs, enc_valid_lens,
                              projected_keys=keys)                        # (B, 1, H)

    def _project_embeddings(self, embs):
        """W_e embedding + b_ih_l0: the embedding part of the rnn's layer-0 input projection,
        for embeddings (..., E) of any number of steps -> (..., G*H)."""
        W_e = self.rnn.weight_ih_l0[:, self.key_size:]                   # (G*H, E)
        return ops.linear(embs, W_e, self.rnn.bias_ih_l0)

    def _context_weight(self):
        """W_c, the columns of the rnn's W_ih_l0 that read the context (G*H, key_size)."""
        return self.rnn.weight_ih_l0[:, :self.key_size]

    def _step(self, emb_projected, W_c, layer_states, enc_outputs, keys, enc_valid_lens):
        """One step, given its ``_project_embeddings`` (B, G*H), ``_context_weight`` and the
        list of the rnn's layer states (see ``GRU.layer_states``) -> (output (B, H), states)."""
        top = self.rnn.top_state(layer_states)                           # (B, H)
        context = self._attend(top, enc_outputs, keys, enc_valid_lens)
        gi = emb_projected + ops.linear(context.squeeze(1), W_c)          # (B, G*H)
        with self.rnn.scope():      # the cell's ops are the rnn's, as when it is called
            return self.rnn.step(gi, layer_states)                        # (B, H), states

    def forward(self, X, state):
        """X (B, T) ids (teacher forcing) -> (logits (B, T, V), state). In readable mode, d2l's
        Seq2SeqAttentionDecoder.forward, line for line: the context and the embedding are
        concatenated and the GRU runs on the result, one step at a time."""
        if not _book():             # fast path: see ``features``
            outputs, state = self.features(X, state)
            return self.dense(outputs), state                             # (B, T, V)
        enc_outputs, hidden_state, enc_valid_lens = state
        X = self.embedding(X).permute(1, 0, 2)                            # (T, B, E)
        outputs, self.attention_weights = [], []
        for x in X:
            query = _top_hidden(hidden_state).unsqueeze(1)                # (B, 1, H)
            context = self.attention(query, enc_outputs, enc_outputs, enc_valid_lens)
            x = ops.concat((context, x.unsqueeze(1)), axis=-1)            # (B, 1, H + E)
            out, hidden_state = self.rnn(x.permute(1, 0, 2), hidden_state)  # (1, B, H)
            outputs.append(out)
            self.attention_weights.append(self.attention.attention_weights)
        outputs = self.dense(ops.concat(outputs, axis=0))                 # (T, B, V)
        return outputs.permute(1, 0, 2), (enc_outputs, hidden_state, enc_valid_lens)

    def features(self, X, state):
        """X (B, T) ids (teacher forcing) -> (top-layer outputs (B, T, H), state): everything
        but ``dense``, the fast way: keys projected once, W_ih_l0 split into W_c and W_e (see
        the class docstring). The loss's fast path reads it."""
        enc_outputs, hidden_state, enc_valid_lens = state
        keys = self._project_keys(enc_outputs)
        embs = self._project_embeddings(self.embedding(X.T))              # (T, B, G*H)
        W_c = self._context_weight()      # one slice node for all steps: see WeightGrad
        layer_states = self.rnn.layer_states(hidden_state, X.shape[0])
        outputs, self.attention_weights = [], []
        for t in range(embs.shape[0]):
            output, layer_states = self._step(embs[t], W_c, layer_states, enc_outputs, keys,
                                              enc_valid_lens)
            outputs.append(output)
            self.attention_weights.append(self.attention.attention_weights)
        hidden_state = self.rnn.stacked_state(layer_states)
        return ops.stack(outputs, axis=1), (enc_outputs, hidden_state, enc_valid_lens)

    # -- step by step, for greedy and beam decoding ------------------------------------
    def start_decoding(self, state):
        """The decoding state: init_state's, plus the keys projected once (None in readable
        mode, where the attention projects them at every step, as in d2l)."""
        enc_outputs, hidden_state, enc_valid_lens = state
        keys = None if _book() else self._project_keys(enc_outputs)
        return enc_outputs, hidden_state, enc_valid_lens, keys

    def decode_step(self, tokens, state):
        """tokens (B,) -> (logits (B, V), state, attention weights (B, T_src))."""
        if _book():                 # readable mode: d2l's forward, fed one token
            return self._decode_step_book(tokens, state)
        # fast path: the keys of start_decoding, W_ih_l0 split into W_c and W_e
        enc_outputs, hidden_state, enc_valid_lens, keys = state
        emb = self._project_embeddings(self.embedding(tokens))            # (B, G*H)
        output, layer_states = self._step(emb, self._context_weight(),
                                          self.rnn.layer_states(hidden_state, tokens.shape[0]),
                                          enc_outputs, keys,
                                          enc_valid_lens)
        hidden_state = self.rnn.stacked_state(layer_states)
        weights = self.attention.attention_weights[:, 0]                  # (B, T_src)
        return self.dense(output), (enc_outputs, hidden_state, enc_valid_lens, keys), weights

    def _decode_step_book(self, tokens, state):
        """What d2l's ``predict_seq2seq`` does at each step: ``net.decoder(dec_X, state)`` with
        dec_X the (B, 1) previous tokens, so the step runs d2l's ``forward``: the context and
        the embedding concatenated, the GRU on the result, the keys projected again."""
        enc_outputs, hidden_state, enc_valid_lens, keys = state
        X = tokens.reshape(-1, 1)                                         # (B,) -> (B, 1)
        logits, (_, hidden_state, _) = self.forward(
            X, (enc_outputs, hidden_state, enc_valid_lens))               # (B, 1, V)
        weights = self.attention_weights[0][:, 0]                         # (B, T_src)
        return logits[:, 0], (enc_outputs, hidden_state, enc_valid_lens, keys), weights

    def select(self, state, index):
        enc_outputs, hidden_state, enc_valid_lens, keys = state
        return (enc_outputs[index], _select(hidden_state, index),
                None if enc_valid_lens is None else enc_valid_lens[index],
                None if keys is None else keys[index])


class EncoderDecoder(nn.Module):
    """model(enc_X (B, T), dec_X (B, T), enc_valid_lens (B,)) -> logits (B, T, V)."""

    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder = encoder
        self.decoder = decoder

    def forward(self, enc_X, dec_X, enc_valid_lens=None):
        enc_outputs = self.encoder(enc_X, enc_valid_lens)
        state = self.decoder.init_state(enc_outputs, enc_valid_lens)
        return self.decoder(dec_X, state)[0]

    def loss(self, enc_X, dec_X, enc_valid_lens, labels, label_valid_lens):
        """The training loss, ``masked_cross_entropy(self(enc_X, dec_X, enc_valid_lens),
        labels, label_valid_lens)``, with logits computed for the real tokens only.

        A padded position's logits never reach the loss, and the output layer ``dense`` (H to
        V, the largest matmul of the model) and the softmax over V are most of a step's work,
        so we gather the decoder's outputs at real positions first: the same loss and the same
        gradients, with fewer flops in that layer by the share of padding (26% of the label
        positions of the fra-eng benchmark, 40-45% in ``benchmarks/bench_seq2seq.py``).
        Readable mode computes it as the book does, over the logits of every position.
        """
        batch, steps = dec_X.shape[0], dec_X.shape[1]
        mask = token_mask(label_valid_lens, batch, steps, "EncoderDecoder.loss").reshape(-1)
        labels = labels.numpy() if isinstance(labels, mg.Tensor) else numpy.asarray(labels)
        if labels.shape != (batch, steps):
            raise ValueError(f"EncoderDecoder.loss: labels have shape {labels.shape}, "
                             f"expected ({batch}, {steps}) like dec_X")
        with self.scope():          # the graph shows these ops as the model's own
            if _book():             # d2l's masked loss over all the logits
                return masked_cross_entropy(self(enc_X, dec_X, enc_valid_lens), labels,
                                            label_valid_lens)
            enc_outputs = self.encoder(enc_X, enc_valid_lens)
            with self.decoder.scope():
                state = self.decoder.init_state(enc_outputs, enc_valid_lens)
                features, _ = self.decoder.features(dec_X, state)          # (B, T, H)
            real = features.reshape(batch * steps, features.shape[2])[mask]   # (N, H) real
            return ops.cross_entropy(self.decoder.dense(real), labels.reshape(-1)[mask])


def token_mask(valid_lens, batch, steps, op):
    """(B, T) host booleans, True at positions t < valid_len of each example."""
    if isinstance(valid_lens, mg.Tensor):
        valid_lens = valid_lens.numpy()
    valid_lens = numpy.asarray(valid_lens)
    if valid_lens.shape != (batch,):
        raise ValueError(f"{op}: valid_lens has shape {valid_lens.shape}, expected "
                         f"({batch},) for a batch of {batch} sequences of {steps} steps")
    return numpy.arange(steps)[None, :] < valid_lens[:, None]


def masked_cross_entropy(logits, labels, valid_lens):
    """Mean token cross-entropy over positions t < valid_len (``<eos>`` included).

    logits (B, T, V), labels (B, T) ids, valid_lens (B,): the sum over the batch of the
    per-token losses of real tokens, divided by the number of real tokens.
    """
    batch, steps = logits.shape[0], logits.shape[1]
    mask = token_mask(valid_lens, batch, steps, "masked_cross_entropy")   # (B, T) host
    return ops.cross_entropy(logits, labels, mask)


MODELS = ("rnn", "transformer")


def build_model(src_vocab_size, tgt_vocab_size, *args, model="rnn", **settings):
    """An EncoderDecoder from plain settings, as stored in a checkpoint's model config:
    ``model`` "rnn" (the recurrent models, settings of ``build_rnn_model``) or "transformer"
    (settings of ``build_transformer``)."""
    if model == "rnn":
        return build_rnn_model(src_vocab_size, tgt_vocab_size, *args, **settings)
    if model == "transformer":
        return build_transformer(src_vocab_size, tgt_vocab_size, *args, **settings)
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


def _check_settings(dropout, **sizes):
    """Sizes must be integers >= 1 and dropout a number in [0, 1): one line naming the first
    setting that is not."""
    nn.check_sizes("build_model", 1, **sizes)
    if isinstance(dropout, bool) or not isinstance(dropout, numbers.Real) \
            or not 0 <= dropout < 1:
        raise ValueError(f"build_model: dropout must be a number in [0, 1), got {dropout!r}")


def build_transformer(src_vocab_size, tgt_vocab_size, num_hiddens=32, ffn_num_hiddens=64,
                      num_heads=4, num_blks=2, dropout=0.1):
    """d2l's Transformer encoder-decoder, with PyTorch's default initialisation (as d2l)."""
    _check_settings(dropout, src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size,
                    num_hiddens=num_hiddens, ffn_num_hiddens=ffn_num_hiddens,
                    num_heads=num_heads, num_blks=num_blks)
    return EncoderDecoder(
        TransformerEncoder(src_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks,
                           dropout),
        TransformerDecoder(tgt_vocab_size, num_hiddens, ffn_num_hiddens, num_heads, num_blks,
                           dropout))


def build_rnn_model(src_vocab_size, tgt_vocab_size, embed_size=32, num_hiddens=32,
                    num_layers=2, dropout=0.1, decoder="attention", scorer="additive",
                    cell="gru", bidirectional=False):
    """An RNN EncoderDecoder with d2l's Xavier initialisation. ``decoder`` is "attention"
    (Bahdanau) or "plain"."""
    _check_settings(dropout, src_vocab_size=src_vocab_size, tgt_vocab_size=tgt_vocab_size,
                    embed_size=embed_size, num_hiddens=num_hiddens, num_layers=num_layers)
    encoder = Seq2SeqEncoder(src_vocab_size, embed_size, num_hiddens, num_layers, dropout,
                             cell=cell, bidirectional=bidirectional)
    if decoder == "attention":
        dec = Seq2SeqAttentionDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers,
                                      dropout, scorer=scorer, cell=cell,
                                      key_size=encoder.output_size)
    elif decoder == "plain":
        if bidirectional:
            raise ValueError("the plain decoder takes a unidirectional encoder")
        dec = Seq2SeqDecoder(tgt_vocab_size, embed_size, num_hiddens, num_layers, dropout,
                             cell=cell)
    else:
        raise ValueError(f"unknown decoder {decoder!r}; choose 'attention' or 'plain'")
    return init_seq2seq(EncoderDecoder(encoder, dec))
