"""The examples that follow d2l's attention chapter section by section run the book's toy
cells with its arguments and print the book's shapes."""
import os
import subprocess
import sys

import matplotlib.image
import pytest

pytestmark = pytest.mark.numpy_only      # the scripts choose their backend from the environment

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_example(script, tmp_path, *arguments):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]))
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", script),
                             "--out", str(tmp_path), *arguments],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_every_book_example_is_written_in_notebook_cells():
    for script in sorted(os.listdir(os.path.join(ROOT, "examples"))):
        if script.startswith("d2l_") or script in ("bahdanau_d2l.py", "transformer_d2l.py"):
            with open(os.path.join(ROOT, "examples", script), encoding="utf-8") as f:
                assert f.read().count("\n# %%") >= 2, script


def test_queries_keys_values(tmp_path):
    assert run_example("d2l_11_1_queries_keys_values.py", tmp_path) == [
        "attention_weights: (1, 1, 10, 10)"]
    image = matplotlib.image.imread(tmp_path / "queries_keys_values.png")
    assert image[..., :3].var() > 0


def test_scoring_functions(tmp_path):
    lines = run_example("d2l_11_3_scoring_functions.py", tmp_path)
    text = "\n".join(lines)
    # lengths [2, 3]: the first example keeps 2 keys, the second 3, in both queries
    first = text.split("masked_softmax(X, [2, 3]):")[1].split("masked_softmax(X, [[")[0]
    rows = [line.strip(" []").split() for line in first.strip().splitlines() if line.strip()]
    assert [sum(float(v) > 0 for v in row) for row in rows] == [2, 2, 3, 3]
    per_query = text.split("masked_softmax(X, [[1, 3], [2, 4]]):")[1].split("bmm")[0]
    rows = [line.strip(" []").split() for line in per_query.strip().splitlines() if line.strip()]
    assert [sum(float(v) > 0 for v in row) for row in rows] == [1, 3, 2, 4]
    assert "bmm (2, 3, 4) (2, 4, 6): (2, 3, 6)" in lines
    assert "DotProductAttention: (2, 1, 4)" in lines
    assert "AdditiveAttention(2, 20, 8, 0.1): (2, 1, 4)" in lines
    assert "attention_weights: (2, 1, 10)" in lines


def test_bahdanau_decoder_shapes(tmp_path):
    # d2l: vocab 10, embed 8, hiddens 16, 2 layers, X zeros (4, 7)
    assert run_example("d2l_11_4_bahdanau.py", tmp_path) == [
        "output: (4, 7, 10)",
        "state[0] (encoder outputs): (4, 7, 16)",
        "state[1][0] (hidden state, layer 0): (4, 16)",
        "attention weights: one per step, 7 x (4, 1, 7)"]
    assert not os.listdir(tmp_path)       # the heatmap only with --train


def test_bahdanau_short_training_translates_and_saves_a_heatmap(tmp_path):
    lines = run_example("d2l_11_4_bahdanau.py", tmp_path, "--train", "--epochs", "1")
    assert lines[4].startswith("TranslationData('builtin': 2000 train pairs")
    assert lines[5].startswith("loss ") and lines[5].endswith(" after 1 epochs")
    assert sum(" => " in line for line in lines) == 4
    picture = tmp_path / "bahdanau_attention.png"
    assert lines[-1] == f"attention heatmap: {picture}"
    assert matplotlib.image.imread(picture)[..., :3].var() > 0


def test_transformer_shapes(tmp_path):
    assert run_example("d2l_11_7_transformer.py", tmp_path) == [
        "PositionWiseFFN(4, 8) on (2, 3, 4): (2, 3, 8)",
        "layer norm: [[-1.0, 1.0], [-1.0, 1.0]] batch norm: [[-1.0, -1.0], [1.0, 1.0]]",
        "AddNorm(4, 0.5) on (2, 3, 4): (2, 3, 4)",
        "TransformerEncoderBlock(24, 48, 8, 0.5) on (2, 100, 24): (2, 100, 24)",
        "TransformerEncoder(200, 24, 48, 8, 2, 0.5) on (2, 100) ids: (2, 100, 24)",
        "TransformerDecoderBlock(24, 48, 8, 0.5, 0) on (2, 100, 24): (2, 100, 24)"]


def test_multihead_attention(tmp_path):
    assert run_example("d2l_11_5_multihead_attention.py", tmp_path) == [
        "MultiHeadAttention(100, 5, 0.5): (2, 4, 100)"]


def test_self_attention_and_positional_encoding(tmp_path):
    lines = run_example("d2l_11_6_self_attention_positional.py", tmp_path)
    assert lines[:2] == ["self-attention: (2, 4, 100)", "P: (1, 60, 32)"]
    assert lines[2:] == [f"{i} in binary is {i:03b}" for i in range(8)]
    assert lines[-1] == "7 in binary is 111"
    image = matplotlib.image.imread(tmp_path / "positional_encoding_columns.png")
    assert image[..., :3].var() > 0


def test_attention_pooling_runs_the_four_kernels_and_widths(tmp_path):
    lines = run_example("d2l_11_2_attention_pooling.py", tmp_path)
    assert lines[0] == "x_train: (40,) x_val: (50,)"
    names = ["Gaussian", "Boxcar", "Constant", "Epanechikov"]
    widths = ["Sigma 0.1", "Sigma 0.2", "Sigma 0.5", "Sigma 1"]
    assert [line.split(":")[0] for line in lines[1:]] == names * 2 + widths * 2
    assert all(line.endswith("y_hat (50,), attention_w (40, 50)") for line in lines[1:])
    for picture in ["attention_pooling_kernels.png", "attention_pooling_kernels_weights.png",
                    "attention_pooling_widths.png", "attention_pooling_widths_weights.png"]:
        assert matplotlib.image.imread(tmp_path / picture)[..., :3].var() > 0


def test_nadaraya_watson_prints_each_loss_beside_the_w_it_was_computed_at(tmp_path):
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=ROOT)
    result = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "nadaraya_watson.py"),
                             "--out", str(tmp_path), "--epochs", "3"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    epochs = [line for line in result.stdout.splitlines() if line.startswith("epoch")]
    used = [line.split(" at w ")[1].split(",")[0] for line in epochs]
    updated = [line.split("updated to w ")[1] for line in epochs]
    assert len(epochs) == 3 and used[1:] == updated[:-1] and used[0] != updated[0]
