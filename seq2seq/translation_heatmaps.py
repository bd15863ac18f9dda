"""Attention heatmaps of one translation: source tokens against output tokens (the
recurrent models), and every block and head of a Transformer."""
import os
import warnings

import numpy

import minigrad as mg
from attention.heatmap_grid import show_heatmaps
from seq2seq.arrays import encode_source


def save_translation_heatmap(weights, source_tokens, output_tokens, path,
                             title="decoder attention over the source"):
    """Save the (output steps x source positions) attention weights of one translation.

    Rows are the decoder's steps (each output token, then ``<eos>``), columns the source
    tokens; only the source's real positions (up to its ``<eos>``, or the first num_steps
    tokens of a sentence that was truncated) are shown.
    """
    if weights is None:
        raise ValueError("save_translation_heatmap: this decoder has no attention weights")
    source = list(source_tokens)
    if "<eos>" not in source:
        source = source + ["<eos>"]
    source = source[:weights.shape[1]]   # a source truncated to num_steps lost its <eos>
    rows = list(output_tokens) + ["<eos>"]
    matrix = weights[:len(rows), :len(source)]
    return show_heatmaps(matrix[None, None], xlabel="source", ylabel="output",
                         x_ticks=source, y_ticks=rows[:matrix.shape[0]], path=path,
                         titles=[[title]], figsize=(4.5, 4))


def transformer_attention(model, src, src_valid_len, dec_input):
    """The attention weights of every block and head of a Transformer for one sentence.

    One teacher-forced pass in eval mode over ``dec_input`` (the decoder's inputs, <bos> and
    then the output tokens) gives the weights that step-by-step decoding used, since the two
    compute the same thing. src (1, T_src) and dec_input (1, S) ids, src_valid_len (1,).
    Returns host arrays of shape (num_blks, heads, queries, keys): "encoder self-attention"
    (T_src x T_src), "decoder self-attention" (S x S), "encoder-decoder attention" (S x T_src).
    """
    model.eval()
    with mg.no_grad():
        model(src, dec_input, src_valid_len)

    def stacked(weights):   # per block (heads, Q, K): (h, Q, K) -> (num_blks, h, Q, K)
        heads = model.encoder.blks[0].attention.num_heads
        return numpy.stack([w.numpy().reshape(-1, heads, *w.shape[1:])[0] for w in weights])
    self_weights, cross_weights = model.decoder.attention_weights
    return {"encoder self-attention": stacked(model.encoder.attention_weights),
            "decoder self-attention": stacked(self_weights),
            "encoder-decoder attention": stacked(cross_weights)}


def save_transformer_heatmaps(model, source_tokens, output_tokens, src_vocab, tgt_vocab,
                              num_steps, path):
    """Per-head heatmaps of one translation by a Transformer, one PNG per kind of attention,
    rows the blocks and columns the heads: PATH_enc_self.png (source x source),
    PATH_dec_self.png (outputs x decoder inputs) and PATH_enc_dec.png (outputs x source),
    for ``path`` = PATH.png. Returns the three paths. Only real source positions are shown.
    """
    with warnings.catch_warnings():   # a long source was already reported when translated
        warnings.simplefilter("ignore")
        src, src_valid_len = encode_source(list(source_tokens), src_vocab, num_steps)
    outputs = list(output_tokens)
    inputs = (["<bos>"] + outputs)[:min(len(outputs) + 1, num_steps)]   # one per step
    rows = (outputs + ["<eos>"])[:len(inputs)]
    dec_input = numpy.array([tgt_vocab[inputs]], dtype=numpy.int64)
    weights = transformer_attention(model, src, src_valid_len, dec_input)
    source = (list(source_tokens) + ["<eos>"])[:int(src_valid_len[0])]
    num_blks, heads = weights["encoder self-attention"].shape[:2]
    # numbered from 1, as everywhere in the project's figures
    titles = [[f"block {i + 1}, head {j + 1}" for j in range(heads)] for i in range(num_blks)]
    root, extension = os.path.splitext(path)
    panels = [("enc_self", "encoder self-attention", source, source, "source", "source"),
              ("dec_self", "decoder self-attention", inputs, rows, "decoder input", "output"),
              ("enc_dec", "encoder-decoder attention", source, rows, "source", "output")]
    paths = []
    for suffix, kind, x_ticks, y_ticks, xlabel, ylabel in panels:
        grid = weights[kind][:, :, :len(y_ticks), :len(x_ticks)]
        paths.append(f"{root}_{suffix}{extension or '.png'}")
        show_heatmaps(grid, xlabel=xlabel, ylabel=ylabel, titles=titles, x_ticks=x_ticks,
                      y_ticks=y_ticks, path=paths[-1],
                      suptitle=f"{kind}, every block and head (not averaged)")
    return paths
