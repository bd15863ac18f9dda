"""``python -m seq2seq train | translate | evaluate``, run as a user runs it: in a subprocess.

One short training run (module fixture) makes the checkpoint that every other test reads.
What the command line prints is compared with what the library returns in this process.
"""
import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from matplotlib.image import imread

from seq2seq.builtin_corpus import generate_pairs
from seq2seq.checkpoint import model_from_checkpoint, read_checkpoint, save_checkpoint
from seq2seq.datasets import load_builtin
from seq2seq.models import build_model
from seq2seq.train import evaluate_bleu
from seq2seq.translate import translate

pytestmark = pytest.mark.numpy_only

ROOT = Path(__file__).resolve().parents[2]
ENV = {k: v for k, v in os.environ.items() if k != "MINIGRAD_BACKEND"}
TINY = ["--epochs", "1", "--num-hiddens", "16", "--embed-size", "8", "--batch-size", "128"]
SENTENCES = ["the red car is small .", "i see a dog .", "we do not see my book ."]
LONG = "the big red car and the small green dog look for my old brown horse ."   # 16 tokens


def cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "seq2seq", *args], cwd=ROOT, env=ENV,
                          input=stdin, capture_output=True, text=True, timeout=300)


def succeeded(result):
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def failed_with(result, pattern):
    """A non-zero exit whose whole complaint is one line matching ``pattern``."""
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(pattern, lines[0]), lines[0]
    return lines[0]


def assert_png_with_ink(path):
    image = imread(str(path))
    assert image.ndim == 3 and min(image.shape[:2]) > 100
    assert 0.005 < (image[..., :3] < 0.5).any(axis=-1).mean() < 0.6


def train_briefly(out, flags):
    """`train` with ``flags`` for about a second into ``out`` -> (out, what it printed)."""
    result = cli("train", "--backend", "numpy", *flags, "--max-minutes", "0.02",
                 "--out", str(out))
    return out, succeeded(result)


def load_trained(run):
    """The model of a `train_briefly` run loaded in this process, its source vocabulary, and
    a translate() bound to it."""
    model, src_vocab, tgt_vocab, num_steps, _ = model_from_checkpoint(checkpoint(run))

    def translated(sentences, beam_size=1):
        return [" ".join(tokens) for tokens, _ in
                translate(model, sentences, src_vocab, tgt_vocab, num_steps, beam_size)]
    return model, src_vocab, translated


def checkpoint(run):
    return str(run[0] / "best.npz")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A checkpoint from `train` (about a second of training), and what the command printed."""
    return train_briefly(tmp_path_factory.mktemp("run"), TINY)


@pytest.fixture
def library(run):
    return load_trained(run)


# ----------------------------------------------------------------------------- train

def test_train_ends_with_translations_bleu_a_heatmap_and_checkpoints(run, library):
    out, lines = run
    assert sorted(os.listdir(out)) == ["attention.png", "best.npz", "curves.png", "last.npz"]
    assert_png_with_ink(out / "attention.png")
    assert any(re.fullmatch(r"test corpus BLEU \d+\.\d\d \(500 sources, greedy\)", line)
               for line in lines)
    printed = [re.fullmatch(r"(.+) => (.*)   \(bleu (\d\.\d{3})\)", line) for line in lines]
    printed = [match for match in printed if match]
    examples = load_builtin().test[:4]
    assert [match[1] for match in printed] == [" ".join(src) for src, _ in examples]
    assert [match[2] for match in printed] == library[2]([m[1] for m in printed])
    assert lines[-1] == f"attention heatmap: {out / 'attention.png'}; checkpoint: " \
                        f"{out / 'best.npz'}"


def test_train_with_the_plain_decoder_finishes_without_a_heatmap(tmp_path):
    lines = succeeded(cli("train", "--backend", "numpy", *TINY, "--decoder", "plain",
                          "--max-minutes", "0.005", "--out", str(tmp_path)))
    assert "no attention heatmap" in lines[-1]
    assert not (tmp_path / "attention.png").exists() and (tmp_path / "best.npz").exists()


def test_train_resumes_from_the_last_checkpoint(run, tmp_path):
    out = tmp_path / "resumed"
    out.mkdir()
    (out / "last.npz").write_bytes((run[0] / "last.npz").read_bytes())
    before = read_checkpoint(str(out / "last.npz"))
    lines = succeeded(cli("train", "--backend", "numpy", *TINY[2:], "--epochs", "2",
                          "--max-minutes", "0.01", "--resume", "--out", str(out)))
    after = read_checkpoint(str(out / "last.npz"))
    if "position" in before:     # the time limit cut epoch 1: it goes on from there
        assert any(line.startswith(f"resumed from {out / 'last.npz'} in epoch 1 at batch "
                                   f"{before['position']['batch'] + 1}, where the time limit "
                                   f"stopped it") for line in lines)
        assert sum(after["history"]["batches"]) > sum(before["history"]["batches"])
    else:
        assert any(line.startswith(f"resumed from {out / 'last.npz'} after epoch 1")
                   for line in lines)
        assert not any(line.startswith("epoch 1: ") for line in lines)
        assert after["history"]["epoch"] == [1, 2]


def test_resume_refuses_another_model_size_or_a_missing_checkpoint(run, tmp_path):
    out = tmp_path / "other"
    out.mkdir()
    (out / "last.npz").write_bytes((run[0] / "last.npz").read_bytes())
    bigger = [("24" if previous == "--num-hiddens" else flag)
              for previous, flag in zip([None] + TINY, TINY)]
    failed_with(cli("train", "--backend", "numpy", *bigger, "--resume", "--out", str(out)),
                rf"^error: --resume: {re.escape(str(out / 'last.npz'))} was trained with "
                r"another model or vocabulary: num_hiddens: checkpoint 16, now 24$")
    assert os.listdir(out) == ["last.npz"]                     # nothing trained or written
    failed_with(cli("train", "--backend", "numpy", *TINY, "--lr", "0.01", "--resume", "--out",
                    str(out)),
                rf"^error: --resume: {re.escape(str(out / 'last.npz'))} was trained with other "
                r"settings: lr: checkpoint 0\.005, now 0\.01 \(pass the run's own flags to "
                r"continue it\)$")
    assert os.listdir(out) == ["last.npz"]
    empty = tmp_path / "empty"
    failed_with(cli("train", "--backend", "numpy", *TINY, "--resume", "--out", str(empty)),
                rf"^error: --resume: nothing to resume, {re.escape(str(empty / 'last.npz'))} "
                r"does not exist")
    assert not empty.exists()


@pytest.mark.parametrize("flag, value, message", [
    ("--batch-size", "0", r"--batch-size must be an integer >= 1, got 0"),
    ("--lr", "-1", r"--lr must be a finite number > 0, got -1\.0"),
    ("--clip", "0", r"--clip must be a finite number > 0 \(the largest gradient norm\), got 0\.0"),
    ("--epochs", "-2", r"--epochs must be an integer >= 0, got -2"),
    ("--embed-size", "-3", r"build_model: embed_size must be an integer >= 1, got -3"),
    ("--dropout", "1.5", r"build_model: dropout must be a number in \[0, 1\), got 1\.5"),
    ("--seed", "-1", r"--seed must be an integer >= 0, got -1"),
])
def test_training_flags_out_of_range_are_one_line_errors(flag, value, message, tmp_path):
    out = tmp_path / "out"
    result = cli("train", "--backend", "numpy", *TINY, flag, value, "--out", str(out))
    failed_with(result, rf"^error: {message}$")
    assert not out.exists()                                   # nothing trained or written


def test_an_out_folder_that_cannot_be_made_is_a_one_line_error(tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    failed_with(cli("train", "--backend", "numpy", *TINY, "--out", str(taken)),
                rf"^error: --out {re.escape(str(taken))}: .*File exists")


def test_without_a_trained_epoch_no_checkpoint_is_claimed(tmp_path):
    lines = succeeded(cli("train", "--backend", "numpy", *TINY[2:], "--epochs", "0",
                          "--out", str(tmp_path)))
    assert not (tmp_path / "best.npz").exists()
    assert lines[-1] == f"attention heatmap: {tmp_path / 'attention.png'}; no checkpoint " \
                        f"(no epoch was trained)"


# ----------------------------------------------------------------------------- translate

def test_translate_sentences_from_arguments_and_stdin(run, library):
    from_arguments = succeeded(cli("translate", "--backend", "numpy",
                                   "--checkpoint", checkpoint(run), *SENTENCES))
    from_stdin = succeeded(cli("translate", "--backend", "numpy", "--checkpoint",
                               checkpoint(run), stdin="\n".join(SENTENCES[:2]) + "\n\n  \n"
                               + SENTENCES[2] + "\n"))
    assert from_arguments == from_stdin == library[2](SENTENCES)


def test_translate_with_beam_search(run, library):
    lines = succeeded(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                          "--beam", "3", *SENTENCES))
    assert lines == library[2](SENTENCES, beam_size=3)


def test_translate_writes_heatmaps(run, tmp_path):
    one = tmp_path / "one.png"
    succeeded(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                  "--heatmap", str(one), SENTENCES[0]))
    assert_png_with_ink(one)
    several = tmp_path / "several.png"
    lines = succeeded(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                          "--heatmap", str(several), SENTENCES[0], LONG))
    assert len(lines) == 2
    assert sorted(os.listdir(tmp_path)) == ["one.png", "several.0.png", "several.1.png"]


def test_a_heatmap_that_cannot_be_written_is_a_one_line_error(run, tmp_path):
    taken = tmp_path / "a-file"
    taken.write_text("not a folder")
    path = taken / "h.png"
    failed_with(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                    "--heatmap", str(path), SENTENCES[0]),
                rf"^error: --heatmap {re.escape(str(path))}: ")


def test_a_long_sentence_is_truncated_with_a_warning(run, library):
    result = cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run), LONG)
    lines = succeeded(result)
    warning, unknown = result.stderr.strip().splitlines()   # and, old, brown: not in the grammar
    assert "became <unk>: 'and', 'old', 'brown'" in unknown
    assert warning.startswith("warning: encode_source: the sentence has 16 tokens, more than "
                              "num_steps - 1 = 9; it is truncated")
    with pytest.warns(UserWarning, match="truncated"):   # the first 10 tokens, no <eos>
        assert lines == library[2]([LONG]) == library[2]([LONG.split()[:10]])


def test_unknown_words_become_unk(run, library):
    _, src_vocab, translated = library
    assert "zebra" not in src_vocab.token_to_idx and "spaceship" not in src_vocab.token_to_idx
    result = cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                 "the zebra sees a spaceship .")
    lines = succeeded(result)
    assert len(lines) == 1
    assert lines == translated([["the", "<unk>", "sees", "a", "<unk>", "."]])
    # and says so, naming the words (first contact: "i see the zebra ." used to fail silently)
    assert result.stderr.strip().splitlines() == [
        "warning: encode_source: 2 word(s) not in the source vocabulary became <unk>: "
        "'zebra', 'spaceship' (the model never saw them in training)"]
    with pytest.warns(UserWarning, match=r"became <unk>: 'zebra', 'spaceship'"):
        translated(["the zebra sees a spaceship ."])


def test_an_empty_sentence_is_a_clear_error(run):
    failed_with(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run), ""),
                r"^error: encode_source: the sentence '' is empty; there is nothing to "
                r"translate$")
    failed_with(cli("translate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                    stdin="\n   \n"),
                r"^error: no sentence to translate")


def test_a_missing_or_foreign_checkpoint_is_a_clear_error(run, tmp_path):
    missing = str(tmp_path / "missing.npz")
    failed_with(cli("translate", "--backend", "numpy", "--checkpoint", missing, "go ."),
                rf"^error: --checkpoint {re.escape(missing)}: .*No such file")
    failed_with(cli("evaluate", "--backend", "numpy", "--checkpoint",
                    str(run[0] / "curves.png")),
                r"^error: --checkpoint .*curves\.png: .*not a readable minigrad checkpoint")


def test_a_heatmap_of_the_plain_decoder_is_refused(tmp_path):
    data = load_builtin()
    config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                  embed_size=8, num_hiddens=16, num_layers=1, dropout=0.0, decoder="plain")
    path = str(tmp_path / "plain.npz")
    save_checkpoint(path, build_model(**config), data, config)
    assert len(succeeded(cli("translate", "--backend", "numpy", "--checkpoint", path,
                             *SENTENCES))) == 3
    failed_with(cli("translate", "--backend", "numpy", "--checkpoint", path, "--heatmap",
                    str(tmp_path / "h.png"), SENTENCES[0]),
                r"^error: --heatmap: .*plain.*no attention weights")


# ----------------------------------------------------------------------------- evaluate

def test_evaluate_prints_corpus_bleu(run, library):
    lines = succeeded(cli("evaluate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                          "--split", "valid"))
    data = load_builtin()
    expected = evaluate_bleu(library[0], data.valid, data)
    assert lines == [f"valid corpus BLEU {expected:.2f} (500 sources, greedy)"]


def test_evaluate_a_float64_checkpoint(tmp_path):
    run = train_briefly(tmp_path, TINY + ["--dtype", "float64"])
    model = load_trained(run)[0]
    assert {p.dtype.name for p in model.parameters()} == {"float64"}
    lines = succeeded(cli("evaluate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                          "--split", "valid"))
    data = load_builtin()
    expected = evaluate_bleu(model, data.valid, data)
    assert lines == [f"valid corpus BLEU {expected:.2f} (500 sources, greedy)"]


def test_evaluating_against_other_data_is_refused(run, tmp_path):
    # a fra.txt-style file (d2l's two columns) from the same grammar, another seed: enough for
    # load_fra_eng's 2000 + 2000 held out, and a vocabulary of its own
    fake = tmp_path / "fra.txt"
    fake.write_text("".join(f"{' '.join(en)}\t{' '.join(fr)}\n"
                            for en, fr in generate_pairs(4300, seed=3)), encoding="utf-8")
    message = failed_with(cli("evaluate", "--backend", "numpy", "--checkpoint",
                              checkpoint(run), "--data", str(fake)),
                          r"^error: .*best\.npz was trained with another model or vocabulary")
    assert re.search(r"src_vocab: checkpoint has 81 tokens, the data \d+; first difference "
                     r"at index \d+", message)


def test_data_too_small_for_its_held_out_sets_is_a_clear_error(run, tmp_path):
    small = tmp_path / "small.txt"
    small.write_text("go .\tva !\nhi .\tsalut !\n", encoding="utf-8")
    failed_with(cli("evaluate", "--backend", "numpy", "--checkpoint", checkpoint(run),
                    "--data", str(small)),
                r"^error: --data .*small\.txt: split_by_source: cannot hold out")


def test_fra_eng_without_network_fails_in_one_line_naming_the_way_out(tmp_path):
    """--data fra-eng downloads d2l's zip into ~/.cache/minigrad; offline (here: a proxy
    that refuses every connection) the user reads one line that says to pass a file path."""
    env = {k: v for k, v in ENV.items() if k.lower() not in ("no_proxy", "all_proxy")}
    env.update(HOME=str(tmp_path), http_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9")
    result = subprocess.run([sys.executable, "-m", "seq2seq", "train", "--data", "fra-eng",
                             "--out", str(tmp_path / "out")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=300)
    failed_with(result, r"^error: could not download http://\S+/fra-eng\.zip \(.+\); pass a "
                        r"local copy of fra\.txt with --data PATH$")
    assert result.stdout == "" and not (tmp_path / "out").exists()
    assert not (tmp_path / ".cache" / "minigrad" / "fra-eng").exists()   # nothing half-written


# ----------------------------------------------------------------------------- backends

@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None,
                    reason="CuPy is installed: the missing-CuPy error cannot happen here")
@pytest.mark.parametrize("command", [["train", *TINY], ["translate", "--checkpoint", "x.npz",
                                                        "go ."],
                                     ["evaluate", "--checkpoint", "x.npz"]])
def test_cupy_backend_without_cupy_fails_at_once(command, tmp_path):
    result = cli(command[0], "--backend", "cupy", *command[1:],
                 *(["--out", str(tmp_path)] if command[0] == "train" else []))
    failed_with(result, r"^error: backend 'cupy' needs CuPy, which is not installed")
    assert result.stdout == "" and os.listdir(tmp_path) == []   # nothing loaded or trained


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None,
                    reason="CuPy is installed: the missing-CuPy error cannot happen here")
def test_minigrad_backend_sets_the_default_backend():
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint",
                             "x.npz", "go ."], cwd=ROOT, capture_output=True, text=True,
                            env=dict(ENV, MINIGRAD_BACKEND="cupy"), timeout=300)
    # minigrad applies the variable when it is imported, before the command line runs, so
    # the reason comes as the last line of a traceback
    assert result.returncode != 0 and result.stdout == ""
    assert "backend 'cupy' needs CuPy" in result.stderr.strip().splitlines()[-1]


def test_translate_on_the_strict_backend_chosen_by_the_environment(run, library):
    # strict arrays refuse silent conversion to NumPy, as CuPy's do: the command line must
    # move data across only where it means to
    result = subprocess.run([sys.executable, "-m", "seq2seq", "translate", "--checkpoint",
                             checkpoint(run), *SENTENCES], cwd=ROOT, capture_output=True,
                            text=True, env=dict(ENV, MINIGRAD_BACKEND="strict"), timeout=300)
    assert succeeded(result) == library[2](SENTENCES)


def test_a_fresh_train_refuses_a_folder_holding_a_run_unless_told(run, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "last.npz").write_bytes(b"an earlier run")
    failed_with(cli("train", "--backend", "numpy", *TINY, "--out", str(out)),
                r"^error: --out .* already holds a run \(last.npz\): pass --resume .*"
                r"--overwrite .*another --out")
    assert (out / "last.npz").read_bytes() == b"an earlier run"
    succeeded(cli("train", "--backend", "numpy", *TINY, "--max-minutes", "0.005",
                  "--overwrite", "--out", str(out)))
    assert (out / "last.npz").read_bytes() != b"an earlier run"


@pytest.mark.parametrize("value", ["inf", "nan"])
def test_a_non_finite_learning_rate_is_refused(value, tmp_path):
    failed_with(cli("train", "--backend", "numpy", *TINY, "--lr", value,
                    "--out", str(tmp_path)), rf"^error: --lr must be a finite number > 0")


@pytest.mark.parametrize("signum", ["SIGINT", "SIGTERM"])
def test_a_signal_cuts_the_epoch_saves_last_and_exits_130(signum, tmp_path):
    import signal
    import time
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "seq2seq", "train", "--backend", "numpy", *TINY,
         "--epochs", "1000", "--out", str(out)], cwd=ROOT, env=ENV, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    for line in process.stdout:          # training starts after the model's line
        if line.startswith("model:"):
            break
    time.sleep(2)
    process.send_signal(getattr(signal, signum))
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert re.search(rf"^interrupted: training stopped in epoch \d+ by {signum} .*saved "
                     r".*last.npz( with its position)?; "
                     r"continue with the same command and --resume$", stderr.strip(), re.M)
    assert (out / "last.npz").exists()
    _, printed = train_briefly(out, TINY + ["--epochs", "1000", "--resume"])
    assert any(line.startswith("resumed from") for line in printed)
