// The GRU step's backward (minigrad/ops/rnn.py, gru_cell), one thread per (b, j). With dh'
// the incoming gradient (B, H) and r, z, n, gh_n from gru_forward's saved (4, B, H):
//     da_n = dh' (1 - z) (1 - n^2)      da_r = da_n gh_n r (1 - r)
//     da_z = dh' (h - n) z (1 - z)
//     dgi = [da_r, da_z, da_n]          dgh = [da_r, da_z, da_n r]        (B, 3H) each
//     dh_direct = dh' z                 (the caller adds dgh W_hh to it)
extern "C" __global__ void gru_backward(const T* dh_new, const T* h, const T* saved, T* dgi,
                                        T* dgh, T* dh_direct, long B, long H)
{
    const long size = B * H;
    for (long k = (long)blockIdx.x * blockDim.x + threadIdx.x; k < size;
         k += (long)blockDim.x * gridDim.x) {
        const long b = k / H, j = k % H, row = b * 3 * H;
        const T r = saved[k], z = saved[size + k], n = saved[2 * size + k];
        const T gh_n = saved[3 * size + k], g = dh_new[k];
        const T da_n = g * (1 - z) * (1 - n * n);
        const T da_r = da_n * gh_n * r * (1 - r);
        const T da_z = g * (h[k] - n) * z * (1 - z);
        dgi[row + j] = da_r;
        dgi[row + H + j] = da_z;
        dgi[row + 2 * H + j] = da_n;
        dgh[row + j] = da_r;
        dgh[row + H + j] = da_z;
        dgh[row + 2 * H + j] = da_n * r;
        dh_direct[k] = g * z;
    }
}
