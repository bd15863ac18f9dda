"""The two switches every example and command takes, ``--backend`` and ``--readable``, and the
one line that says which mode a program runs in.

    parser = argparse.ArgumentParser()
    mg.flags.add_mode_flags(parser, readable=True)      # a book-section example: the book's code
    args = parser.parse_args()
    mg.flags.apply_mode_flags(args)                     # prints "minigrad: numpy backend, ..."

A backend that cannot be used here (CuPy without a GPU) stops the program with a one-line
error, never a silent fall back to NumPy.
"""
import os
import sys

from minigrad import backend

MODES = {
    "readable": "readable mode (the book's composed ops, plain gradients; --fast to switch)",
    "fast": "fast mode (fused ops, lazy gradients; --readable for the book's code)",
}


def add_mode_flags(parser, readable=False, backends=backend.BACKENDS):
    """Add ``--backend`` (one of ``backends``) and ``--readable``/``--fast`` to ``parser``;
    ``readable`` is the default mode of the program, unless MINIGRAD_READABLE is set."""
    if os.environ.get("MINIGRAD_READABLE") is not None:
        readable = mode_name() == "readable"
    parser.add_argument("--backend", default=None, choices=list(backends),
                        help="array library (default: $MINIGRAD_BACKEND, else numpy)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--readable", dest="readable", action="store_true", default=readable,
                       help="readable mode: the book's code, step by step"
                            + (" (the default here)" if readable else ""))
    group.add_argument("--fast", dest="readable", action="store_false",
                       help="fast mode: fused ops" + ("" if readable else " (the default here)"))
    return parser


def apply_mode_flags(args, stream=None):
    """Switch to the backend and mode of ``args`` and say which, on ``stream`` (stderr)."""
    if args.backend is not None:
        try:
            backend.set_backend(args.backend)
        except backend.BackendError as exc:
            sys.exit(f"error: {exc}")
    backend.set_readable(args.readable)
    print(mode_line(), file=stream or sys.stderr)


def mode_name():
    """"readable" or "fast": the mode running now. The one place the programs (examples and
    the command line) read the readable flag."""
    return "readable" if backend.is_readable() else "fast"


def mode_line():
    """"minigrad: numpy backend, fast mode (...)": what the program runs on."""
    return f"minigrad: {backend.get_backend()} backend, {MODES[mode_name()]}"


def seed(text):
    """argparse type of an example's --seed: an integer >= 0 (NumPy's generators refuse a
    negative one with a traceback from inside them)."""
    import argparse
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be an integer >= 0, got {text!r}")
    return value
