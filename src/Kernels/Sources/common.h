// The shared kernel dialect: written once, compiled as OpenCL C and as CUDA C. The preludes
// define KERNEL, GLOBAL, LOCAL, DEVICE, BARRIER(), GLOBAL_ID(d), LOCAL_ID(d), GROUP_ID(d),
// MULHI and NEG_INF. The element type T is set per program (-DT=float / double / int).

#define MAX_RANK 8

// A strided view, passed by value: element (i0, i1, ...) sits at offset + sum(i_d * strides[d]).
typedef struct
{
    int rank;
    int offset;
    int shape[MAX_RANK];
    int strides[MAX_RANK];
} View;

// Buffer index of the element at row-major position `linear` of the view.
DEVICE int view_index(View v, int linear)
{
    int index = v.offset;
    for (int d = v.rank - 1; d >= 0; d--)
    {
        int extent = v.shape[d];
        index += (linear % extent) * v.strides[d];
        linear /= extent;
    }
    return index;
}
