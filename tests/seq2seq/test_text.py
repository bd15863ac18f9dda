"""d2l's text pipeline: preprocess_nmt and tokenize_nmt, on hand-made text and on fra.txt."""
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from seq2seq.text import preprocess_nmt, read_text, tokenize_nmt

pytestmark = pytest.mark.numpy_only

REPO_ROOT = Path(__file__).resolve().parents[2]
FRA_TXT = REPO_ROOT.parent / "shared" / "data" / "fra-eng" / "fra.txt"


def d2l_preprocess_loop(text):
    """d2l's character loop, written out plainly: the reference preprocess_nmt is held to."""
    text = text.replace("\u202f", " ").replace("\xa0", " ").lower()
    out = []
    for i, char in enumerate(text):
        if i > 0 and char in ",.!?" and text[i - 1] != " ":
            out.append(" ")
        out.append(char)
    return "".join(out)


@pytest.fixture(scope="module")
def raw_head():
    """The first 20,000 lines of fra.txt, raw."""
    if not FRA_TXT.is_file():
        pytest.skip(f"benchmark data {FRA_TXT} is not present")
    return "\n".join(read_text(FRA_TXT).split("\n")[:20000])


def test_preprocess_examples():
    assert preprocess_nmt("Go.") == "go ."
    assert preprocess_nmt("Va\u202f!") == "va !"                 # narrow no-break space
    assert preprocess_nmt("Qui\xa0?") == "qui ?"                 # no-break space
    assert preprocess_nmt("Hi, Tom!") == "hi , tom !"
    assert preprocess_nmt("Wait?!") == "wait ? !"                # each mark gets its space
    assert preprocess_nmt("a .b") == "a .b"                      # already spaced: untouched
    assert preprocess_nmt(".start") == ".start"                  # first character: never
    assert preprocess_nmt("Été.\tÇa!") == "été .\tça !"
    assert preprocess_nmt("x\n.y") == "x\n .y"                   # a newline is not a space
    assert preprocess_nmt("") == ""


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="aB. ,!?\t\n\u202f\xa0É'", max_size=40))
def test_preprocess_equals_d2l_character_loop(text):
    assert preprocess_nmt(text) == d2l_preprocess_loop(text)


def test_preprocess_rejects_non_strings():
    with pytest.raises(TypeError, match="preprocess_nmt"):
        preprocess_nmt(b"Go.")


def test_tokenize_keeps_two_field_lines_and_splits_on_single_spaces():
    text = "go .\tva !\nbad line\na\tb\tc\nhi  there\tsalut\n"
    source, target = tokenize_nmt(text)
    assert source == [["go", "."], ["hi", "", "there"]]
    assert target == [["va", "!"], ["salut"]]


def test_tokenize_num_examples_reads_lines_zero_to_num_examples():
    lines = [f"e{i}\tf{i}" for i in range(10)]
    source, target = tokenize_nmt("\n".join(lines), num_examples=3)
    assert source == [["e0"], ["e1"], ["e2"], ["e3"]]            # d2l's i > num_examples test
    assert target == [["f0"], ["f1"], ["f2"], ["f3"]]
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="num_examples"):
            tokenize_nmt("a\tb", num_examples=bad)


def test_preprocess_matches_d2l_loop_on_real_text(raw_head):
    assert preprocess_nmt(raw_head) == d2l_preprocess_loop(raw_head)


def test_first_pairs_match_the_book(raw_head):
    # The book prints these for source[:6] and target[:6] after its preprocessing.
    source, target = tokenize_nmt(preprocess_nmt(raw_head))
    assert source[:6] == [["go", "."], ["hi", "."], ["run", "!"], ["run", "!"], ["who", "?"],
                          ["wow", "!"]]
    assert target[:6] == [["va", "!"], ["salut", "!"], ["cours", "!"], ["courez", "!"],
                          ["qui", "?"], ["ça", "alors", "!"]]


def test_tokenize_real_text_against_plain_split(raw_head):
    text = preprocess_nmt(raw_head)
    source, target = tokenize_nmt(text, num_examples=600)
    expected = [line.split("\t") for line in text.split("\n")[:601]]
    assert source == [fields[0].split(" ") for fields in expected if len(fields) == 2]
    assert target == [fields[1].split(" ") for fields in expected if len(fields) == 2]
    assert len(source) == 601        # every line of fra.txt has two fields
