// One Adam step over flat arrays (minigrad/optim/adam.py, Adam._apply), one thread per
// element; p, m and v are updated in place:
//     g = g + weight_decay * p
//     m = beta1 m + (1 - beta1) g               v = beta2 v + (1 - beta2) g^2
//     p = p - step_size * m / (sqrt(v) / bias2_sqrt + eps)
// with step_size = lr / (1 - beta1^t), bias2_sqrt = sqrt(1 - beta2^t), 1 - beta1 and 1 - beta2
// computed on the host (rounded once, as the NumPy code rounds them).
extern "C" __global__ void adam(T* p, const T* grad, T* m, T* v, T beta1, T one_minus_beta1,
                                T beta2, T one_minus_beta2, T step_size, T bias2_sqrt,
                                T eps, T weight_decay, long size)
{
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        T g = grad[k];
        if (weight_decay != 0) g += p[k] * weight_decay;
        m[k] = m[k] * beta1 + g * one_minus_beta1;
        v[k] = v[k] * beta2 + g * g * one_minus_beta2;
        const T denom = sqrt(v[k]) / bias2_sqrt + eps;
        p[k] -= m[k] / denom * step_size;
    }
}
