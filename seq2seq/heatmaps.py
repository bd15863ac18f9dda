"""The attention heatmap of one translation: source tokens against output tokens."""
from attention.heatmap import show_heatmaps


def save_translation_heatmap(weights, source_tokens, output_tokens, path):
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
    show_heatmaps(matrix[None, None], xlabel="source", ylabel="output",
                  x_ticks=source, y_ticks=rows[:matrix.shape[0]], path=path,
                  titles=[["attention"]], figsize=(4.5, 4))
