"""minigrad.flags: every example's --backend and --readable/--fast, and its mode line."""
import argparse

import pytest

import minigrad as mg
from minigrad import flags


@pytest.fixture
def restore_mode(monkeypatch):
    monkeypatch.delenv("MINIGRAD_READABLE", raising=False)
    backend, readable = mg.get_backend(), mg.is_readable()
    yield
    mg.set_backend(backend)
    mg.set_readable(readable)


@pytest.mark.parametrize("default", [False, True])
def test_the_programs_default_mode_and_both_switches(default, restore_mode, capsys):
    parser = flags.add_mode_flags(argparse.ArgumentParser(), readable=default)
    for argv, readable in (([], default), (["--readable"], True), (["--fast"], False)):
        flags.apply_mode_flags(parser.parse_args(argv))
        assert mg.is_readable() is readable
        line = capsys.readouterr().err.strip()
        assert line == flags.mode_line()
        assert line.startswith(f"minigrad: {mg.get_backend()} backend, "
                               f"{'readable' if readable else 'fast'} mode (")
    with pytest.raises(SystemExit):     # one mode at a time
        parser.parse_args(["--readable", "--fast"])


def test_the_environment_sets_the_default_mode(restore_mode, monkeypatch):
    monkeypatch.setenv("MINIGRAD_READABLE", "1")
    mg.set_readable(True)
    args = flags.add_mode_flags(argparse.ArgumentParser(), readable=False).parse_args([])
    assert args.readable is True


def test_a_backend_that_cannot_be_used_stops_the_program_with_one_line(restore_mode,
                                                                       monkeypatch):
    def unavailable(name):
        raise mg.BackendError(f"backend {name!r}: no GPU here")
    monkeypatch.setattr(flags.backend, "set_backend", unavailable)
    args = flags.add_mode_flags(argparse.ArgumentParser()).parse_args(["--backend", "cupy"])
    with pytest.raises(SystemExit, match=r"^error: backend 'cupy': no GPU here$"):
        flags.apply_mode_flags(args)
    with pytest.raises(SystemExit):     # a name that is no backend: argparse refuses it
        flags.add_mode_flags(argparse.ArgumentParser()).parse_args(["--backend", "tpu"])
