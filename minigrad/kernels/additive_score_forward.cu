// Bahdanau's additive score (minigrad/ops/attention.py, additive_scores), one thread per
// (b, i, j) of the (B, Q, K) scores, for projected queries q (B, Q, h), keys k (B, K, h) and
// the scoring weight w (h):
//     s[b, i, j] = sum_c w[c] tanh(q[b, i, c] + k[b, j, c])
// and s = -1e6 for keys at j >= len: len = K (lens_mode 0), lens[b] (1, lens (B,)) or
// lens[b, i] (2, lens (B, Q)). The tanh features are not stored: the backward recomputes them.
// A len outside [0, K] makes its scores NaN and is written to *bad (minigrad/ops/checks.py
// reports it when a result is read); the backward kernels only compare j < len.
extern "C" __global__ void additive_score_forward(const T* q, const T* k, const T* w,
                                                  const long* lens, int lens_mode, T* scores,
                                                  long B, long Q, long K, long h, long* bad)
{
    for (long n = (long)blockIdx.x * blockDim.x + threadIdx.x; n < B * Q * K;
         n += (long)blockDim.x * gridDim.x) {
        const long b = n / (Q * K), i = (n / K) % Q, j = n % K;
        const long len = lens_mode == 0 ? K : lens[lens_mode == 1 ? b : b * Q + i];
        if (len < 0 || len > K) {
            *bad = len;
            scores[n] = sqrt((T)-1);              // NaN
            continue;
        }
        if (j >= len) {
            scores[n] = -1e6;
            continue;
        }
        const T* q_row = q + (b * Q + i) * h;
        const T* k_row = k + (b * K + j) * h;
        T total = 0;
        for (long c = 0; c < h; ++c) total += w[c] * tanh(q_row[c] + k_row[c]);
        scores[n] = total;
    }
}
