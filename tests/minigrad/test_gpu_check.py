"""benchmarks/gpu_check.sh parses, and its dry run (the same sections on the strict backend,
tiny) writes one report with every section and its exit status."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
SCRIPT = os.path.join(ROOT, "benchmarks", "gpu_check.sh")
pytestmark = [pytest.mark.numpy_only,
              pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")]


def test_the_script_parses():
    result = subprocess.run(["bash", "-n", SCRIPT], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


@pytest.mark.slow
def test_the_dry_run_writes_every_section_with_its_exit_status(tmp_path):
    report = tmp_path / "report.md"
    env = dict(os.environ, GPU_CHECK_BACKEND="strict")
    env.pop("MINIGRAD_BACKEND", None)
    result = subprocess.run(["bash", SCRIPT, str(report)], capture_output=True, text=True,
                            env=env, timeout=240)
    assert result.returncode == 0, result.stderr
    text = report.read_text()
    titles = re.findall(r"^## (.*)$", text, re.M)
    assert titles[1:] == ["CuPy and PyTorch", "Test suite, MINIGRAD_BACKEND=strict",
                          "bench_seq2seq.py --backend numpy",
                          "bench_transformer.py --backend numpy", "count_ops.py"], titles
    assert re.findall(r"exit status (\d+)", text) == ["0"] * 5, text
    assert "| builtin |" in text and "| d2l |" in text
