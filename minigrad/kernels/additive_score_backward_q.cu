// The additive score's backward for the queries and the weight (minigrad/ops/attention.py),
// one thread per (b, i, c). With g (B, Q, K) the incoming gradient and F = tanh(q + k)
// recomputed for every kept key j < len (masked keys have no gradient):
//     dq[b, i, c]     = sum_j g[b, i, j] w[c] (1 - F[b, i, j, c]^2)
//     dw_part[b, i, c] = sum_j g[b, i, j] F[b, i, j, c]     (the caller sums it over b and i)
extern "C" __global__ void additive_score_backward_q(const T* g, const T* q, const T* k,
                                                     const T* w, const long* lens,
                                                     int lens_mode, T* dq, T* dw_part,
                                                     long B, long Q, long K, long h)
{
    for (long n = (long)blockIdx.x * blockDim.x + threadIdx.x; n < B * Q * h;
         n += (long)blockDim.x * gridDim.x) {
        const long b = n / (Q * h), i = (n / h) % Q, c = n % h;
        long len = lens_mode == 0 ? K : lens[lens_mode == 1 ? b : b * Q + i];
        len = len < K ? len : K;                  // lengths past K keep every key
        const T q_value = q[n];
        const T* g_row = g + (b * Q + i) * K;
        T grad_q = 0, grad_w = 0;
        for (long j = 0; j < len; ++j) {
            const T feature = tanh(q_value + k[(b * K + j) * h + c]);
            grad_q += g_row[j] * (1 - feature * feature);
            grad_w += g_row[j] * feature;
        }
        dq[n] = grad_q * w[c];
        dw_part[n] = grad_w;
    }
}
