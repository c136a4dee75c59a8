// 2-D convolution (NCHW input, OIHW weights, groups = 1). Every kernel gathers: one thread per
// element it writes, summing in a fixed order, so no atomics and deterministic results.

typedef struct
{
    int N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
} ConvShape;

KERNEL void conv2d_forward(ConvShape s, GLOBAL const T* x, GLOBAL const T* w, GLOBAL T* y, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int q = i % s.OW, p = (i / s.OW) % s.OH, o = (i / (s.OW * s.OH)) % s.O, n = i / (s.OW * s.OH * s.O);
    T acc = (T)0;
    for (int c = 0; c < s.C; c++)
        for (int a = 0; a < s.KH; a++)
        {
            int h = p * s.SH + a * s.DH - s.PH;
            if (h < 0 || h >= s.H) continue;
            for (int b = 0; b < s.KW; b++)
            {
                int v = q * s.SW + b * s.DW - s.PW;
                if (v < 0 || v >= s.W) continue;
                acc += x[((n * s.C + c) * s.H + h) * s.W + v] * w[((o * s.C + c) * s.KH + a) * s.KW + b];
            }
        }
    y[i] = acc;
}

KERNEL void conv2d_backward_input(ConvShape s, GLOBAL const T* dy, GLOBAL const T* w, GLOBAL T* dx, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int v = i % s.W, h = (i / s.W) % s.H, c = (i / (s.W * s.H)) % s.C, n = i / (s.W * s.H * s.C);
    T acc = (T)0;
    for (int o = 0; o < s.O; o++)
        for (int a = 0; a < s.KH; a++)
        {
            int ph = h + s.PH - a * s.DH;
            if (ph < 0 || ph % s.SH != 0 || ph / s.SH >= s.OH) continue;
            int p = ph / s.SH;
            for (int b = 0; b < s.KW; b++)
            {
                int qw = v + s.PW - b * s.DW;
                if (qw < 0 || qw % s.SW != 0 || qw / s.SW >= s.OW) continue;
                acc += dy[((n * s.O + o) * s.OH + p) * s.OW + qw / s.SW] * w[((o * s.C + c) * s.KH + a) * s.KW + b];
            }
        }
    dx[i] = acc;
}

KERNEL void conv2d_backward_weight(ConvShape s, GLOBAL const T* x, GLOBAL const T* dy, GLOBAL T* dw, int total)
{
    int i = GLOBAL_ID(0);
    if (i >= total) return;
    int b = i % s.KW, a = (i / s.KW) % s.KH, c = (i / (s.KW * s.KH)) % s.C, o = i / (s.KW * s.KH * s.C);
    T acc = (T)0;
    for (int n = 0; n < s.N; n++)
        for (int p = 0; p < s.OH; p++)
        {
            int h = p * s.SH + a * s.DH - s.PH;
            if (h < 0 || h >= s.H) continue;
            for (int q = 0; q < s.OW; q++)
            {
                int v = q * s.SW + b * s.DW - s.PW;
                if (v < 0 || v >= s.W) continue;
                acc += dy[((n * s.O + o) * s.OH + p) * s.OW + q] * x[((n * s.C + c) * s.H + h) * s.W + v];
            }
        }
    dw[i] = acc;
}
