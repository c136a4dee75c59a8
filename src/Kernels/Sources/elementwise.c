// Elementwise maps. The op codes follow the UnaryOp / BinaryOp enums of IBackend.

DEVICE T max_nan(T a, T b) { return a != a ? a : (b != b ? b : (a > b ? a : b)); }
DEVICE T min_nan(T a, T b) { return a != a ? a : (b != b ? b : (a < b ? a : b)); }

KERNEL void unary(View xv, GLOBAL const T* x, GLOBAL T* y, int n, int op)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    T v = x[view_index(xv, i)];
    T r;
    switch (op)
    {
        case 0: r = -v; break;
        case 1: r = exp(v); break;
        case 2: r = log(v); break;
        case 3: r = sqrt(v); break;
        case 4: r = fabs(v); break;
        case 5: r = v > (T)0 ? (T)1 : (v < (T)0 ? (T)(-1) : v); break;
        case 6: r = sin(v); break;
        case 7: r = cos(v); break;
        case 8: r = tanh(v); break;
        case 9: r = (T)1 / ((T)1 + exp(-v)); break;
        case 10: r = (v > (T)0 || v != v) ? v : (T)0; break;
        case 11: r = v > (T)0 ? (T)1 : (T)0; break;
        default: r = (T)1 / v; break;
    }
    y[i] = r;
}

KERNEL void binary(View av, View bv, GLOBAL const T* a, GLOBAL const T* b, GLOBAL T* y, int n, int op)
{
    int i = GLOBAL_ID(0);
    if (i >= n) return;
    T p = a[view_index(av, i)];
    T q = b[view_index(bv, i)];
    T r;
    switch (op)
    {
        case 0: r = p + q; break;
        case 1: r = p - q; break;
        case 2: r = p * q; break;
        case 3: r = p / q; break;
        case 4: r = pow(p, q); break;
        case 5: r = max_nan(p, q); break;
        case 6: r = min_nan(p, q); break;
        case 7: r = p == q ? (T)1 : (T)0; break;
        case 8: r = p != q ? (T)1 : (T)0; break;
        case 9: r = p < q ? (T)1 : (T)0; break;
        case 10: r = p <= q ? (T)1 : (T)0; break;
        case 11: r = p > q ? (T)1 : (T)0; break;
        default: r = p >= q ? (T)1 : (T)0; break;
    }
    y[i] = r;
}
