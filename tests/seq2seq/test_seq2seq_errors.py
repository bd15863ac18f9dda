"""seq2seq's unclear cases, each one clear line: translate given a string or a beam that is
not a positive integer, a UTF-8 byte-order mark in a data file, a heatmap name whose
extension is not an image format."""
import numpy as np
import pytest

import minigrad as mg
from attention.heatmap_grid import show_heatmaps
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model
from seq2seq.text import read_text
from seq2seq.translate import translate

pytestmark = pytest.mark.numpy_only


@pytest.fixture(scope="module")
def tiny():
    data = load_builtin(num_train=50, num_valid=5, num_test=5)
    mg.manual_seed(0)
    model = build_model(len(data.src_vocab), len(data.tgt_vocab), embed_size=4,
                        num_hiddens=8, num_layers=1, dropout=0.0)
    return model, data


def test_translate_refuses_one_string_for_a_list(tiny):
    model, data = tiny
    with pytest.raises(TypeError, match=r"^translate: sentences must be a list of strings, "
                                        r"got one string 'i see a dog \.'; pass \[sentence\]"):
        translate(model, "i see a dog .", data.src_vocab, data.tgt_vocab, data.num_steps)


@pytest.mark.parametrize("beam", [2.5, 0, True, "4"])
def test_translate_refuses_a_beam_that_is_not_a_positive_integer(beam, tiny):
    model, data = tiny
    with pytest.raises(ValueError, match=r"^translate: beam_size must be an integer >= 1, "
                                         r"got"):
        translate(model, ["i see a dog ."], data.src_vocab, data.tgt_vocab, data.num_steps,
                  beam_size=beam)


def test_a_byte_order_mark_is_not_part_of_the_first_word(tmp_path):
    path = tmp_path / "fra.txt"
    path.write_bytes("Go.\tVa !\n".encode("utf-8-sig"))
    assert read_text(str(path)) == "Go.\tVa !\n"


@pytest.mark.parametrize("name", ["weights.txt", "weights.npz"])
def test_a_heatmap_name_without_an_image_extension_is_refused_before_writing(name, tmp_path):
    with pytest.raises(ValueError, match=rf"^show_heatmaps: cannot write .*{name}'?: \.\w+ is "
                                         r"not an image format matplotlib writes \(use one of "
                                         r".*\.png"):
        show_heatmaps(np.eye(3)[None, None], path=str(tmp_path / name))
    assert not list(tmp_path.iterdir())
    show_heatmaps(np.eye(3)[None, None], path=str(tmp_path / "weights.svg"))
    assert (tmp_path / "weights.svg").read_text().lstrip().startswith("<?xml")
