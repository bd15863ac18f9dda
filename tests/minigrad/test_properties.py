"""Property-based tests: random shapes, checked against NumPy's rules and PyTorch's gradients."""
import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import minigrad as mg
from minigrad import ops
from engine_checks import assert_close, host

# The autouse fixtures only reset global state, which is the same for every example.
SETTINGS = settings(max_examples=30, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

BINARY = {"add": (ops.add, torch.add), "sub": (ops.sub, torch.sub),
          "mul": (ops.mul, torch.mul), "div": (ops.div, torch.div)}

shape_pairs = mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)
shapes = array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4)
seeds = st.integers(0, 2**32 - 1)


@SETTINGS
@given(name=st.sampled_from(sorted(BINARY)), pair=shape_pairs, seed=seeds)
def test_binary_ops_broadcast_like_numpy_and_differentiate_like_torch(name, pair, seed):
    mg.set_default_dtype("float64")
    shape_a, shape_b = pair.input_shapes
    rng = np.random.default_rng(seed)
    a_host = rng.standard_normal(shape_a)
    b_host = rng.uniform(0.5, 2.0, shape_b) * rng.choice([-1.0, 1.0], shape_b)  # no zeros
    a, b = mg.Tensor(a_host, requires_grad=True), mg.Tensor(b_host, requires_grad=True)
    a_t, b_t = torch.tensor(a_host, requires_grad=True), torch.tensor(b_host, requires_grad=True)
    ours, theirs = BINARY[name]
    y, y_t = ours(a, b), theirs(a_t, b_t)
    assert y.shape == np.broadcast_shapes(shape_a, shape_b) == pair.result_shape
    assert_close(y, y_t, "float64", "forward")
    upstream = rng.standard_normal(y.shape)
    y.backward(upstream)
    y_t.backward(torch.from_numpy(upstream))
    assert a.grad.shape == shape_a and b.grad.shape == shape_b
    assert_close(a.grad, a_t.grad, "float64", "gradient of a")
    assert_close(b.grad, b_t.grad, "float64", "gradient of b")


@SETTINGS
@given(shape=shapes, data=st.data())
def test_transpose_round_trip(shape, data):
    axes = data.draw(st.permutations(range(len(shape))))
    inverse = np.argsort(axes).tolist()
    x_host = np.arange(int(np.prod(shape)), dtype=np.float32).reshape(shape)
    x = mg.Tensor(x_host, requires_grad=True)
    y = x.permute(axes)
    np.testing.assert_array_equal(host(y), x_host.transpose(axes))
    back = y.permute(inverse)
    np.testing.assert_array_equal(host(back), x_host)
    back.backward(x_host * 2)      # the gradient travels both permutations back unchanged
    np.testing.assert_array_equal(host(x.grad), x_host * 2)


def prime_factors(n):
    factors, p = [], 2
    while n > 1:
        while n % p == 0:
            factors.append(p)
            n //= p
        p += 1
    return factors


@SETTINGS
@given(shape=shapes, data=st.data())
def test_reshape_round_trip(shape, data):
    size = int(np.prod(shape))
    # a new shape of the same size: deal the prime factors of the size out to 1-4 axes
    factors = prime_factors(size)
    ndim = data.draw(st.integers(1, 4))
    owners = data.draw(st.lists(st.integers(0, ndim - 1), min_size=len(factors),
                                max_size=len(factors)))
    new_shape = tuple(int(np.prod([f for f, o in zip(factors, owners) if o == d]))
                      for d in range(ndim))
    x_host = np.arange(size, dtype=np.float32).reshape(shape)
    x = mg.Tensor(x_host, requires_grad=True)
    y = x.reshape(new_shape)
    np.testing.assert_array_equal(host(y), x_host.reshape(new_shape))
    back = y.reshape(shape)
    np.testing.assert_array_equal(host(back), x_host)
    back.backward(x_host + 1)
    np.testing.assert_array_equal(host(x.grad), x_host + 1)


@SETTINGS
@given(shape=shapes, data=st.data(), keepdims=st.booleans(), seed=seeds)
def test_sum_over_random_axes(shape, data, keepdims, seed):
    mg.set_default_dtype("float64")
    ndim = len(shape)
    axes = None
    if ndim:   # None, or distinct axes (negative ones too) in any order
        axes = data.draw(st.none() | st.lists(st.integers(-ndim, ndim - 1), max_size=ndim,
                                              unique_by=lambda a: a % ndim).map(tuple))
    rng = np.random.default_rng(seed)
    x_host = rng.standard_normal(shape)
    x = mg.Tensor(x_host, requires_grad=True)
    y = x.sum(axes, keepdims=keepdims)
    expected = np.sum(x_host, axis=axes, keepdims=keepdims)
    assert y.shape == expected.shape
    np.testing.assert_allclose(host(y), expected, rtol=1e-12, atol=1e-12)
    upstream = rng.standard_normal(y.shape)
    y.backward(upstream)
    # each element receives the upstream gradient of the sum it fed
    reduced = tuple(range(ndim)) if axes is None else tuple(a % ndim for a in axes)
    spread = upstream if keepdims else np.expand_dims(upstream, reduced)
    np.testing.assert_array_equal(host(x.grad), np.broadcast_to(spread, shape))
