// Cross-entropy's gradient (minigrad/ops/loss.py, cross_entropy), one thread per element of
// the (N, V) logits, from cross_entropy_forward's top and sum_exp and the per-row scale
// row_scale = dL/dloss * m_i / sum(m) (one per row, or one for all with scale_stride 0):
//     dx[i, j] = exp(x[i, j] - top_i) * (row_scale_i / sum_exp_i) - (j == label_i) row_scale_i
// (a label outside [0, V), flagged by the forward, only ever compared, never indexed with)
extern "C" __global__ void cross_entropy_backward(const T* x, const long* labels, const T* top,
                                                  const T* sum_exp, const T* row_scale,
                                                  long scale_stride, T* dx, long N,
                                                  long V)
{
    for (long n = (long)blockIdx.x * blockDim.x + threadIdx.x; n < N * V;
         n += (long)blockDim.x * gridDim.x) {
        const long row = n / V, j = n % V;
        const T scale = row_scale[row * scale_stride];
        T grad = exp(x[n] - top[row]) * (scale / sum_exp[row]);
        if (j == labels[row]) grad -= scale;
        dx[n] = grad;
    }
}
