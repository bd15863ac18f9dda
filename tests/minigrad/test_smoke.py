import numpy as np

import minigrad as mg


def test_linear_tanh_gradcheck(float64, rng):
    x = mg.Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    w = mg.Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = mg.Tensor(rng.standard_normal(5), requires_grad=True)
    assert mg.gradcheck(lambda x, w, b: mg.ops.linear(x, w, b).tanh() * x.sum(), [x, w, b])


def test_numpy_roundtrip(rng):
    a = rng.standard_normal((2, 3)).astype(np.float32)
    assert np.array_equal(mg.Tensor(a).numpy(), a)
