"""The 0.17-style training and prediction: ``train_seq2seq`` and ``predict_seq2seq``.

They work with any encoder-decoder written against the book's interface (``net(X, dec_X,
X_valid_len)`` -> (logits, state); ``net.decoder(dec_X, state)`` one step at a time), so the
models a learner types in from the book train here unchanged. One training step:

    dec_input = [<bos>, Y[:, :-1]]                 teacher forcing
    l = MaskedSoftmaxCELoss(net(X, dec_input, X_valid_len)[0], Y, Y_valid_len)    (B,)
    l.sum().backward(); clip the gradients to norm 1; Adam step
"""

import numbers

import numpy

import minigrad as mg
from minigrad import nn
from seq2seq.arrays import truncate_pad
from seq2seq.d2l_zh_models import MaskedSoftmaxCELoss
from seq2seq.book.timer import Timer
from seq2seq.d2l_zh_plot import Accumulator, Animator


def xavier_init_weights(module):
    """The book's initialisation: Xavier-uniform weights, U(-a, a) with
    a = sqrt(6 / (fan_in + fan_out)), for every ``nn.Linear`` and every weight matrix of an
    ``nn.GRU`` (exactly these types, as in the book); biases and the rest keep their own."""
    for sub in module.modules():
        if type(sub) not in (nn.Linear, nn.GRU):
            continue
        for name, param in sub.named_parameters():
            if name.startswith("weight") and "." not in name:
                nn.init.xavier_uniform_(param)


def grad_clipping(net, theta):
    """Scale every gradient by theta / norm when their global L2 norm exceeds ``theta``.
    ``net``: a Module (its parameters that require grad) or a list of parameters.

    This is ``minigrad.nn.utils.clip_grad_norm_``, whose scale is theta / (norm + 1e-6):
    the book's theta / norm up to one part in a million."""
    params = net.parameters() if isinstance(net, nn.Module) else net
    nn.utils.clip_grad_norm_([p for p in params if p.requires_grad], theta)


def _to(x, device):
    """x.to(device) where minigrad has devices; x itself otherwise."""
    return x.to(device) if hasattr(x, "to") and device is not None else x


def train_seq2seq(net, data_iter, lr, num_epochs, tgt_vocab, device):
    """Train an encoder-decoder with teacher forcing, Adam and gradient clipping (theta 1),
    after the book's Xavier initialisation. An Animator draws the loss per token every 10
    epochs; the last line says the final loss and the speed (tokens per second)."""
    if (isinstance(num_epochs, bool) or not isinstance(num_epochs, numbers.Integral)
            or num_epochs < 1):      # 0 ended in UnboundLocalError, as the book's code does
        raise ValueError(f"train_seq2seq: num_epochs must be an integer >= 1, got {num_epochs!r}")
    xavier_init_weights(net)
    net = _to(net, device) or net
    optimizer = mg.optim.Adam(net.parameters(), lr=lr)
    loss = MaskedSoftmaxCELoss()
    net.train()
    animator = Animator(xlabel="epoch", ylabel="loss", xlim=[10, num_epochs])
    bos = tgt_vocab["<bos>"]
    for epoch in range(num_epochs):
        timer = Timer()
        metric = Accumulator(2)     # summed loss, number of target tokens
        for batch in data_iter:
            optimizer.zero_grad()
            X, X_valid_len, Y, Y_valid_len = [_to(x, device) for x in batch]
            labels = Y.numpy()
            dec_input = numpy.concatenate(                                  # (B, T)
                [numpy.full((labels.shape[0], 1), bos, dtype=labels.dtype), labels[:, :-1]], 1)
            Y_hat, _ = net(X, mg.Tensor(dec_input), X_valid_len)
            l = loss(Y_hat, Y, Y_valid_len)
            l.sum().backward()
            grad_clipping(net, 1)
            optimizer.step()
            metric.add(l.sum().item(), Y_valid_len.numpy().sum())
        if (epoch + 1) % 10 == 0:
            animator.add(epoch + 1, (metric[0] / metric[1],))
    print(f"loss {metric[0] / metric[1]:.3f}, {metric[1] / timer.stop():.1f} "
          f"tokens/sec on {device}")


def predict_seq2seq(net, src_sentence, src_vocab, tgt_vocab, num_steps, device,
                    save_attention_weights=False):
    """Greedy translation of one sentence (lowercased, split on spaces):
    -> (translation as a string, [decoder.attention_weights after each step] or []).

    The decoder is fed its own previous token, from <bos>, until it says <eos> or after
    ``num_steps`` tokens. The source's valid length counts its <eos>; a source longer than
    ``num_steps`` is cut, and its valid length with it."""
    if not isinstance(src_sentence, str):
        raise TypeError(f"predict_seq2seq: src_sentence must be one sentence (a string), got "
                        f"{type(src_sentence).__name__}; call it once per sentence")
    if isinstance(num_steps, bool) or not isinstance(num_steps, numbers.Integral) or num_steps < 1:
        raise ValueError(f"predict_seq2seq: num_steps must be an integer >= 1, got {num_steps!r}")
    net.eval()
    src_tokens = src_vocab[src_sentence.lower().split(" ")] + [src_vocab["<eos>"]]
    enc_valid_len = _to(mg.tensor([min(len(src_tokens), num_steps)]), device)
    src_tokens = truncate_pad(src_tokens, num_steps, src_vocab["<pad>"])
    enc_X = _to(mg.tensor([src_tokens], dtype=mg.long), device)              # (1, T)
    output_seq, attention_weight_seq = [], []
    with mg.no_grad():
        enc_outputs = net.encoder(enc_X, enc_valid_len)
        dec_state = net.decoder.init_state(enc_outputs, enc_valid_len)
        dec_X = _to(mg.tensor([[tgt_vocab["<bos>"]]], dtype=mg.long), device)    # (1, 1)
        for _ in range(num_steps):
            Y, dec_state = net.decoder(dec_X, dec_state)                      # (1, 1, V)
            dec_X = Y.argmax(-1)                                             # (1, 1)
            pred = int(dec_X.numpy().reshape(-1)[0])
            if save_attention_weights:
                attention_weight_seq.append(net.decoder.attention_weights)
            if pred == tgt_vocab["<eos>"]:
                break
            output_seq.append(pred)
    return " ".join(tgt_vocab.to_tokens(output_seq)), attention_weight_seq
