"""Resources running out, in one line each, with the earlier files intact: a full disk while
a run saves, absurd model or beam sizes, a data file that is not a file."""
import errno
import os
import re

import pytest

from seq2seq import cli
from tests.seq2seq.test_cli import TINY

pytestmark = pytest.mark.numpy_only


def exits_with(argv, pattern):
    with pytest.raises(SystemExit) as exit:
        cli.main(argv)
    message = str(exit.value.code)
    assert "\n" not in message and re.search(pattern, message), message
    return message


def test_a_full_disk_while_saving_is_one_line_and_keeps_the_last_checkpoint(tmp_path,
                                                                           monkeypatch):
    out = str(tmp_path / "run")
    cli.main(["train", "--backend", "numpy", *TINY, "--max-minutes", "0.005", "--out", out])
    before = open(os.path.join(out, "last.npz"), "rb").read()

    def full(fd):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "fsync", full)
    exits_with(["train", "--backend", "numpy", *TINY, "--max-minutes", "0.005", "--resume",
                "--out", out],
               rf"^error: --out {re.escape(out)}: cannot write: \[Errno 28\] No space left on "
               r"device \(the files saved there before are intact\)$")
    assert open(os.path.join(out, "last.npz"), "rb").read() == before
    assert sorted(os.listdir(out)) == ["attention.png", "best.npz", "curves.png", "last.npz"]


@pytest.mark.parametrize("flags, what", [
    (["--num-hiddens", "1000000"], r"training the model \([\d,]+ parameters, with gradients "
                                   r"and Adam's moments\) needs about [\d.]+ TiB"),
    (["--embed-size", "1000000000"], r"training the model \([\d,]+ parameters"),
    (["--model", "transformer", "--num-hiddens", "4000000"], r"training the model")])
def test_a_model_too_big_for_the_memory_is_refused_before_allocating(flags, what, tmp_path):
    exits_with(["train", "--backend", "numpy", *flags, "--out", str(tmp_path / "out")],
               rf"^error: {what}.*, more than the [\d.]+ \w+ of memory available$")
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("data", ["/dev/zero", "."])
def test_data_that_is_not_a_regular_file_is_refused(data, tmp_path):
    exits_with(["train", "--backend", "numpy", "--data", data, "--out", str(tmp_path)],
               rf"^error: --data {re.escape(data)}: not a regular file")


def _tiny_checkpoint(tmp_path):
    """A small model's checkpoint -> (its path, its target vocabulary's size)."""
    import minigrad as mg
    from seq2seq.checkpoint import save_checkpoint
    from seq2seq.datasets import load_builtin
    from seq2seq.models import build_model
    data = load_builtin(num_train=50, num_valid=5, num_test=5)
    config = dict(src_vocab_size=len(data.src_vocab), tgt_vocab_size=len(data.tgt_vocab),
                  embed_size=4, num_hiddens=8, num_layers=1, dropout=0.0)
    mg.manual_seed(0)
    path = str(tmp_path / "tiny.npz")
    save_checkpoint(path, build_model(**config), data, config)
    return path, len(data.tgt_vocab)


def test_a_beam_too_big_for_the_memory_is_refused_before_searching(tmp_path, monkeypatch):
    from seq2seq import memory
    path, vocab = _tiny_checkpoint(tmp_path)
    monkeypatch.setattr(memory, "available_memory", lambda: 2**20)     # a 1 MiB machine
    exits_with(["translate", "--backend", "numpy", "--checkpoint", path, "--beam",
                str(vocab), "i see a dog ."],
               rf"^error: --beam {vocab} needs about [\d.]+ MiB, more than the 1\.0 MiB "
               r"of memory available$")


@pytest.mark.parametrize("beam", [10**6, 10**9])
def test_a_beam_larger_than_the_target_vocabulary_is_refused_naming_both(beam, tmp_path):
    """A beam of a million fitted the memory estimate of a small model and searched for
    minutes; no beam above the vocabulary's size can even be filled at the first step."""
    path, vocab = _tiny_checkpoint(tmp_path)
    exits_with(["translate", "--backend", "numpy", "--checkpoint", path, "--beam", str(beam),
                "i see a dog ."],
               rf"^error: --beam {beam} is larger than the target vocabulary \({vocab} tokens"
               rf"\); .* so it must lie in 1\.\.{vocab}$")


def test_the_estimates_hold_the_real_sizes():
    """model_parameters is an upper estimate, within 50% of the real count."""
    from seq2seq.memory import check_fits, model_parameters, TooBig
    from seq2seq.models import build_model
    for config in [dict(embed_size=8, num_hiddens=16, num_layers=2, bidirectional=True),
                   dict(embed_size=8, num_hiddens=16, num_layers=1, cell="lstm",
                        scorer="general"),
                   dict(model="transformer", num_hiddens=16, ffn_num_hiddens=32, num_heads=2,
                        num_blks=2)]:
        config.update(src_vocab_size=50, tgt_vocab_size=60)
        real = build_model(**config).num_parameters()
        assert real <= model_parameters(**config) <= 1.5 * real, config
    with pytest.raises(TooBig, match=r"^x needs about 2\.0 KiB, more than the 1\.0 KiB of "
                                     r"memory available$"):
        check_fits("x", 2048, available=1024)
    check_fits("x", 1024, available=1024)
