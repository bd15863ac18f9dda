#!/usr/bin/env bash
# The GPU check in one command (at most 9.5 minutes: the time limits add up to 560 s), writing
# one markdown report:
#   benchmarks/gpu_check.sh [REPORT.md]          # default gpu_report.md
# Sections: nvidia-smi (read only: this script never changes GPU settings), the test suite
# with MINIGRAD_BACKEND=cupy, bench_seq2seq.py and bench_transformer.py with --backend cupy
# against PyTorch CUDA (only where torch.cuda.is_available(); the report says when not), and
# benchmarks/count_ops.py. Each section records its command, output and exit status; a
# failing section does not stop the others. Nothing is downloaded.
#   GPU_CHECK_BACKEND=strict benchmarks/gpu_check.sh /tmp/r.md   # dry run on the CPU, seconds
set -u
cd "$(dirname "$0")/.." || exit 1
REPORT=${1:-gpu_report.md}
MODE=${GPU_CHECK_BACKEND:-cupy}
PYTHON=${PYTHON:-python}
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"

# section TITLE SECONDS COMMAND...: run it with a time limit, append output and exit status
section() {
    local title=$1 limit=$2 output status
    shift 2
    output=$(timeout "$limit" "$@" 2>&1)
    status=$?
    {
        printf '## %s\n\n`%s` (time limit %ss): exit status %d%s\n\n```\n' \
            "$title" "$*" "$limit" "$status" "$([ "$status" = 124 ] && echo ', timed out')"
        printf '%s\n' "$output" | tail -n 150
        printf '```\n\n'
    } >> "$REPORT"
    echo "gpu_check: $title: exit status $status"
}

note() { printf '## %s\n\n%s\n\n' "$1" "$2" >> "$REPORT"; echo "gpu_check: $1: $2"; }

printf '# GPU check, %s\n\nMode: %s; commit %s\n\n' "$(date -u '+%Y-%m-%d %H:%M UTC')" \
    "$MODE" "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" > "$REPORT"

if [ "$MODE" = strict ]; then     # the same sections, tiny, on the CPU
    TEST_BACKEND=strict; BENCH_BACKEND=numpy; TESTS=(tests/minigrad/test_strict.py)
    TEST_LIMIT=120; ROUNDS=(--rounds 1 --steps 1 --threads 1); SEQ_CONFIGS=(--config d2l)
    TF_CONFIGS=(--config builtin); COUNT_CONFIGS=(--config d2l)
else
    TEST_BACKEND=cupy; BENCH_BACKEND=cupy; TESTS=(tests)
    TEST_LIMIT=240; ROUNDS=(--rounds 3 --steps 5); SEQ_CONFIGS=(--config d2l --config wide)
    TF_CONFIGS=(--config builtin --config d2l); COUNT_CONFIGS=()
fi

if command -v nvidia-smi > /dev/null; then
    section "nvidia-smi" 20 nvidia-smi
else
    note "nvidia-smi" "not found on this machine"
fi
section "CuPy and PyTorch" 30 "$PYTHON" -c "import importlib.util as u
print('cupy:', u.find_spec('cupy') is not None)
if u.find_spec('cupy'):
    import cupy; print('cupy', cupy.__version__)
    try: print('devices:', cupy.cuda.runtime.getDeviceCount())
    except Exception as e: print('no device:', e)
import torch; print('torch', torch.__version__, 'cuda available:', torch.cuda.is_available())"

section "Test suite, MINIGRAD_BACKEND=$TEST_BACKEND" "$TEST_LIMIT" \
    env MINIGRAD_BACKEND="$TEST_BACKEND" "$PYTHON" -m pytest "${TESTS[@]}" -q -x \
    -p no:cacheprovider

TORCH_OK=1
if [ "$BENCH_BACKEND" = cupy ]; then
    "$PYTHON" -c "import sys, torch; sys.exit(0 if torch.cuda.is_available() else 1)" \
        > /dev/null 2>&1 || TORCH_OK=0
fi
if [ "$TORCH_OK" = 1 ]; then
    section "bench_seq2seq.py --backend $BENCH_BACKEND" 120 "$PYTHON" \
        benchmarks/bench_seq2seq.py --backend "$BENCH_BACKEND" "${SEQ_CONFIGS[@]}" "${ROUNDS[@]}"
    section "bench_transformer.py --backend $BENCH_BACKEND" 90 "$PYTHON" \
        benchmarks/bench_transformer.py --backend "$BENCH_BACKEND" "${TF_CONFIGS[@]}" \
        "${ROUNDS[@]}"
else
    note "Benchmarks against PyTorch CUDA" "skipped: torch.cuda.is_available() is False here \
(no CUDA build of PyTorch); the speed comparison needs one"
fi
section "count_ops.py" 60 "$PYTHON" benchmarks/count_ops.py "${COUNT_CONFIGS[@]}"
echo "gpu_check: report written to $REPORT"
