// The LSTM step's backward (minigrad/ops/rnn.py, lstm_cell), one thread per (b, j). With
// grad (2, B, H) = [dh', dc'] incoming and i, f, g, o, tc = tanh(c') from lstm_forward:
//     dc = dc' + dh' o (1 - tc^2)
//     da_i = dc g i (1 - i)        da_f = dc c f (1 - f)
//     da_g = dc i (1 - g^2)        da_o = dh' tc o (1 - o)
//     da = [da_i, da_f, da_g, da_o]  (B, 4H)        dc_prev = dc f  (B, H)
extern "C" __global__ void lstm_backward(const T* grad, const T* c, const T* saved, T* da,
                                         T* dc_prev, long B, long H)
{
    const long size = B * H;
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        const long b = k / H, j = k % H, row = b * 4 * H;
        const T i = saved[k], f = saved[size + k], g = saved[2 * size + k];
        const T o = saved[3 * size + k], tc = saved[4 * size + k];
        const T dh_new = grad[k], dc_new = grad[size + k];
        const T dc = dc_new + dh_new * o * (1 - tc * tc);
        da[row + j] = dc * g * i * (1 - i);
        da[row + H + j] = dc * c[k] * f * (1 - f);
        da[row + 2 * H + j] = dc * i * (1 - g * g);
        da[row + 3 * H + j] = dh_new * tc * o * (1 - o);
        dc_prev[k] = dc * f;
    }
}
