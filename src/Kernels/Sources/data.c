// Data movement for every element type: strided copy (with conversion), fill and select.

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

// y = c != 0 ? a : b, for each condition type C (the condition keeps its own dtype: 0.5 is true).
#define DEFINE_WHERE(C) \
KERNEL void where_##C(View cv, View av, View bv, GLOBAL const C* c, GLOBAL const T* a, GLOBAL const T* b, GLOBAL T* y, int n) \
{ \
    int i = GLOBAL_ID(0); \
    if (i >= n) return; \
    y[i] = c[view_index(cv, i)] != (C)0 ? a[view_index(av, i)] : b[view_index(bv, i)]; \
}

DEFINE_WHERE(float)
DEFINE_WHERE(int)
#ifdef HAS_FP64
DEFINE_WHERE(double)
#endif
