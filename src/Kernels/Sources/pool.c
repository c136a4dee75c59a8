// 2-D max and average pooling over NCHW planes; one thread per element written.

typedef struct
{
    int N, C, H, W, KH, KW, SH, SW, PH, PW, OH, OW;
} PoolShape;

KERNEL void max_pool2d_forward(PoolShape s, GLOBAL const T* x, GLOBAL T* y, GLOBAL int* indices, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int q = i % s.OW, p = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    GLOBAL const T* xp = x + plane * s.H * s.W;
    T best = (T)NEG_INF;
    int bestAt = -1;
    for (int a = 0; a < s.KH; a++)
    {
        int h = p * s.SH + a - s.PH;
        if (h < 0 || h >= s.H) continue;
        for (int b = 0; b < s.KW; b++)
        {
            int v = q * s.SW + b - s.PW;
            if (v < 0 || v >= s.W) continue;
            T value = xp[h * s.W + v];
            if (bestAt < 0 || value > best || (value != value && best == best))
            {
                best = value;
                bestAt = h * s.W + v;
            }
        }
    }
    y[i] = best;
    indices[i] = bestAt;
}

KERNEL void avg_pool2d_forward(PoolShape s, GLOBAL const T* x, GLOBAL T* y, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int q = i % s.OW, p = (i / s.OW) % s.OH, plane = i / (s.OW * s.OH);
    GLOBAL const T* xp = x + plane * s.H * s.W;
    T sum = (T)0;
    for (int a = 0; a < s.KH; a++)
    {
        int h = p * s.SH + a - s.PH;
        if (h < 0 || h >= s.H) continue;
        for (int b = 0; b < s.KW; b++)
        {
            int v = q * s.SW + b - s.PW;
            if (v < 0 || v >= s.W) continue;
            sum += xp[h * s.W + v];
        }
    }
    y[i] = sum / (T)(s.KH * s.KW);
}

KERNEL void avg_pool2d_backward(PoolShape s, GLOBAL const T* dy, GLOBAL T* dx, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int v = i % s.W, h = (i / s.W) % s.H, plane = i / (s.W * s.H);
    GLOBAL const T* dyp = dy + plane * s.OH * s.OW;
    T sum = (T)0;
    for (int a = 0; a < s.KH; a++)
    {
        int ph = h + s.PH - a;
        if (ph < 0 || ph % s.SH != 0 || ph / s.SH >= s.OH) continue;
        for (int b = 0; b < s.KW; b++)
        {
            int qw = v + s.PW - b;
            if (qw < 0 || qw % s.SW != 0 || qw / s.SW >= s.OW) continue;
            sum += dyp[(ph / s.SH) * s.OW + qw / s.SW];
        }
    }
    dx[i] = sum / (T)(s.KH * s.KW);
}
