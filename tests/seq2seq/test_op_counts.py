"""Exact counts of array operations and syncs (minigrad.testing.counter), pinned as upper bounds.

On a GPU each array operation is a kernel launch and each sync stalls the stream, so these
counts, not timings, decide speed there. Counted on the strict backend's device branches.
"""
import numpy as np
import pytest

import minigrad as mg
from minigrad.testing import counter
from seq2seq import build_model
from seq2seq.decoding import greedy_decode

# Counted on strict (the conftest restores the backend), on the fast path unless a test asks.
pytestmark = [pytest.mark.numpy_only, pytest.mark.fused]


def _batch(steps, batch=4, vocab=20, seed=0):
    rng = np.random.default_rng(seed)
    lens = rng.integers(2, steps + 1, batch)
    src = rng.integers(4, vocab, (batch, steps))
    label = rng.integers(4, vocab, (batch, steps))
    dec_input = np.concatenate([np.full((batch, 1), 2), label[:, :-1]], axis=1)
    return src, lens, dec_input, label, lens


def _step_counts(steps):
    mg.set_backend("strict")
    mg.manual_seed(0)
    model = build_model(20, 20, 8, 8, 2, dropout=0.1)
    optimizer = mg.optim.Adam(model.parameters(), lr=0.01)
    src, src_len, dec_input, label, tgt_len = _batch(steps)

    def step(counts):
        with counts.in_phase("forward"):
            loss = model.loss(src, dec_input, src_len, label, tgt_len)
        with counts.in_phase("backward"):
            optimizer.zero_grad()
            loss.backward()
        mg.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        loss.item()
    with counter.counting() as first:
        step(first)
    with counter.counting() as counts:
        step(counts)
    return counts


def test_a_training_step_syncs_at_most_twice_and_never_in_the_decoder_loop():
    short, long = _step_counts(4), _step_counts(9)
    for counts in (short, long):
        assert counts.syncs <= 2, dict(counts.sync_sites)
        assert counts.syncs_by_phase["forward"] == 0, dict(counts.sync_sites)
        assert counts.syncs_by_phase["backward"] == 0, dict(counts.sync_sites)
    assert long.ops > short.ops     # the counter sees the longer sequences' work


def test_greedy_decoding_reads_back_once_per_chunk_of_steps():
    mg.set_backend("strict")
    mg.manual_seed(0)
    model = build_model(20, 20, 8, 8, 2)
    src, src_len = _batch(6)[:2]
    with counter.counting() as counts:     # eos -1: never stops early, runs all 16 steps
        greedy_decode(model, src, src_len, 2, -1, 16)
    assert counts.syncs <= 2 * (16 // 8), dict(counts.sync_sites)


def test_state_slices_cost_a_stack_and_one_add_per_repeated_row():
    """The backward of a decoder step's state reads, state[0], state[1] and state[-1], and of
    its one-step gates, gates[0] of a (1, B, 3H) tensor: one add (row 1 twice), one stack, and
    nothing for the gates (a reshape), instead of zero fills and indexed adds."""
    mg.set_backend("strict")
    state = mg.Tensor(np.ones((2, 3, 4)), requires_grad=True) * 1.0
    gates = mg.Tensor(np.ones((1, 3, 12)), requires_grad=True) * 1.0
    query = state[-1]
    loss = (state[0] * query).sum() + state[1].sum() + gates[0].sum()
    with counter.counting() as counts:
        loss.backward()
    assert counts.by_op.get("zeros", 0) == 0 and counts.by_op.get("setitem", 0) == 0, dict(
        counts.by_op)
    assert counts.by_op["stack"] == 1


def test_clipping_norm_is_two_launches_however_many_parameters():
    mg.set_backend("strict")
    params = [mg.Tensor(np.ones((n, 3)), requires_grad=True) for n in range(1, 30)]
    for p in params:
        p.grad = mg.Tensor(np.full((p.shape[0], 3), 0.01)).data
    with counter.counting() as counts:
        norm = mg.nn.utils.clip_grad_norm_(params, 100.0)      # no rescaling
    assert (counts.ops, counts.syncs) == (2, 1), dict(counts.by_op)
    np.testing.assert_allclose(norm, 0.01 * np.sqrt(3 * sum(range(1, 30))), rtol=1e-6)  # float32


def test_the_strict_backend_counts_exactly():
    from minigrad.testing import strict as xp
    a = xp.asarray(np.arange(6.0).reshape(2, 3))
    with counter.counting() as counts:
        b = a * 2 + 1                    # 2 operations
        b.reshape(3, 2)                  # a view: free
        b[0]                             # a view: free
        float(b.sum())                   # 1 operation and 1 sync
    assert (counts.ops, counts.syncs) == (3, 1)
    assert counts.sync_kinds == {"float": 1}


def test_a_gru_cell_step_is_a_few_launches_on_the_device_path():
    """With the fused kernels a GRU cell-step costs about 6 launches (a matmul and a kernel
    forward; a kernel, a matmul, an add and the bias's sum backward), not ~33: five more
    time steps of a 2-layer model (10 encoder and 10 decoder cell-steps, 5 attention steps)
    add at most 25 launches each."""
    short, long = _step_counts(4), _step_counts(9)
    assert counter and long.by_op["gru_forward"] - short.by_op["gru_forward"] == 20
    assert (long.ops - short.ops) / 20 <= 25, dict(long.by_op)


def test_a_greedy_decoding_step_is_at_most_25_launches():
    mg.set_backend("strict")
    mg.manual_seed(0)
    model = build_model(20, 20, 8, 8, 2, dropout=0.0)
    src, src_len, *_ = _batch(6)
    greedy_decode(model, src[:1], src_len[:1], 3, num_steps=8, eos=3)
    counts = {}
    for steps in (8, 16):
        with counter.counting() as counts[steps]:
            greedy_decode(model, src[:1], src_len[:1], 3, num_steps=steps, eos=10**6)
    per_step = (counts[16].ops - counts[8].ops) / 8
    assert per_step <= 25, dict(counts[16].by_op)
