// One GRU step's gate arithmetic (minigrad/ops/rnn.py, gru_cell), one thread per (b, j) of
// the (B, H) output. gi and gh (B, 3H) are the input and hidden projections, stacked r, z, n;
// b_hh (3H) is added here when has_bias is 1.
//     r = sigmoid(gi_r + gh_r)          z = sigmoid(gi_z + gh_z)
//     n = tanh(gi_n + r * gh_n)         h' = z * (h - n) + n          (= (1 - z) n + z h)
// saved (4, B, H) keeps r, z, n and gh_n for gru_backward.
extern "C" __global__ void gru_forward(const T* gi, const T* gh, const T* b_hh, int has_bias,
                                       const T* h, T* h_new, T* saved, long B, long H)
{
    const long size = B * H;
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        const long b = k / H, j = k % H, row = b * 3 * H;
        T gh_r = gh[row + j], gh_z = gh[row + H + j], gh_n = gh[row + 2 * H + j];
        if (has_bias) {
            gh_r += b_hh[j];
            gh_z += b_hh[H + j];
            gh_n += b_hh[2 * H + j];
        }
        const T r = 1 / (1 + exp(-(gi[row + j] + gh_r)));
        const T z = 1 / (1 + exp(-(gi[row + H + j] + gh_z)));
        const T n = tanh(r * gh_n + gi[row + 2 * H + j]);
        h_new[k] = z * (h[k] - n) + n;
        saved[k] = r;
        saved[size + k] = z;
        saved[2 * size + k] = n;
        saved[3 * size + k] = gh_n;
    }
}
