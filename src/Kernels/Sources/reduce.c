// Reductions. One work-group of REDUCE_GROUP threads per output element: each thread folds a
// strided share of the reduced elements, then a tree in local memory combines them. The order
// is fixed, so results are deterministic.

#define REDUCE_GROUP 256

DEVICE T combine(T a, T b, int op)
{
    if (op == 0) return a + b;
    return a != a ? a : (b != b ? b : (a > b ? a : b));
}

// outer: the kept dims of x (with x's strides and offset); inner: the reduced dims (offset 0);
// yv: the kept dims of y.
KERNEL void reduce(View outer, View inner, View yv, GLOBAL const T* x, GLOBAL T* y, int inner_count, int op)
{
    LOCAL T scratch[REDUCE_GROUP];
    int j = GROUP_ID(0);
    int lid = LOCAL_ID(0);
    int base = view_index(outer, j);
    T acc = op == 0 ? (T)0 : (T)NEG_INF;
    for (int k = lid; k < inner_count; k += REDUCE_GROUP)
        acc = combine(acc, x[base + view_index(inner, k)], op);
    scratch[lid] = acc;
    BARRIER();
    for (int width = REDUCE_GROUP / 2; width > 0; width /= 2)
    {
        if (lid < width) scratch[lid] = combine(scratch[lid], scratch[lid + width], op);
        BARRIER();
    }
    if (lid == 0) y[view_index(yv, j)] = scratch[0];
}

// One thread per output: index of the first maximum along the axis (NaN counts as the maximum).
KERNEL void argmax(View outer, GLOBAL const T* x, View iv, GLOBAL int* indices, int extent, int axis_stride, int n)
{
    int j = GLOBAL_ID(0);
    if (j >= n) return;
    int base = view_index(outer, j);
    int best = 0;
    T bestValue = x[base];
    for (int k = 1; k < extent; k++)
    {
        T v = x[base + k * axis_stride];
        if (bestValue == bestValue && (v > bestValue || v != v))
        {
            best = k;
            bestValue = v;
        }
    }
    indices[view_index(iv, j)] = best;
}
