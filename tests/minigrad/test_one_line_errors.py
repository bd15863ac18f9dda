"""The rest of the unclear cases, each a clear line or torch's answer: float()/int()/range()
of a tensor, softmax over nothing, cross_entropy of a 0-d tensor, gradcheck(eps=0), a torch
tensor mixed in, set_default_dtype of garbage, and graph_text of a long chain."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops


def test_float_int_and_range_of_a_tensor_as_torch():
    assert float(mg.Tensor([2.5])) == 2.5 and int(mg.Tensor(3)) == 3
    assert list(range(mg.Tensor(3))) == [0, 1, 2]
    with pytest.raises((TypeError, ValueError), match=r"one-element tensor, got shape \(2,\)"):
        float(mg.Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"one-element integer tensor can be used as an index, "
                                        r"got dtype float"):
        range(mg.Tensor(3.0))


@pytest.mark.parametrize("shape", [(2, 0), (0, 3)])
def test_softmax_over_nothing_is_empty_as_in_torch(shape):
    y = ops.softmax(mg.Tensor(np.zeros(shape)), axis=-1)
    assert y.shape == shape


@pytest.mark.parametrize("shape, lens", [((2, 3, 0), [0, 0]), ((0, 3, 4), [])])
def test_masked_softmax_with_zero_keys_or_zero_batch_is_empty(shape, lens):
    y = ops.masked_softmax(mg.Tensor(np.zeros(shape)), np.array(lens, dtype=np.int64))
    assert y.shape == shape


def test_cross_entropy_of_a_0d_tensor_names_the_class_axis():
    with pytest.raises(ValueError, match=r"^cross_entropy: logits must have a class axis, "
                                         r"\(\.\.\., V\), got a 0-d tensor$"):
        ops.cross_entropy(mg.Tensor(1.0), np.array(0))


@pytest.mark.parametrize("eps", [0, -1e-6, float("nan")])
def test_gradcheck_needs_a_positive_step(eps):
    x = mg.Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=r"^gradcheck: eps must be a finite number > 0"):
        mg.gradcheck(lambda t: (t * t).sum(), [x], eps=eps)


def test_a_torch_tensor_mixed_in_is_named():
    torch = pytest.importorskip("torch")
    for mixed in (lambda: mg.Tensor([1.0]) + torch.tensor([1.0]),
                  lambda: mg.Tensor([1.0]) * torch.tensor([1.0])):
        with pytest.raises(TypeError, match=r"^\w+: got a torch\.Tensor; minigrad does not mix "
                                            r"with torch"):
            mixed()


@pytest.mark.parametrize("dtype", [None, "garbage", 3.5, "int32"])
def test_set_default_dtype_refuses_what_is_not_float32_or_float64(dtype):
    before = mg.get_default_dtype()
    with pytest.raises(TypeError, match=r"^set_default_dtype: expected float32 or float64, "
                                        r"got"):
        mg.set_default_dtype(dtype)
    assert mg.get_default_dtype() == before


@pytest.mark.numpy_only
def test_graph_text_of_a_100000_node_chain_is_linear_in_size():
    x = mg.Tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    text = mg.graph_text(y)
    lines = text.split("\n")
    assert len(lines) == 200_001                   # each add and its constant, and x
    assert len(text) < 200 * len(lines)            # not the square of the depth
    assert lines[100_000].lstrip() == "[depth 100000] #100000 parameter/input (1,) float32"


def test_products_refuse_mixed_float_dtypes_as_torch_and_elementwise_ops_promote():
    x64 = mg.Tensor(np.ones((2, 3)))
    x64.data = x64.data.astype(np.float64)          # whatever the default dtype is
    layer = mg.nn.Linear(3, 4)
    layer.weight.data = layer.weight.data.astype(np.float32)
    with pytest.raises(TypeError, match=r"^linear: mixed float dtypes, float64 \(2, 3\) and "
                                        r"float32 \(4, 3\); convert one"):
        mg.ops.linear(x64, layer.weight)
    with pytest.raises(TypeError, match=r"^matmul: mixed float dtypes, float64 .* float32"):
        x64 @ mg.Tensor(np.ones((3, 2), dtype=np.float32)).detach()
    w32 = mg.Tensor(np.ones(3, dtype=np.float32))
    w32.data = w32.data.astype(np.float32)
    assert (x64 + w32).dtype == np.float64           # torch's promotion
