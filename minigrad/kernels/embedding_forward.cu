// The embedding lookup (minigrad/ops/embedding.py, embedding) for ids that live on the device,
// one thread per element of the (N, D) output y, for the (V, D) weight:
//     y[n, j] = weight[ids[n], j]                safe_ids[n] = ids[n]
// An id outside [0, V) is never read through: its row of y is NaN, its safe_ids entry is 0
// (the backward scatter-adds into the weight at safe_ids, so it stays inside the weight), and
// the id is written to *bad (minigrad/ops/checks.py reports it when a result is read).
extern "C" __global__ void embedding_forward(const T* weight, const long* ids, T* y,
                                             long* safe_ids, long N, long V, long D, long* bad)
{
    for (long n = (long)blockIdx.x * blockDim.x + threadIdx.x; n < N * D;
         n += (long)blockDim.x * gridDim.x) {
        const long row = n / D, j = n % D;
        const long id = ids[row];
        const bool inside = id >= 0 && id < V;
        if (!inside) *bad = id;
        y[n] = inside ? weight[id * D + j] : sqrt((T)-1);     // NaN for an id outside
        if (j == 0) safe_ids[row] = inside ? id : 0;
    }
}
