// The masked softmax's backward (minigrad/ops/softmax.py, masked_softmax), one thread per
// row (b, i). With y the forward's output and g the incoming gradient (B, Q, K):
//     dx_j = y_j (g_j - sum_k g_k y_k)   where j < len, else 0 (masked scores are constants)
// with len as in masked_softmax_forward.
extern "C" __global__ void masked_softmax_backward(const T* g, const T* y, const long* lens,
                                                   int lens_mode, T* dx, long B, long Q,
                                                   long K)
{
    for (long row = (long)blockIdx.x * blockDim.x + threadIdx.x; row < B * Q;
         row += (long)blockDim.x * gridDim.x) {
        const long len = lens_mode == 0 ? K : lens[lens_mode == 1 ? row / Q : row];
        const T* g_row = g + row * K;
        const T* y_row = y + row * K;
        T dot = 0;
        for (long j = 0; j < K; ++j) dot += g_row[j] * y_row[j];
        for (long j = 0; j < K; ++j)
            dx[row * K + j] = j < len ? y_row[j] * (g_row[j] - dot) : (T)0;
    }
}
