"""Shared benchmark helpers: interleaved timing rounds and medians, machine description."""
import os
import platform
import statistics
import time


def machine():
    """One line naming the CPU, cores and library versions, for BENCHMARKS.md."""
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy
    versions = f"Python {platform.python_version()}, NumPy {numpy.__version__}"
    try:
        import torch
        versions += f", PyTorch {torch.__version__} ({torch.get_num_threads()} threads)"
    except ImportError:
        pass
    return f"{cpu}, {os.cpu_count()} cores; {versions}"


def per_call(fn, number):
    """Seconds per call of ``fn`` over ``number`` calls."""
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def interleaved(candidates, number, rounds):
    """Median seconds per call for each named candidate, rounds interleaved so that machine
    noise (other processes, frequency changes) hits every candidate alike."""
    samples = {name: [] for name in candidates}
    for fn in candidates.values():   # warm up caches and allocators
        per_call(fn, max(1, number // 10))
    for _ in range(rounds):
        for name, fn in candidates.items():
            samples[name].append(per_call(fn, number))
    return {name: statistics.median(values) for name, values in samples.items()}
