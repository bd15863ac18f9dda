// Cross-entropy's per-row part (minigrad/ops/loss.py, cross_entropy), one thread per row of
// the (N, V) logits x with integer labels (N):
//     top = max_j x_j         sum_exp = sum_j exp(x_j - top)
//     token_loss = log(sum_exp) - (x_label - top)          (= -log softmax(x)_label)
// top and sum_exp are kept for cross_entropy_backward; the caller averages token_loss.
// A label outside [0, V) is never read through: its row's loss is NaN and the label is
// written to *bad (minigrad/ops/checks.py reports it when the loss is read). With a mask on
// the device (has_mask 1; the caller weighs token_loss by it), a mask value other than 0 or 1
// makes its row's loss NaN too and is written to *bad_mask (0 while none was seen: 0 is a
// valid mask value, so never a flagged one).
extern "C" __global__ void cross_entropy_forward(const T* x, const long* labels,
                                                 T* token_loss, T* top, T* sum_exp, long N,
                                                 long V, long* bad, const T* mask,
                                                 long has_mask, double* bad_mask)
{
    for (long row = (long)blockIdx.x * blockDim.x + threadIdx.x; row < N;
         row += (long)blockDim.x * gridDim.x) {
        const T* x_row = x + row * V;
        const long label = labels[row];
        if (label < 0 || label >= V) {
            *bad = label;
            token_loss[row] = sqrt((T)-1);      // NaN
            top[row] = 0;
            sum_exp[row] = 1;
            continue;
        }
        T largest = x_row[0];
        for (long j = 1; j < V; ++j) largest = x_row[j] > largest ? x_row[j] : largest;
        T total = 0;
        for (long j = 0; j < V; ++j) total += exp(x_row[j] - largest);
        token_loss[row] = log(total) - (x_row[label] - largest);
        top[row] = largest;
        sum_exp[row] = total;
        if (has_mask && !(mask[row] == 0 || mask[row] == 1)) {    // 0.5, 2, NaN, ...
            *bad_mask = mask[row];
            token_loss[row] = sqrt((T)-1);      // NaN
        }
    }
}
