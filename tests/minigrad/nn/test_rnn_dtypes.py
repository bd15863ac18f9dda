"""Recurrent layers given integer inputs or states keep their parameters' float dtype.

torch refuses an integer h0 ("expected scalar type Float"); we cast it instead, and the result
equals torch's on the caller's own ``.float()`` cast."""
import numpy as np
import pytest

import minigrad as mg


torch = pytest.importorskip("torch")


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("kind", ["GRU", "LSTM"])
def test_integer_input_and_state_keep_the_parameter_dtype(kind, dtype):
    mg.set_default_dtype(dtype)
    ours = getattr(mg.nn, kind)(2, 3)
    theirs = getattr(torch.nn, kind)(2, 3).double()
    with torch.no_grad():
        for name, value in ours.state_dict().items():
            getattr(theirs, name).copy_(torch.from_numpy(value.astype(np.float64)))
    X = np.arange(8).reshape(4, 1, 2) % 3                 # int64
    h0 = np.ones((1, 1, 3), dtype=np.int64)
    state = h0 if kind == "GRU" else (h0, h0)
    outputs, final = ours(mg.Tensor(X), mg.Tensor(h0) if kind == "GRU"
                          else (mg.Tensor(h0), mg.Tensor(h0)))
    h_n = final if kind == "GRU" else final[0]
    assert outputs.dtype == h_n.dtype == np.dtype(dtype)
    with pytest.raises(RuntimeError):    # torch itself refuses the integer state
        theirs(torch.from_numpy(X).double(),
               torch.from_numpy(h0) if kind == "GRU"
               else (torch.from_numpy(h0), torch.from_numpy(h0)))
    expected, _ = theirs(torch.from_numpy(X).double(),
                         torch.from_numpy(h0).double() if kind == "GRU"
                         else tuple(torch.from_numpy(s).double() for s in state))
    tolerance = 1e-5 if dtype == "float32" else 1e-12
    np.testing.assert_allclose(outputs.numpy(), expected.detach().numpy(), atol=tolerance)


@pytest.mark.parametrize("kind", ["GRUCell", "LSTMCell"])
def test_cells_cast_integer_inputs_too(kind):
    cell = getattr(mg.nn, kind)(2, 3)
    x, h = mg.Tensor(np.ones((1, 2), dtype=np.int32)), mg.Tensor(np.zeros((1, 3), dtype=bool))
    out = cell(x, h) if kind == "GRUCell" else cell(x, (h, h))[0]
    assert out.dtype == np.float32
