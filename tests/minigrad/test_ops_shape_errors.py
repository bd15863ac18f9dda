"""Bad arguments to concat, reshape, argmax and indexing: one clear error naming the function,
the value and what was expected, never NumPy's message alone."""
import numpy as np
import pytest

import minigrad as mg
from minigrad import ops


@pytest.fixture
def x():
    return mg.Tensor(np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("call, error, message", [
    (lambda x: ops.concat([x, x], axis=1.5), TypeError, r"concat: axis must be an int, got 1\.5"),
    (lambda x: ops.concat([x, x], axis="1"), TypeError, r"concat: axis must be an int, got '1'"),
    (lambda x: ops.concat([x, x], axis=2), IndexError, r"concat: axis 2 is out of range"),
    (lambda x: ops.concat(5), TypeError, r"concat: expected a list or tuple of tensors, got int"),
    (lambda x: ops.stack([x, x], axis=None), TypeError, r"stack: axis must be an int, got None"),
    (lambda x: x.reshape(2.5, 3), TypeError, r"reshape: the shape must be ints.*\(2\.5, 3\)"),
    (lambda x: x.reshape(None), TypeError, r"reshape: the shape must be ints.*None"),
    (lambda x: x.reshape(-1, -1), ValueError, r"reshape: .*\(-1, -1\).*at most one -1"),
    (lambda x: x.reshape(-2, -3), ValueError, r"reshape: .*sizes must be >= 0"),
    (lambda x: x.reshape(4, 2), ValueError, r"reshape: cannot reshape .*\(2, 3\).*\(4, 2\)"),
    (lambda x: x.argmax(1.5), TypeError, r"argmax: dim must be an int or None, got 1\.5"),
    (lambda x: x.argmax(2), IndexError, r"argmax: axis 2 is out of range"),
    (lambda x: mg.Tensor(np.zeros((0, 2))).argmax(0), ValueError, r"argmax: .*empty.*\(0, 2\)"),
    (lambda x: x[1.5], IndexError, r"getitem: index 1\.5 does not fit .*\(2, 3\)"),
    (lambda x: x["a"], IndexError, r"getitem: index 'a' does not fit"),
    (lambda x: x[0:1.5], IndexError, r"getitem: index slice\(0, 1\.5, None\) does not fit"),
    (lambda x: x[5], IndexError, r"getitem: index 5 does not fit .*\(2, 3\).*out of bounds"),
    (lambda x: x[0, 0, 0], IndexError, r"getitem: index \(0, 0, 0\) does not fit"),
    (lambda x: x[[0.5]], IndexError, r"getitem: index arrays must hold integers"),
])
def test_bad_arguments_give_one_clear_error(x, call, error, message):
    with pytest.raises(error, match=message):
        call(x)


def test_good_arguments_still_work(x):
    assert ops.concat([x, x], axis=np.int64(1)).shape == (2, 6)
    assert x.reshape(np.int64(3), -1).shape == (3, 2) and x.reshape([6]).shape == (6,)
    assert x.argmax(None).item() == 5 and x.argmax(0).shape == (3,)
    assert x[np.int64(1), 1:3].shape == (2,)
