"""The pdb sessions of docs/walkthrough.md stop where they say: every ``(Pdb) b file:line``
followed by ``> file(line)function()`` and ``-> code`` names the line that holds that code, in
that function, so that editing a file above a breakpoint cannot silently leave the page
pointing at another line."""
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.numpy_only      # reads files only

ROOT = Path(__file__).resolve().parents[2]
STOP = re.compile(r"^> (?P<path>[\w/.]+)\((?P<line>\d+)\)(?P<function>\w+)\(\)\n-> (?P<code>.+)$",
                  re.MULTILINE)


def _stops():
    text = (ROOT / "docs" / "walkthrough.md").read_text(encoding="utf-8")
    stops = [m for m in STOP.finditer(text) if (ROOT / m["path"]).is_file()]
    breakpoints = re.findall(r"^\(Pdb\) b ([\w/.]+\.py):(\d+)$", text, re.MULTILINE)
    return stops, breakpoints


def test_the_walkthrough_has_line_breakpoints_to_check():
    stops, breakpoints = _stops()
    assert len(breakpoints) >= 2 and len(stops) >= len(breakpoints)


def test_every_line_breakpoint_stops_at_the_code_the_page_shows():
    stops, breakpoints = _stops()
    shown = {(m["path"], m["line"]): m for m in stops}
    for path, line in breakpoints:
        stop = shown.get((path, line))
        assert stop is not None, f"walkthrough: no '> {path}({line})...' after 'b {path}:{line}'"
        source = (ROOT / path).read_text(encoding="utf-8").splitlines()
        actual = source[int(line) - 1].strip()
        assert actual == stop["code"].strip(), (
            f"walkthrough: {path}:{line} is now {actual!r}, the page shows {stop['code']!r}")
        above = "\n".join(source[:int(line)])
        assert re.findall(r"^\s*def (\w+)", above, re.MULTILINE)[-1] == stop["function"], (
            f"walkthrough: {path}:{line} is not in {stop['function']}()")
