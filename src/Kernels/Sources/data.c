// Data movement for every element type: strided copy (with conversion) and fill.

#define DEFINE_COPY(S) \
KERNEL void copy_from_##S(View src, View dst, GLOBAL const S* x, GLOBAL T* y, int n) \
{ \
    int i = GLOBAL_ID(0); \
    if (i >= n) return; \
    y[view_index(dst, i)] = (T)x[view_index(src, i)]; \
}

DEFINE_COPY(float)
DEFINE_COPY(int)
#ifdef HAS_FP64
DEFINE_COPY(double)
#endif

KERNEL void fill(View dst, GLOBAL T* y, T value, int n)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    y[view_index(dst, i)] = value;
}
