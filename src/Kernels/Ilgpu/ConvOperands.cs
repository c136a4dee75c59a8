using System.Numerics;
using ILGPU;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The sizes of one convolution (see <see cref="Conv2dGeometry"/>) as its operands take them, with
/// the divisors they split flat indices by: KK = KH x KW taps, PQ = OH x OW outputs, HW = H x W inputs.
/// </summary>
internal struct ConvShape
{
    public int N, C, H, W, O, KH, KW, SH, SW, PH, PW, DH, DW, OH, OW;
    public FastDiv ByKK, ByKW, ByOW, ByPQ, ByW, BySH, BySW;

    public static ConvShape From(in Conv2dGeometry g) => new()
    {
        N = g.N, C = g.C, H = g.H, W = g.W, O = g.O, KH = g.KH, KW = g.KW, SH = g.StrideH, SW = g.StrideW,
        PH = g.PadH, PW = g.PadW, DH = g.DilationH, DW = g.DilationW, OH = g.OutH, OW = g.OutW,
        ByKK = new(g.KH * g.KW), ByKW = new(g.KW), ByOW = new(g.OutW), ByPQ = new(g.OutH * g.OutW),
        ByW = new(g.W), BySH = new(g.StrideH), BySW = new(g.StrideW),
    };

    public readonly int KK => KH * KW;

    public readonly int PQ => OH * OW;

    /// <summary>x[n, c] at output (p, q) through tap (kh, kw), or zero in the padding.</summary>
    public readonly T Input<T>(ArrayView<T> x, int n, int c, int kh, int kw, int p, int q) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int h = p * SH + kh * DH - PH, w = q * SW + kw * DW - PW;
        return h >= 0 && h < H && w >= 0 && w < W ? x[((n * C + c) * H + h) * W + w] : T.Zero;
    }
}

/// <summary>
/// Forward's B: the im2col matrix of image <c>batch</c>, read in place. Row = output pixel pq,
/// k = (c, kh, kw); quads run along the pixels (contiguous in x at stride 1).
/// </summary>
internal struct ImageColumns<T>(ArrayView<T> x, ConvShape s) : IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> X = x;
    public ConvShape S = s;

    public readonly bool AlongK => false;

    public readonly Quad<T> Fetch(int batch, int row, int k, int kEnd)
    {
        int pq = S.PQ;
        if (k >= kEnd || row >= pq) return default;
        var (c, r) = S.ByKK.DivRem(k);
        var (kh, kw) = S.ByKW.DivRem(r);
        var (p, q) = S.ByOW.DivRem(row);
        T v0 = S.Input(X, batch, c, kh, kw, p, q);
        (p, q) = Next(p, q);
        T v1 = row + 1 < pq ? S.Input(X, batch, c, kh, kw, p, q) : T.Zero;
        (p, q) = Next(p, q);
        T v2 = row + 2 < pq ? S.Input(X, batch, c, kh, kw, p, q) : T.Zero;
        (p, q) = Next(p, q);
        T v3 = row + 3 < pq ? S.Input(X, batch, c, kh, kw, p, q) : T.Zero;
        return new Quad<T>(v0, v1, v2, v3);
    }

    private readonly (int P, int Q) Next(int p, int q) => q + 1 < S.OW ? (p, q + 1) : (p + 1, 0);
}

/// <summary>
/// Backward-weight's B: the transposed im2col matrix over the whole batch. Row = tap (c, kh, kw),
/// k = (n, p, q); quads run along the output pixels.
/// </summary>
internal struct ImagePatches<T>(ArrayView<T> x, ConvShape s) : IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> X = x;
    public ConvShape S = s;

    public readonly bool AlongK => true;

    public readonly Quad<T> Fetch(int batch, int row, int k, int kEnd)
    {
        if (k >= kEnd || row >= S.C * S.KK) return default;
        var (c, r) = S.ByKK.DivRem(row);
        var (kh, kw) = S.ByKW.DivRem(r);
        var (n, pq) = S.ByPQ.DivRem(k);
        var (p, q) = S.ByOW.DivRem(pq);
        T v0 = S.Input(X, n, c, kh, kw, p, q);
        (n, p, q) = Next(n, p, q);
        T v1 = k + 1 < kEnd ? S.Input(X, n, c, kh, kw, p, q) : T.Zero;
        (n, p, q) = Next(n, p, q);
        T v2 = k + 2 < kEnd ? S.Input(X, n, c, kh, kw, p, q) : T.Zero;
        (n, p, q) = Next(n, p, q);
        T v3 = k + 3 < kEnd ? S.Input(X, n, c, kh, kw, p, q) : T.Zero;
        return new Quad<T>(v0, v1, v2, v3);
    }

    private readonly (int N, int P, int Q) Next(int n, int p, int q) =>
        q + 1 < S.OW ? (n, p, q + 1) : p + 1 < S.OH ? (n, p + 1, 0) : (n + 1, 0, 0);
}

/// <summary>
/// A [outer, rows, inner] array as a rows x (outer inner) matrix: element (row, k) at
/// (k / inner) Outer + row inner + k % inner; quads run along k, on into the next outer block.
/// Backward-weight's A is dy as O rows over (n, p, q); backward-input's A is w as C rows over (o, kh, kw).
/// </summary>
internal struct MiddleRows<T>(ArrayView<T> data, int rows, int outer, int inner) : IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> Data = data;
    public int Rows = rows, Outer = outer, Inner = inner;
    public FastDiv ByInner = new(inner);

    public readonly bool AlongK => true;

    public readonly Quad<T> Fetch(int batch, int row, int k, int kEnd)
    {
        if (k >= kEnd || row >= Rows) return default;
        var (b, i) = ByInner.DivRem(k);
        T v0 = Data[At(b, row, i)];
        (b, i) = Next(b, i);
        T v1 = k + 1 < kEnd ? Data[At(b, row, i)] : T.Zero;
        (b, i) = Next(b, i);
        T v2 = k + 2 < kEnd ? Data[At(b, row, i)] : T.Zero;
        (b, i) = Next(b, i);
        T v3 = k + 3 < kEnd ? Data[At(b, row, i)] : T.Zero;
        return new Quad<T>(v0, v1, v2, v3);
    }

    private readonly int At(int b, int row, int i) => b * Outer + row * Inner + i;

    private readonly (int B, int I) Next(int b, int i) => i + 1 < Inner ? (b, i + 1) : (b + 1, 0);
}

/// <summary>
/// Backward-input's B for image <c>batch</c>: row = input pixel (h, w), k = (o, kh, kw); the term is
/// dy[o, p, q] where h = p SH + kh DH - PH and w = q SW + kw DW - PW (zero where no such p, q).
/// Quads run along the input pixels.
/// </summary>
internal struct GradientTaps<T>(ArrayView<T> dy, ConvShape s) : IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> Dy = dy;
    public ConvShape S = s;

    public readonly bool AlongK => false;

    public readonly Quad<T> Fetch(int batch, int row, int k, int kEnd)
    {
        int hw = S.H * S.W;
        if (k >= kEnd || row >= hw) return default;
        var (o, r) = S.ByKK.DivRem(k);
        var (kh, kw) = S.ByKW.DivRem(r);
        var (h, w) = S.ByW.DivRem(row);
        int plane = (batch * S.O + o) * S.PQ;
        T v0 = Tap(plane, h, w, kh, kw);
        (h, w) = Next(h, w);
        T v1 = row + 1 < hw ? Tap(plane, h, w, kh, kw) : T.Zero;
        (h, w) = Next(h, w);
        T v2 = row + 2 < hw ? Tap(plane, h, w, kh, kw) : T.Zero;
        (h, w) = Next(h, w);
        T v3 = row + 3 < hw ? Tap(plane, h, w, kh, kw) : T.Zero;
        return new Quad<T>(v0, v1, v2, v3);
    }

    private readonly T Tap(int plane, int h, int w, int kh, int kw)
    {
        int ph = h + S.PH - kh * S.DH, pw = w + S.PW - kw * S.DW;
        if (ph < 0 || pw < 0) return T.Zero;
        var (p, rp) = S.BySH.DivRem(ph);
        var (q, rq) = S.BySW.DivRem(pw);
        return rp == 0 && rq == 0 && p < S.OH && q < S.OW ? Dy[plane + p * S.OW + q] : T.Zero;
    }

    private readonly (int H, int W) Next(int h, int w) => w + 1 < S.W ? (h, w + 1) : (h + 1, 0);
}
