"""Environment switches accept exactly 0/1/true/false (any case) and refuse the rest in one
line naming the variable."""
import os
import subprocess
import sys

import pytest

from minigrad import env

pytestmark = pytest.mark.numpy_only


@pytest.mark.parametrize("value, expected", [("1", True), ("true", True), ("TRUE", True),
                                             ("True", True), ("0", False), ("false", False),
                                             ("FALSE", False), ("", None)])
def test_the_four_words_and_unset(value, expected, monkeypatch):
    monkeypatch.setenv("MINIGRAD_SOME_SWITCH", value)
    for default in (False, True):
        assert env.switch("MINIGRAD_SOME_SWITCH", default) == (
            default if expected is None else expected)


@pytest.mark.parametrize("value", ["yes", "on", "2", "-1", "ture", "1.0"])
def test_anything_else_is_refused_naming_the_variable(value, monkeypatch):
    monkeypatch.setenv("MINIGRAD_SOME_SWITCH", value)
    with pytest.raises(env.SwitchError, match=rf"^MINIGRAD_SOME_SWITCH='{value}': expected 1 "
                                              r"or true \(on\), 0 or false \(off\)$"):
        env.switch("MINIGRAD_SOME_SWITCH")


@pytest.mark.parametrize("value, readable", [("false", "False"), ("0", "False"),
                                             ("true", "True")])
def test_minigrad_readable_reads_its_value(value, readable):
    done = subprocess.run([sys.executable, "-c", "import minigrad; "
                           "print(minigrad.is_readable())"], capture_output=True, text=True,
                          env=dict(os.environ, MINIGRAD_READABLE=value), timeout=60)
    assert done.stdout.strip() == readable, done.stderr


def test_a_bad_minigrad_readable_is_one_line_at_import():
    done = subprocess.run([sys.executable, "-c", "import minigrad"], capture_output=True,
                          text=True, env=dict(os.environ, MINIGRAD_READABLE="yes"), timeout=60)
    assert done.returncode == 1
    assert done.stderr == ("minigrad: MINIGRAD_READABLE='yes': expected 1 or true (on), 0 or "
                           "false (off)\n")
