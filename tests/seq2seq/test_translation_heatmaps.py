"""translate --heatmap's figures say what they show; heads and blocks are numbered from 1."""
import numpy as np
import pytest

from seq2seq import cli
from seq2seq import translation_heatmaps as heatmaps
from seq2seq.models import build_model

pytestmark = pytest.mark.numpy_only   # plotting is host-side code


def test_a_translation_heatmap_is_titled_and_its_colour_bar_labelled(tmp_path):
    fig = heatmaps.save_translation_heatmap(np.full((3, 3), 1 / 3), ["go", "."], ["va", "!"],
                                            tmp_path / "h.png", title="decoder attention")
    panel, colour_bar = fig.axes
    assert panel.get_title() == "decoder attention"
    assert colour_bar.get_ylabel() == "attention weight"


def test_the_cli_titles_name_the_attention_block_and_heads():
    rnn = build_model(10, 10, 4, 6, num_layers=1, dropout=0.0)
    assert cli._heatmap_title(rnn, {"model_config": {"scorer": "dot"}}) == (
        "decoder attention (dot scorer)")
    transformer = build_model(10, 10, num_hiddens=8, ffn_num_hiddens=16, num_heads=2,
                              num_blks=3, dropout=0.0, model="transformer")
    assert cli._heatmap_title(transformer, {"model_config": {"model": "transformer"}}) == (
        "enc-dec attention, block 3 (last), mean of 2 heads")


def test_every_block_and_head_is_numbered_from_one(tmp_path, monkeypatch):
    drawn = []
    monkeypatch.setattr(heatmaps, "show_heatmaps",
                        lambda grid, **kwargs: drawn.append((grid.shape, kwargs)))
    model = build_model(12, 12, num_hiddens=8, ffn_num_hiddens=16, num_heads=2, num_blks=2,
                        dropout=0.0, model="transformer")
    from seq2seq.vocab import Vocab
    vocab = Vocab.from_idx_to_token(["<unk>", "<pad>", "<bos>", "<eos>", "go", ".", "va", "!"])
    heatmaps.save_transformer_heatmaps(model, ["go", "."], ["va", "!"], vocab, vocab, 5,
                                       str(tmp_path / "h.png"))
    assert len(drawn) == 3
    for _, kwargs in drawn:
        assert kwargs["titles"] == [["block 1, head 1", "block 1, head 2"],
                                    ["block 2, head 1", "block 2, head 2"]]
        assert kwargs["suptitle"].endswith(", every block and head (not averaged)")
    assert [kwargs["suptitle"].split(",")[0] for _, kwargs in drawn] == [
        "encoder self-attention", "decoder self-attention", "encoder-decoder attention"]
