"""Candidates for the embedding backward (a scatter-add of gradient rows), measured on NumPy.

    grad_weight[ids[i]] += grad_rows[i]      (ids repeat: their rows must add up)

Candidates: ``numpy.add.at`` on the rows, a one-hot matrix product, sorting the ids then
summing runs with ``numpy.add.reduceat``, and ``numpy.add.at`` on the flat array, one index per
element (what minigrad uses on the CPU). Each is checked against a plain Python loop before it
is timed. On CuPy the choice is ``cupyx.scatter_add`` (atomic adds on the GPU).

    python benchmarks/bench_embedding.py
"""
import datetime

import numpy as np

from common import interleaved, machine


def add_at(weight_shape, ids, rows):
    grad = np.zeros(weight_shape, rows.dtype)
    np.add.at(grad, ids, rows)
    return grad


def one_hot_matmul(weight_shape, ids, rows):
    one_hot = np.zeros((weight_shape[0], ids.size), rows.dtype)
    one_hot[ids, np.arange(ids.size)] = 1
    return one_hot @ rows


def sort_reduceat(weight_shape, ids, rows):
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    starts = np.flatnonzero(np.r_[True, sorted_ids[1:] != sorted_ids[:-1]])
    grad = np.zeros(weight_shape, rows.dtype)
    grad[sorted_ids[starts]] = np.add.reduceat(rows[order], starts, axis=0)
    return grad


def flat_add_at(weight_shape, ids, rows):
    dim = weight_shape[1]
    grad = np.zeros(weight_shape, rows.dtype)
    np.add.at(grad.reshape(-1), (ids[:, None] * dim + np.arange(dim)).reshape(-1),
              rows.reshape(-1))
    return grad


def reference(weight_shape, ids, rows):
    grad = np.zeros(weight_shape, np.float64)
    for i, row in zip(ids, rows):
        grad[i] += row
    return grad


def main():
    print(f"# Embedding backward candidates, float32 ({datetime.date.today()})")
    print(f"Machine: {machine()}\n")
    print("| vocab x dim, ids | add.at µs | one-hot matmul µs | sort+reduceat µs "
          "| flat add.at µs |")
    print("|---|---:|---:|---:|---:|")
    rng = np.random.default_rng(0)
    for vocab, dim, count in ((200, 32, 640), (5000, 256, 1280), (14000, 256, 1280)):
        ids = rng.zipf(1.3, count) % vocab          # word-like: a few ids repeat a lot
        rows = rng.standard_normal((count, dim)).astype(np.float32)
        expected = reference((vocab, dim), ids, rows)
        candidates = {f.__name__: (lambda f=f: f((vocab, dim), ids, rows))
                      for f in (add_at, one_hot_matmul, sort_reduceat, flat_add_at)}
        for name, fn in candidates.items():
            assert np.allclose(fn(), expected, atol=1e-4), name
        t = interleaved(candidates, number=20, rounds=5)
        print(f"| {vocab} x {dim}, {count} | {t['add_at'] * 1e6:.0f} | "
              f"{t['one_hot_matmul'] * 1e6:.0f} | {t['sort_reduceat'] * 1e6:.0f} | "
              f"{t['flat_add_at'] * 1e6:.0f} |")


if __name__ == "__main__":
    main()
