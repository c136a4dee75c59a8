// Gather and scatter-add along one axis. An index out of range is reported through `error`
// (value + 1 of the first bad index seen) for the host to raise; the element is skipped.

KERNEL void gather(View src, int axis, View iv, GLOBAL const T* x, GLOBAL const int* index, GLOBAL T* y, GLOBAL int* error, int n)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    int at = src.offset, rest = i;
    for (int d = iv.rank - 1; d >= 0; d--)
    {
        int coord = rest % iv.shape[d];
        rest /= iv.shape[d];
        if (d == axis)
        {
            int target = index[view_index(iv, i)];
            if (target < 0 || target >= src.shape[axis]) { error[0] = 1; y[i] = (T)0; return; }
            coord = target;
        }
        at += coord * src.strides[d];
    }
    y[i] = x[at];
}

// One thread per line (all coordinates but `axis`) of the index: it owns the matching
// destination line, so the adds never race and keep the index order.
KERNEL void scatter_add(View dst, int axis, View iv, View sv, GLOBAL T* y, GLOBAL const int* index, GLOBAL const T* x, GLOBAL int* error, int lines)
{
    int line = GLOBAL_ID(0);
    if (line >= lines) return;
    int extent = iv.shape[axis];
    int rest = line, dstBase = dst.offset, first = 0, stride = 1;
    // Row-major position of the line's first element (axis coordinate 0) in the index view.
    for (int d = iv.rank - 1; d >= 0; d--)
    {
        if (d == axis) { stride *= iv.shape[d]; continue; }
        int coord = rest % iv.shape[d];
        rest /= iv.shape[d];
        dstBase += coord * dst.strides[d];
        first += coord * stride;
        stride *= iv.shape[d];
    }
    int axisStep = 1;
    for (int d = iv.rank - 1; d > axis; d--) axisStep *= iv.shape[d];
    for (int k = 0; k < extent; k++)
    {
        int linear = first + k * axisStep;
        int target = index[view_index(iv, linear)];
        if (target < 0 || target >= dst.shape[axis]) { error[0] = 1; continue; }
        y[dstBase + target * dst.strides[axis]] += x[view_index(sv, linear)];
    }
}
