// One LSTM step's gate arithmetic (minigrad/ops/rnn.py, lstm_cell), one thread per (b, j).
// gi and gh (B, 4H) are the input and hidden projections, stacked i, f, g, o; b_hh (4H) is
// added here when has_bias is 1. With a = gi + gh + b_hh:
//     i = sigmoid(a_i)   f = sigmoid(a_f)   g = tanh(a_g)   o = sigmoid(a_o)
//     c' = f c + i g                        h' = o tanh(c')
// out (2, B, H) is [h', c']; saved (5, B, H) keeps i, f, g, o and tanh(c') for lstm_backward.
extern "C" __global__ void lstm_forward(const T* gi, const T* gh, const T* b_hh, int has_bias,
                                        const T* c, T* out, T* saved, long B, long H)
{
    const long size = B * H;
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        const long b = k / H, j = k % H, row = b * 4 * H;
        T a[4];
        for (int gate = 0; gate < 4; ++gate) {
            a[gate] = gi[row + gate * H + j] + gh[row + gate * H + j];
            if (has_bias) a[gate] += b_hh[gate * H + j];
        }
        const T i = 1 / (1 + exp(-a[0]));
        const T f = 1 / (1 + exp(-a[1]));
        const T g = tanh(a[2]);
        const T o = 1 / (1 + exp(-a[3]));
        const T c_new = f * c[k] + i * g;
        const T tc = tanh(c_new);
        out[k] = o * tc;
        out[size + k] = c_new;
        saved[k] = i;
        saved[size + k] = f;
        saved[2 * size + k] = g;
        saved[3 * size + k] = o;
        saved[4 * size + k] = tc;
    }
}
