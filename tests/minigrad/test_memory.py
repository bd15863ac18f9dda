"""Memory stays flat over thousands of training steps: backward releases every graph.

tracemalloc sees NumPy's array buffers as well as Python objects, so a graph (or a gradient)
kept alive by mistake from step to step shows up as growth. It runs on strict too: the host
launcher of the CUDA kernels once held each launch's arguments in reference cycles (ctypes.cast),
10 KiB a step that only the cyclic collector would free.
"""
import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
from minigrad import ops

STEPS, WARMUP = 2000, 200
# bytes. Free lists and NumPy's small-allocation caches go on filling after the warm-up, more
# slowly in readable mode (20,326 bytes seen over the 1,800 steps once, after other tests); a
# leak of one 40-byte object a step would add 70 KiB, one leaked graph several KiB a step.
ALLOWED_GROWTH = 64 * 1024


def test_training_loop_memory_is_flat():
    rng = np.random.default_rng(0)
    x = mg.Tensor(rng.standard_normal((16, 8)))
    labels = rng.integers(0, 4, 16)
    mask = rng.integers(0, 2, 16)
    w1 = mg.Tensor(rng.standard_normal((12, 8)) * 0.3, requires_grad=True)
    b1 = mg.Tensor(np.zeros(12), requires_grad=True)
    w2 = mg.Tensor(rng.standard_normal((4, 12)) * 0.3, requires_grad=True)
    params = [w1, b1, w2]

    def step():
        hidden = ops.linear(x, w1, b1).tanh()
        loss = ops.cross_entropy(ops.linear(hidden, w2), labels, mask)
        loss.backward()
        with mg.no_grad():
            for p in params:
                p.data -= 0.1 * p.grad
                p.grad = None
        return loss.item()

    gc.collect()
    gc.disable()             # reference counting alone must free each step's graph
    tracemalloc.start()
    try:
        first = step()
        for i in range(1, STEPS):
            if i == WARMUP:
                gc.collect()   # empties the free lists (a deeper graph fills them further)
                after_warmup = tracemalloc.get_traced_memory()[0]
            last = step()
        cycles = gc.collect()
        at_end = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
        gc.enable()
    assert last < first      # it did train
    assert cycles == 0, f"{cycles} objects of the last {STEPS - WARMUP} steps were in cycles"
    assert at_end - after_warmup < ALLOWED_GROWTH, (
        f"traced memory grew by {at_end - after_warmup} bytes over {STEPS - WARMUP} steps")
