"""Malformed fra.txt-style files: every load succeeds with consistent data or raises
DataError (a ValueError), never a stray exception."""
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from seq2seq import datasets
from seq2seq.datasets import DataError

TEXT = st.text(alphabet=st.sampled_from(list("ab .!?\t\n\r\u202f\xa0é")), max_size=120)


def _check(data):
    assert data.train
    for vocab in (data.src_vocab, data.tgt_vocab):
        assert [vocab.to_tokens(i) for i in range(4)] == ["<unk>", "<pad>", "<bos>", "<eos>"]
    for source, target in data.train:
        assert all(isinstance(t, str) for t in source + target)
        assert all(0 <= i < len(data.src_vocab) for i in data.src_vocab[source])
        assert all(0 <= i < len(data.tgt_vocab) for i in data.tgt_vocab[target])


@pytest.mark.numpy_only
@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=TEXT, junk=st.binary(max_size=8), use_junk=st.booleans())
def test_malformed_data_files_load_or_raise_data_error(tmp_path, text, junk, use_junk):
    path = tmp_path / "fra.txt"
    raw = text.encode("utf-8")
    path.write_bytes(raw + junk if use_junk else raw)
    for load in (lambda: datasets.load_fra_eng(path, num_test=1, num_valid=1, min_freq=1),
                 lambda: datasets.load_d2l_small(path)):
        try:
            data = load()
        except DataError:
            continue
        _check(data)


@pytest.mark.numpy_only
@pytest.mark.parametrize("raw, message", [(b"\xff\xfe go\tva", "is not UTF-8 text"),
                                          (b"no tab here\n", "holds no line of the form"),
                                          (b"go .\tva !\n", "cannot hold out")])
def test_data_errors_name_the_loader_and_the_file(tmp_path, raw, message):
    path = tmp_path / "fra.txt"
    path.write_bytes(raw)
    with pytest.raises(DataError, match=rf"load_fra_eng: .*fra.txt.*{message}"):
        datasets.load_fra_eng(path)
    assert issubclass(DataError, ValueError)
