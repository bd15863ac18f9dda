// The additive score's backward for the keys (minigrad/ops/attention.py), one thread per
// (b, j, c). With g (B, Q, K) the incoming gradient and F = tanh(q + k) recomputed:
//     dk[b, j, c] = sum_i g[b, i, j] w[c] (1 - F[b, i, j, c]^2)   over queries i with j < len
extern "C" __global__ void additive_score_backward_k(const T* g, const T* q, const T* k,
                                                     const T* w, const long* lens,
                                                     int lens_mode, T* dk, long B, long Q,
                                                     long K, long h)
{
    for (long n = (long)blockIdx.x * blockDim.x + threadIdx.x; n < B * K * h;
         n += (long)blockDim.x * gridDim.x) {
        const long b = n / (K * h), j = (n / h) % K, c = n % h;
        const T k_value = k[n];
        T grad_k = 0;
        for (long i = 0; i < Q; ++i) {
            const long len = lens_mode == 0 ? K : lens[lens_mode == 1 ? b : b * Q + i];
            if (j >= len) continue;
            const T feature = tanh(q[(b * Q + i) * h + c] + k_value);
            grad_k += g[(b * Q + i) * K + j] * (1 - feature * feature);
        }
        dk[n] = grad_k * w[c];
    }
}
