// Inverted dropout (minigrad/ops/dropout.py), one thread per element:
//     y = x * (u >= p ? 1 / (1 - p) : 0)        u ~ Uniform[0, 1), one per element
// The backward pass is the same kernel applied to the incoming gradient with the same u.
extern "C" __global__ void dropout(const T* x, const T* u, T p, T scale, T* y, long size)
{
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        y[k] = x[k] * (u[k] >= p ? scale : (T)0);
    }
}
