"""The book helpers (``seq2seq.d2l``, ``seq2seq.d2l_zh``) given what the 2026-12-07 fault
battery gave them: one clear error each, before anything is built or drawn."""
import pytest

import minigrad as mg
from seq2seq import d2l, d2l_zh

pytestmark = pytest.mark.numpy_only


@pytest.fixture
def book_data(tmp_path):
    folder = tmp_path / "fra-eng"
    folder.mkdir()
    (folder / "fra.txt").write_text("Go.\tVa !\nHi.\tSalut !\nGo.\tVa !\nHi.\tSalut !\n",
                                    encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("keyword, value", [("batch_size", 0), ("batch_size", -3),
                                            ("num_steps", 0), ("num_train", 2.5)])
def test_mtfraeng_refuses_sizes_that_cannot_batch(book_data, keyword, value):
    arguments = dict(batch_size=2, num_train=2, num_val=1, root=str(book_data))
    arguments[keyword] = value
    with pytest.raises(ValueError, match=f"MTFraEng: {keyword} must be an integer"):
        d2l.MTFraEng(**arguments)       # were accepted, to fail (or not) at the first batch


def test_mtfraeng_build_refuses_strings_and_unpaired_lists(book_data):
    data = d2l.MTFraEng(batch_size=2, num_train=2, num_val=1, root=str(book_data))
    with pytest.raises(TypeError, match="src_sentences must be a list of sentences"):
        data.build("go .", "va !")     # was one 'sentence' per character
    with pytest.raises(ValueError, match="at least one pair; got 0 and 0"):
        data.build([], [])             # was NumPy's AxisError
    with pytest.raises(ValueError, match="got 1 and 0"):
        data.build(["go ."], [])
    assert data.build(["go ."], ["va !"])[0].shape == (1, 9)


@pytest.mark.parametrize("keywords, message", [
    (dict(max_epochs=-1), "max_epochs must be an integer >= 0"),
    (dict(max_epochs=1, num_gpus=-1), "num_gpus must be an integer >= 0"),
    (dict(max_epochs=1, gradient_clip_val=-1), "gradient_clip_val must be a finite number >= 0"),
    (dict(max_epochs=1, gradient_clip_val=float("nan")), "gradient_clip_val must be a finite")])
def test_trainer_refuses_bad_settings(keywords, message):
    with pytest.raises(ValueError, match=f"Trainer: {message}"):
        d2l.Trainer(**keywords)


def test_trainer_fit_names_data_that_is_not_a_data_module():
    with pytest.raises(TypeError, match="Trainer.fit: data must be a DataModule.*got str"):
        d2l.Trainer(max_epochs=1).fit(d2l.Module(), "not data")


def test_plots_refuse_a_file_type_and_curves_of_unequal_length(tmp_path):
    with pytest.raises(ValueError, match=r"show_heatmaps: cannot write .*\.xyz is not an image"):
        d2l.show_heatmaps(mg.ones((1, 1, 2, 2)), xlabel="k", ylabel="q",
                          path=str(tmp_path / "h.xyz"))
    with pytest.raises(ValueError, match="plot: curve 0 has 3 x values but 2 y values"):
        d2l.plot([1, 2, 3], [[1, 2]], path=str(tmp_path / "p.png"))
    d2l.plot([1, 2, 3], [[1, 2, 3], [3, 2, 1]], path=str(tmp_path / "p.png"))
    assert (tmp_path / "p.png").stat().st_size > 0
    d2l.plt.close("all")


def test_zh_helpers_refuse_what_they_would_silently_mangle(tmp_path):
    with pytest.raises(ValueError, match="truncate_pad: num_steps must be an int >= 1, got -1"):
        d2l_zh.truncate_pad([1, 2], -1, 0)         # was [1]
    other = tmp_path / "passwd"
    other.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    with pytest.raises(ValueError, match="load_data_nmt: .*holds no line of the form "
                                         "English<TAB>French"):
        d2l_zh.load_data_nmt(2, 8, path=str(other))     # was an empty data set
    with pytest.raises(ValueError, match=r"Animator: xlim must be None or two numbers"):
        d2l_zh.Animator(xlim=[1, "a"])            # was matplotlib's ConversionError, later
    d2l_zh.plt.close("all")


def test_zh_training_and_prediction_refuse_what_ended_deep_inside(book_data):
    from seq2seq import Seq2SeqDecoder
    it, src_vocab, tgt_vocab = d2l_zh.load_data_nmt(2, 8, num_examples=3,
                                                    path=str(book_data / "fra-eng" / "fra.txt"))
    net = d2l_zh.EncoderDecoder(d2l_zh.Seq2SeqEncoder(len(src_vocab), 4, 8, 1),
                                Seq2SeqDecoder(len(tgt_vocab), 4, 8, 1))
    with pytest.raises(ValueError, match="predict_seq2seq: num_steps must be an integer >= 1"):
        d2l_zh.predict_seq2seq(net, "go .", src_vocab, tgt_vocab, 0, d2l_zh.try_gpu())
    with pytest.raises(TypeError, match="predict_seq2seq: src_sentence must be one sentence"):
        d2l_zh.predict_seq2seq(net, ["go ."], src_vocab, tgt_vocab, 8, d2l_zh.try_gpu())
    with pytest.raises(ValueError, match="train_seq2seq: num_epochs must be an integer >= 1"):
        d2l_zh.train_seq2seq(net, it, 0.01, 0, tgt_vocab, d2l_zh.try_gpu())   # UnboundLocalError
    translation, _ = d2l_zh.predict_seq2seq(net, "go .", src_vocab, tgt_vocab, 4,
                                            d2l_zh.try_gpu())
    assert len(translation.split()) <= 4
    d2l_zh.plt.close("all")
