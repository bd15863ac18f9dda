"""The models' names and module scopes: every parameter and module knows its dotted name from
the moment the model is built, and each op of a step is recorded under the module whose forward
made it (the attention's masked softmax under decoder.attention, not under one of its Linears)."""
import numpy as np
import pytest

import minigrad as mg
from minigrad.autograd import topological_order
from minigrad.graph import module_scopes
from seq2seq import build_model, d2l, d2l_zh
from seq2seq.models import Seq2SeqAttentionDecoder, Seq2SeqEncoder, EncoderDecoder

SRC, TGT, EMBED, HIDDEN, LAYERS = 11, 13, 6, 8, 2


def _walk(module, path=""):
    """(dotted path, module) and (dotted name, parameter) read from the module tree's dicts
    directly, not through named_parameters() or parameters()."""
    yield "module", path, module
    for name, param in module._parameters.items():
        yield "param", f"{path}{name}", param
    for name, child in module._modules.items():
        yield from _walk(child, f"{path}{name}.")


MODELS = {
    "rnn": lambda: build_model(SRC, TGT, EMBED, HIDDEN, LAYERS, dropout=0.0),
    "bidirectional lstm": lambda: build_model(SRC, TGT, EMBED, HIDDEN, LAYERS, dropout=0.0,
                                              cell="lstm", bidirectional=True),
    "plain": lambda: build_model(SRC, TGT, EMBED, HIDDEN, LAYERS, dropout=0.0,
                                 decoder="plain"),
    "general scorer": lambda: build_model(SRC, TGT, EMBED, HIDDEN, 1, dropout=0.0,
                                          scorer="general"),
    "transformer": lambda: build_model(SRC, TGT, model="transformer", num_hiddens=8,
                                       ffn_num_hiddens=16, num_heads=2, num_blks=2),
    "hand-built": lambda: EncoderDecoder(Seq2SeqEncoder(SRC, EMBED, HIDDEN, LAYERS),
                                         Seq2SeqAttentionDecoder(TGT, EMBED, HIDDEN, LAYERS)),
    "d2l Seq2Seq": lambda: d2l.Seq2Seq(d2l.Seq2SeqEncoder(SRC, EMBED, HIDDEN, LAYERS),
                                       d2l.Seq2SeqEncoder(TGT, EMBED, HIDDEN, LAYERS),
                                       tgt_pad=1, lr=0.005),
    # blocks added to a Sequential after it is assigned (the book's add_module loop)
    "d2l TransformerEncoder": lambda: d2l.TransformerEncoder(SRC, 8, 16, 2, 2, 0.0),
    "d2l MultiHeadAttention (lazy)": lambda: d2l.MultiHeadAttention(8, 2, 0.0),
    "d2l_zh EncoderDecoder": lambda: d2l_zh.EncoderDecoder(
        d2l_zh.Seq2SeqEncoder(SRC, EMBED, HIDDEN, LAYERS),
        d2l_zh.Seq2SeqEncoder(TGT, EMBED, HIDDEN, LAYERS)),
    "d2l_zh MultiHeadAttention": lambda: d2l_zh.MultiHeadAttention(8, 8, 8, 8, 2, 0.0),
}


@pytest.mark.parametrize("label", list(MODELS))
def test_every_parameter_and_module_has_its_dotted_name_right_after_construction(label):
    model = MODELS[label]()
    walked = list(_walk(model))
    assert any(kind == "param" for kind, _, _ in walked), label
    for kind, path, obj in walked:
        if kind == "param":
            assert obj.name == path, (label, path, obj.name)
        else:
            assert obj._prefix == path, (label, path, obj._prefix)
    # and named_parameters() agrees (it walks the same tree; it names nothing itself)
    for name, param in model.named_parameters():
        assert param.name == name


def _decoder_step(is_readable):
    """d2l-sized like benchmarks/trace_step.py, smaller: one teacher-forced decoder step."""
    mg.set_readable(is_readable)
    mg.manual_seed(0)
    model = build_model(SRC, TGT, EMBED, HIDDEN, LAYERS, dropout=0.2)
    model.train()
    rng = np.random.default_rng(0)
    src = rng.integers(0, SRC, size=(3, 5))
    src_len = np.array([5, 2, 4])
    state = model.decoder.init_state(model.encoder(src, src_len), src_len)
    enc_outputs, hidden, lens = state
    state = enc_outputs.detach(), hidden.detach(), lens
    return model.decoder(rng.integers(0, TGT, size=(3, 1)), state)[0]


@pytest.mark.parametrize("is_readable", [True, False])
def test_one_decoder_step_is_recorded_by_the_modules_that_made_its_ops(is_readable):
    try:
        logits = _decoder_step(is_readable)
        order = topological_order(logits)
        where = module_scopes(logits)
        by_op = {}
        for node in order:
            if node._backward is not None:
                by_op.setdefault(node._op, set()).add(where[id(node)])
        leaves = [node for node in order if node._backward is None]
        assert len(leaves) == 14 and all(leaf.name for leaf in leaves)   # 14 of 14 named
        assert "linear" in by_op and "decoder.dense" in by_op["linear"]
        assert {"decoder.attention.W_q", "decoder.attention.W_k"} <= by_op["linear"]
        if is_readable:
            # the book's masked softmax: every op of it is the attention's own
            for op in ("exp", "sum", "div"):
                assert by_op[op] == {"decoder.attention"}, (op, by_op[op])
            assert by_op["sub"] == {"decoder.attention", "decoder.rnn"}   # x - max; GRU's 1 - z
            assert by_op["linear"] >= {"decoder.attention.w_v", "decoder.rnn"}
            assert "decoder.rnn" in by_op["sigmoid"]
        else:
            # the fused path: scores and softmax in one op (two on a device), the attention's
            fused = {"additive_attention_weights", "additive_scores", "masked_softmax"}
            assert fused & set(by_op)
            for op in fused & set(by_op):
                assert by_op[op] == {"decoder.attention"}, (op, by_op[op])
        text = mg.graph_scopes(logits)
        assert "(inferred)" not in text and "(not recorded)" not in text
    finally:
        mg.set_readable(False)


@pytest.mark.parametrize("is_readable", [True, False])
def test_the_training_loss_is_counted_by_the_models_blocks(is_readable):
    """model.loss and decoder.features are methods, not forwards: Module.scope() stamps
    their ops all the same, and the GRU's step runs as the rnn's (fast mode)."""
    try:
        mg.set_readable(is_readable)
        mg.manual_seed(0)
        model = build_model(SRC, TGT, EMBED, HIDDEN, LAYERS, dropout=0.0)
        rng = np.random.default_rng(0)
        src, dec = rng.integers(0, SRC, size=(3, 5)), rng.integers(0, TGT, size=(3, 5))
        loss = model.loss(src, dec, np.array([5, 2, 4]), dec, np.array([3, 5, 1]))
        where = module_scopes(loss)
        assert where[id(loss)] == "(top module)"
        scoped = {where[id(node)] for node in topological_order(loss)
                  if node._backward is not None}
        assert "(outside any module)" not in scoped
        assert {"decoder", "decoder.rnn", "decoder.attention", "encoder.rnn"} <= scoped
        cells = [where[id(node)] for node in topological_order(loss)
                 if node._op in ("gru_cell", "sigmoid")]
        assert "decoder.rnn" in cells and set(cells) <= {"decoder.rnn", "encoder.rnn"}
        assert mg.scopes.current() is None
    finally:
        mg.set_readable(False)


def test_module_scope_restores_the_outer_scope_on_an_error():
    model = build_model(SRC, TGT, EMBED, HIDDEN, 1, dropout=0.0)
    with pytest.raises(KeyError):
        with model.decoder.scope():
            assert mg.scopes.current() == "decoder"
            with model.decoder.rnn.scope():
                raise KeyError("inside")
    assert mg.scopes.current() is None
