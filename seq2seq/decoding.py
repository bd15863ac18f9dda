"""Turning a trained model into translations: greedy (batched) and beam search.

Both feed the decoder its own previous output, starting from ``<bos>``, and return, for each
sentence, the output tokens (without ``<eos>``) and the attention weights of every step
(steps x source positions), ready for a heatmap.
"""
import numbers

import numpy

import minigrad as mg


def _encode(model, src, src_valid_lens):
    enc_outputs = model.encoder(src, src_valid_lens)
    return model.decoder.start_decoding(model.decoder.init_state(enc_outputs, src_valid_lens))


def _log_softmax64(logits):
    """log_softmax of host logits (n, V), computed in float64 whatever their dtype."""
    logits = logits.astype(numpy.float64)
    shifted = logits - logits.max(-1, keepdims=True)
    return shifted - numpy.log(numpy.exp(shifted).sum(-1, keepdims=True))


def _check_steps(op, num_steps):
    if isinstance(num_steps, bool) or not isinstance(num_steps, numbers.Integral) or num_steps < 1:
        raise ValueError(f"{op}: num_steps must be an integer >= 1, got {num_steps!r}")


def greedy_decode(model, src, src_valid_lens, bos, eos, num_steps):
    """d2l's ``predict_seq2seq``, batched: src (B, T) ids, src_valid_lens (B,).

    Each step picks the most likely token; a sentence stops at its first ``<eos>`` (not
    emitted), after at most ``num_steps`` tokens. Returns a list of (token ids, attention
    weights (steps, T) or None), one per sentence; the steps include the one that chose
    ``<eos>``, as d2l records them.

    The chosen tokens stay on the device and are fed straight back. On a device backend they
    come to the host only every ``GREEDY_SYNC_EVERY`` steps, to see whether every sentence has
    stopped: reading them at every step would make the host wait for the GPU each time. The
    steps past a sentence's ``<eos>`` are computed and thrown away, so the result is the same.
    """
    src = numpy.asarray(src)
    _check_steps("greedy_decode", num_steps)
    if src.ndim != 2:
        raise ValueError(f"greedy_decode: src must be a batch of ids (B, T), got shape "
                         f"{src.shape}")
    batch = src.shape[0]
    model.eval()
    outputs = [[] for _ in range(batch)]
    weights_seq = [[] for _ in range(batch)]
    done = numpy.zeros(batch, dtype=bool)
    sync_every = GREEDY_SYNC_EVERY if mg.backend.is_device() else 1
    with mg.no_grad():
        state = _encode(model, src, numpy.asarray(src_valid_lens))
        tokens = mg.Tensor(numpy.full(batch, bos, dtype=numpy.int64))
        chosen, attended = [], []                 # this chunk's steps, still on the device
        for step in range(num_steps):
            logits, state, weights = model.decoder.decode_step(tokens, state)
            tokens = logits.argmax(-1)                               # (B,), on the device
            chosen.append(tokens)
            attended.append(weights)
            if (step + 1) % sync_every and step + 1 < num_steps:
                continue
            _record_steps(chosen, attended, eos, done, outputs, weights_seq)
            chosen, attended = [], []
            if done.all():
                break
    return [(out, numpy.array(w) if w else None) for out, w in zip(outputs, weights_seq)]


GREEDY_SYNC_EVERY = 8


def _record_steps(chosen, attended, eos, done, outputs, weights_seq):
    """Bring a chunk of greedy steps to the host (one transfer each for the tokens and the
    weights) and append them to the sentences that had not stopped."""
    tokens = mg.ops.stack(chosen).numpy()                            # (steps, B)
    weights = None
    if attended[0] is not None:
        weights = mg.ops.stack(attended).numpy()                     # (steps, B, 1, T) or ...
    for step in range(tokens.shape[0]):
        for i in numpy.flatnonzero(~done):
            if weights is not None:
                weights_seq[i].append(weights[step, i])
            if tokens[step, i] == eos:
                done[i] = True
            else:
                outputs[i].append(int(tokens[step, i]))


def beam_search(model, src, src_valid_len, bos, eos, num_steps, beam_size=4, alpha=0.75):
    """Beam search for one sentence: src (T,) ids, src_valid_len an int.

    Keeps the ``beam_size`` most likely unfinished hypotheses; a hypothesis that emits
    ``<eos>`` is finished. The winner maximises the length-normalised log probability
    log P(y_1..y_L) / L^alpha (d2l 10.8), L counting the ``<eos>`` of a finished hypothesis.
    With beam_size 1 this is exactly greedy decoding. Returns (token ids, weights or None).
    """
    if isinstance(beam_size, bool) or not isinstance(beam_size, numbers.Integral):
        raise ValueError(f"beam_search: beam_size must be an integer, got {beam_size!r}")
    if beam_size < 1:
        raise ValueError(f"beam_search: beam_size must be at least 1, got {beam_size}")
    _check_steps("beam_search", num_steps)
    if numpy.ndim(src) != 1:
        raise ValueError(f"beam_search: src must be one sentence's ids (T,), got shape "
                         f"{numpy.shape(src)}; greedy_decode takes a batch")
    model.eval()
    with mg.no_grad():
        state = _encode(model, numpy.asarray(src)[None], numpy.asarray([src_valid_len]))
        # live hypotheses: token lists, total log probabilities, attention rows
        tokens, scores, attention = [[]], numpy.zeros(1), [[]]
        finished = []
        last = numpy.array([bos])
        for _ in range(num_steps):
            logits, state, weights = model.decoder.decode_step(last, state)
            logits = logits.numpy()                                           # (n, V)
            weights = None if weights is None else weights.numpy()
            total = (scores[:, None] + _log_softmax64(logits)).reshape(-1)
            # best total first; where rounding made two totals equal, the larger logit wins,
            # then the lower index: so a beam of 1 follows greedy's argmax exactly
            order = numpy.lexsort((-logits.reshape(-1), -total))
            vocab = logits.shape[1]
            keep_rows, keep_tokens = [], []
            for flat in order[:2 * beam_size]:
                row, token = divmod(int(flat), vocab)
                rows = attention[row] + ([] if weights is None else [weights[row]])
                if token == eos:
                    finished.append((tokens[row], total[flat], rows, len(tokens[row]) + 1))
                else:
                    keep_rows.append(row)
                    keep_tokens.append(token)
                if len(keep_rows) == beam_size or len(finished) >= beam_size:
                    break
            if not keep_rows or len(finished) >= beam_size:
                break
            attention = [attention[r] + ([] if weights is None else [weights[r]])
                         for r in keep_rows]
            scores = total[[r * vocab + t for r, t in zip(keep_rows, keep_tokens)]]
            tokens = [tokens[r] + [t] for r, t in zip(keep_rows, keep_tokens)]
            last = numpy.array(keep_tokens)
            state = model.decoder.select(state, numpy.array(keep_rows))
        else:
            finished.extend((t, s, a, len(t)) for t, s, a in zip(tokens, scores, attention))
        if not finished:   # every hypothesis still running when the loop broke
            finished.extend((t, s, a, len(t)) for t, s, a in zip(tokens, scores, attention))
    best = max(finished, key=lambda h: h[1] / max(h[3], 1) ** alpha)
    return best[0], (numpy.array(best[2]) if best[2] else None)
