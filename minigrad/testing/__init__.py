"""Test scaffolding, not part of the engine a learner reads.

- ``strict``: the device-like backend (``set_backend("strict")``): NumPy arrays that refuse
  silent conversion to NumPy and a namespace with only what CuPy has, so the CPU test suite
  runs the GPU's code paths.
- ``counter``: counts the array operations (kernel launches on a GPU) and device-to-host
  reads the strict backend reports (``benchmarks/count_ops.py``, the op-count tests).
- ``kernel_host``: compiles and runs the CUDA kernels of ``minigrad/kernels`` on the CPU, so
  the strict backend runs them too.
"""
