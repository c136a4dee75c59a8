namespace TinyGrad.Kernels;

/// <summary>
/// Batched row-major GEMM: <c>C[b] = Alpha * op(A[b]) * op(B[b]) + Beta * C[b]</c> where op(A) is
/// M x K and op(B) is K x N. With <see cref="TransA"/> A is stored K x M (element (m, k) at
/// <c>k * Lda + m</c>), otherwise M x K (at <c>m * Lda + k</c>); likewise B. A batch stride of 0
/// reuses one matrix for the whole batch.
/// </summary>
public readonly record struct GemmArgs(
    int Batch, int M, int N, int K,
    bool TransA, bool TransB,
    int OffsetA, int Lda, int BatchStrideA,
    int OffsetB, int Ldb, int BatchStrideB,
    int OffsetC, int Ldc, int BatchStrideC,
    double Alpha = 1, double Beta = 0)
{
    /// <summary>Plain batched product of contiguous row-major matrices into a fresh C.</summary>
    public static GemmArgs Contiguous(int batch, int m, int n, int k) =>
        new(batch, m, n, k, false, false, 0, k, m * k, 0, n, k * n, 0, n, m * n);
}

/// <summary>
/// Shapes of a 2-D convolution over NCHW input with OIHW weights (groups = 1):
/// <c>y[n,o,p,q] = sum_{c,i,j} x[n, c, p*StrideH + i*DilationH - PadH, q*StrideW + j*DilationW - PadW] * w[o,c,i,j]</c>,
/// reading zero outside the input.
/// </summary>
public readonly record struct Conv2dGeometry(
    int N, int C, int H, int W, int O, int KH, int KW,
    int StrideH, int StrideW, int PadH, int PadW, int DilationH, int DilationW)
{
    /// <summary>Output height.</summary>
    public int OutH => (H + 2 * PadH - DilationH * (KH - 1) - 1) / StrideH + 1;

    /// <summary>Output width.</summary>
    public int OutW => (W + 2 * PadW - DilationW * (KW - 1) - 1) / StrideW + 1;

    /// <summary>Element counts of x, w and y.</summary>
    public (int X, int W, int Y) Sizes => (N * C * H * W, O * C * KH * KW, N * O * OutH * OutW);
}

/// <summary>
/// Shapes of a 2-D pooling window over NCHW input. Max pooling pads with -inf; average pooling
/// counts the padded zeros in its divisor (PyTorch's count_include_pad = true).
/// </summary>
public readonly record struct Pool2dGeometry(
    int N, int C, int H, int W, int KH, int KW, int StrideH, int StrideW, int PadH, int PadW)
{
    /// <summary>Output height.</summary>
    public int OutH => (H + 2 * PadH - KH) / StrideH + 1;

    /// <summary>Output width.</summary>
    public int OutW => (W + 2 * PadW - KW) / StrideW + 1;
}

/// <summary>
/// One step of SGD as PyTorch writes it: <c>g = grad + WeightDecay * p</c>; with momentum,
/// <c>buf = g</c> on the first step, else <c>buf = Momentum * buf + (1 - Dampening) * g</c>, and
/// <c>g = Nesterov ? g + Momentum * buf : buf</c>; then <c>p -= Lr * g</c>.
/// </summary>
public readonly record struct SgdArgs(
    double Lr, double Momentum, double Dampening, double WeightDecay, bool Nesterov, bool FirstStep);

/// <summary>
/// One step of Adam / AdamW as PyTorch writes it, at 1-based <see cref="Step"/>. Decoupled (AdamW):
/// <c>p *= 1 - Lr * WeightDecay</c>; otherwise <c>g = grad + WeightDecay * p</c>. Then
/// <c>m = Beta1 m + (1 - Beta1) g</c>, <c>v = Beta2 v + (1 - Beta2) g^2</c>,
/// <c>p -= Lr / (1 - Beta1^t) * m / (sqrt(v) / sqrt(1 - Beta2^t) + Eps)</c>.
/// </summary>
public readonly record struct AdamArgs(
    double Lr, double Beta1, double Beta2, double Eps, double WeightDecay, bool Decoupled, int Step);
