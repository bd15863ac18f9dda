"""Environment switches: ``MINIGRAD_READABLE=1`` and the like, read one way everywhere.

A switch is on for 1 or true, off for 0 or false (any case; unset or empty is its default),
and anything else is refused in one line naming the variable: ``MINIGRAD_READABLE=false``
must not turn readable mode on, and ``=yes`` must not silently mean either.
"""
import os
import sys

ON, OFF = ("1", "true"), ("0", "false")


class SwitchError(ValueError):
    """An environment switch set to something other than 0, 1, true or false."""


def switch(name, default=False):
    """The boolean value of environment variable ``name``."""
    value = os.environ.get(name, "")
    if value.strip() == "":
        return default
    if value.strip().lower() in ON:
        return True
    if value.strip().lower() in OFF:
        return False
    _report_in_one_line()
    raise SwitchError(f"{name}={value!r}: expected 1 or true (on), 0 or false (off)")


def _report_in_one_line():
    """Switches are read while minigrad is imported, before a program can catch anything:
    if nothing catches the error, print it as one line (exit status 1), not a traceback
    through the imports."""
    previous = sys.excepthook
    if getattr(previous, "_minigrad_one_line", False):
        return

    def one_line(kind, value, traceback):
        if issubclass(kind, SwitchError):
            print(f"minigrad: {value}", file=sys.stderr)
        else:
            previous(kind, value, traceback)
    one_line._minigrad_one_line = True
    sys.excepthook = one_line
