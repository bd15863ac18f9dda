// d2l's masked softmax over the last axis (minigrad/ops/softmax.py, masked_softmax), one
// thread per row (b, i) of the (B, Q, K) scores x. Keys at positions j >= len are masked:
//     len = K (lens_mode 0), lens[b] (lens_mode 1, lens (B,)) or lens[b, i] (2, lens (B, Q))
//     x'_j = x_j where j < len, else -1e6
//     y_j = exp(x'_j - max x') / sum_j exp(x'_j - max x')
// A row with len 0 is therefore uniform, as in d2l. A len outside [0, K] makes its row NaN
// and is written to *bad (minigrad/ops/checks.py reports it when a result is read).
extern "C" __global__ void masked_softmax_forward(const T* x, const long* lens, int lens_mode,
                                                  T* y, long B, long Q, long K, long* bad)
{
    const T mask_value = -1e6;
    for (long row = (long)blockIdx.x * blockDim.x + threadIdx.x; row < B * Q;
         row += (long)blockDim.x * gridDim.x) {
        const long len = lens_mode == 0 ? K : lens[lens_mode == 1 ? row / Q : row];
        const T* x_row = x + row * K;
        T* y_row = y + row * K;
        if (len < 0 || len > K) {
            *bad = len;
            for (long j = 0; j < K; ++j) y_row[j] = sqrt((T)-1);   // NaN
            continue;
        }
        T top = K == 0 ? (T)0 : (0 < len ? x_row[0] : mask_value);
        for (long j = 0; j < K; ++j) {
            const T value = j < len ? x_row[j] : mask_value;
            top = value > top ? value : top;
        }
        T total = 0;
        for (long j = 0; j < K; ++j) {
            y_row[j] = exp((j < len ? x_row[j] : mask_value) - top);
            total += y_row[j];
        }
        for (long j = 0; j < K; ++j) y_row[j] /= total;
    }
}
