using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The gemm family: transposes, strides, batches, alpha and beta, K blocks, skinny shapes and the bias.
public static partial class ParityChecks
{
    private static void Gemm(ParityContext c)
    {
        var sizes = new (int M, int N, int K)[] { (1, 1, 1), (7, 13, 5), (33, 65, 17), (130, 70, 90), (4, 16, 0), (2, 40, 3), (37, 1, 45), (40, 33, 1), (5, 1, 1), (1, 70, 33), (45, 1, 300), (1, 9, 40), (9, 1, 40), (50, 50, 300) };
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in sizes)
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var (alpha, beta) in new[] { (1.0, 0.0), (0.5, -1.25), (-2.0, 0.0), (1.0, 1.0) })
        foreach (var (batch, sharedA, sharedB) in new[] { (1, false, false), (3, false, false), (3, true, false), (2, false, true) })
        {
            if (m * n * k > 100_000 && (batch > 1 || alpha != 1)) continue;
            (int ra, int ca) = ta ? (k, m) : (m, k);
            (int rb, int cb) = tb ? (n, k) : (k, n);
            int lda = ca + 1, ldb = cb + 2, ldc = n + 3;
            int strideA = sharedA ? 0 : ra * lda + 5, strideB = sharedB ? 0 : rb * ldb + 1, strideC = m * ldc + 2;
            int offA = 3, offB = 1, offC = 2;
            var a = c.Random(dtype, offA + batch * (ra * lda + 5) + 1);
            var b = c.Random(dtype, offB + batch * (rb * ldb + 1) + 1);
            var cv = c.Random(dtype, offC + batch * strideC + 1);
            if (beta == 0)
            {
                // C must not be read when Beta is 0: NaN there may not leak out.
                var init = ParityContext.Read(c.Reference, cv.Ref);
                init[offC] = double.NaN;
                cv = c.Upload(dtype, init);
            }
            var args = new GemmArgs(batch, m, n, k, ta, tb, offA, lda, strideA, offB, ldb, strideB, offC, ldc, strideC, alpha, beta);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} {args}");
        }
        // Several K blocks, row/column tails and both thread splits (many rows; few rows, many columns).
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (150, 97, 600), (9, 300, 530), (70, 33, 257), (50, 70, 1030), (23, 37, 2101) })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (var beta in new[] { 0.0, 0.5 })
        {
            (int ra, int ca) = ta ? (k, m) : (m, k);
            (int rb, int cb) = tb ? (n, k) : (k, n);
            int lda = ca + 3, ldb = cb + 1, ldc = n + 5;
            var a = c.Random(dtype, 2 + ra * lda);
            var b = c.Random(dtype, 1 + rb * ldb);
            var cv = c.Random(dtype, 4 + m * ldc);
            // alpha != 1 with beta: a product cut along K adds its second half as alpha * part.
            var args = new GemmArgs(1, m, n, k, ta, tb, 2, lda, 0, 1, ldb, 0, 4, ldc, 0, beta == 0 ? 1 : -1.5, beta);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} blocked {args}");
        }
        // A's rows 4 KB apart (8 KB in double): a block of many row panels is packed with register
        // transposes (K tails, a partial last panel, alpha and beta).
        foreach (var dtype in Floats)
        foreach (var (m, k) in new[] { (70, 300), (100, 61), (54, 1000) })
        {
            var a = c.Random(dtype, 2 + m * 1024);
            var b = c.Random(dtype, k * 40);
            var cv = c.Random(dtype, m * 43);
            var args = new GemmArgs(1, m, 40, k, false, false, 2, 1024, 0, 0, 40, 0, 0, 43, 0, -0.5, 2);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} aliasing rows {args}");
        }
        // A bias on every row, through each path: tiles, skinny products, a K cut, K = 0, batches, padded C.
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (7, 13, 5), (150, 97, 600), (37, 1, 45), (3000, 50, 1), (23, 37, 2101), (4, 16, 0) })
        foreach (bool ta in new[] { false, true })
        foreach (int batch in new[] { 1, 3 })
        {
            if (batch > 1 && m * n * Math.Max(k, 1) > 100_000) continue;
            (int ra, int ca) = ta ? (k, m) : (m, k);
            int lda = Math.Max(ca, 1), ldb = k, ldc = n + 3, strideC = m * ldc + 1;
            var a = c.Random(dtype, batch * ra * lda + 1);
            var b = c.Random(dtype, n * k + 1);
            var bias = c.Random(dtype, n);
            var cv = c.Random(dtype, 2 + batch * strideC);
            // B stored N x K (as Linear's weight) and shared by the batch; C at an offset, rows padded.
            var args = new GemmArgs(batch, m, n, k, ta, true, 0, lda, ra * lda, 0, Math.Max(ldb, 1), 0, 2, ldc, strideC, 1.5, batch > 1 ? 0.5 : 0);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv), on(bias)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, Math.Max(k, 1)), $"gemm {dtype} with bias {args}");
        }
        // The ReLU epilogue, with and without the bias, through each path: tiles with edges, several K
        // blocks, a K cut, skinny products, a vector times a matrix, K = 0 and batches.
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (7, 13, 5), (150, 97, 600), (23, 37, 2101), (37, 1, 45), (3000, 50, 1), (1, 70, 33), (4, 16, 0) })
        foreach (bool withBias in new[] { false, true })
        foreach (int batch in new[] { 1, 3 })
        {
            if (batch > 1 && m * n * Math.Max(k, 1) > 100_000) continue;
            int lda = Math.Max(k, 1), ldc = n + 1, strideC = m * ldc + 1;
            var a = c.Random(dtype, batch * m * lda + 1);
            var b = c.Random(dtype, n * k + 1);
            var bias = c.Random(dtype, n);
            var cv = c.Random(dtype, 1 + batch * strideC);
            var args = new GemmArgs(batch, m, n, k, false, true, 0, lda, m * lda, 0, Math.Max(k, 1), 0, 1, ldc, strideC, batch > 1 ? -0.5 : 1, batch > 1 ? 0.5 : 0);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv), withBias ? on(bias) : null, Epilogue.Relu));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, Math.Max(k, 1)), $"gemm {dtype} relu epilogue bias={withBias} {args}");
        }
        // The ReluGradient epilogue (dense C) with and without the bias, over the same paths: its mask a
        // ReLU's output, zero about half the time.
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (7, 13, 5), (150, 97, 600), (23, 37, 2101), (37, 1, 45), (3000, 50, 1), (3000, 50, 50), (1, 70, 33), (4, 16, 0) })
        foreach (bool withBias in new[] { false, true })
        foreach (int batch in new[] { 1, 3 })
        {
            if (batch > 1 && m * n * Math.Max(k, 1) > 100_000) continue;
            int lda = Math.Max(k, 1);
            var a = c.Random(dtype, batch * m * lda + 1);
            var b = c.Random(dtype, n * k + 1);
            var bias = c.Random(dtype, n);
            double[] relu = c.Random(batch * m * n);
            for (int i = 0; i < relu.Length; i++) relu[i] = relu[i] < 0 ? 0 : relu[i];
            relu[relu.Length / 2] = double.NaN;
            var mask = c.Upload(dtype, relu);
            var cv = c.Random(dtype, batch * m * n);
            var args = new GemmArgs(batch, m, n, k, false, true, 0, lda, m * lda, 0, Math.Max(k, 1), 0, 0, n, m * n);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv), withBias ? on(bias) : null, Epilogue.ReluGradient, on(mask)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, Math.Max(k, 1)), $"gemm {dtype} relu-gradient epilogue bias={withBias} {args}");
        }
        // Matrix-vector and outer products big enough to split their rows over threads.
        foreach (var dtype in Floats)
        foreach (var args in new[]
        {
            new GemmArgs(1, 3000, 1, 50, false, true, 1, 50, 0, 2, 50, 0, 0, 1, 0),
            new GemmArgs(1, 3000, 50, 1, false, true, 0, 1, 0, 1, 1, 0, 3, 50, 0),
            new GemmArgs(1, 3000, 50, 1, true, false, 2, 3000, 0, 0, 50, 0, 0, 51, 0, 0.5),
        })
        {
            var a = c.Random(dtype, args.OffsetA + (args.TransA ? args.K * args.Lda : args.M * args.Lda) + 1);
            var b = c.Random(dtype, args.OffsetB + (args.TransB ? args.N * args.Ldb : args.K * args.Ldb) + 1);
            var cv = c.Random(dtype, args.OffsetC + args.M * args.Ldc + 1);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, args.K), $"gemm {dtype} skinny {args}");
        }
        // Aligned operands (offsets, leading dimensions and batch strides multiples of 4): the ILGPU
        // backend's 128-bit loads and stores, with row, column and K tails, K cut into slices, batches and the bias.
        foreach (var dtype in Floats)
        foreach (var (m, n, k) in new[] { (68, 40, 36), (33, 65, 17), (130, 70, 90), (150, 97, 600), (9, 300, 530) })
        foreach (bool ta in new[] { false, true })
        foreach (bool tb in new[] { false, true })
        foreach (int batch in new[] { 1, 2 })
        {
            (int ra, int ca) = ta ? (k, m) : (m, k);
            (int rb, int cb) = tb ? (n, k) : (k, n);
            int lda = (ca + 3) / 4 * 4, ldb = (cb + 3) / 4 * 4 + 4, ldc = (n + 3) / 4 * 4;
            int strideA = ra * lda + 4, strideB = tb ? 0 : rb * ldb, strideC = m * ldc + 8;
            var a = c.Random(dtype, 4 + batch * strideA);
            var b = c.Random(dtype, 8 + Math.Max(1, batch * strideB) + rb * ldb);
            var cv = c.Random(dtype, 12 + batch * strideC);
            var bias = c.Random(dtype, n);
            double beta = batch > 1 ? 0.5 : 0;
            var args = new GemmArgs(batch, m, n, k, ta, tb, 4, lda, strideA, 8, ldb, strideB, 12, ldc, strideC, batch > 1 ? -1.5 : 1, beta);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv), ta == tb ? on(bias) : null));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, k), $"gemm {dtype} aligned {args}");
        }
        // Plain contiguous helper and a size big enough to use threads.
        foreach (var dtype in Floats)
        {
            var args = GemmArgs.Contiguous(2, 67, 150, 71);
            var a = c.Random(dtype, 2 * 67 * 71);
            var b = c.Random(dtype, 2 * 71 * 150);
            var cv = c.Random(dtype, 2 * 67 * 150);
            c.Both((be, on) => be.Gemm(args, on(a), on(b), on(cv)));
            c.AssertSame(cv, ParityContext.Tolerance(dtype, 71), $"gemm {dtype} contiguous");
        }
    }

    /// A linear layer's gradients in one call: on the CPU's one-pass path (rows deep enough for the
    /// weight gradient's cut) and the default, gated by a ReLU output with a NaN, with and without dx
    /// and the bias gradient.
    private static void LinearBackward(ParityContext c)
    {
        foreach (var dtype in Floats)
        foreach (var (rows, inF, outF) in new[] { (2100, 9, 6), (37, 5, 4) })
        foreach (var (wantDx, gate, wantBias) in new[] { (true, true, true), (true, false, false), (false, false, true) })
        {
            var g = c.Random(dtype, rows * outF);
            double[] relu = c.Random(rows * inF);
            for (int i = 0; i < relu.Length; i++) relu[i] = Math.Max(relu[i], 0);
            relu[relu.Length / 2] = double.NaN;
            var x = c.Upload(dtype, relu);
            var w = c.Random(dtype, outF * inF);
            var dw = c.Random(dtype, outF * inF);
            var dx = c.Random(dtype, rows * inF);
            var db = c.Random(dtype, outF);
            c.Both((be, on) => be.LinearBackward(rows, inF, outF, on(g), on(x), on(w), on(dw), wantDx ? on(dx) : null, gate, wantBias ? on(db) : null));
            string what = $"linear backward {dtype} {rows}x{inF}x{outF} dx={wantDx} gated={gate} bias={wantBias}";
            c.AssertSame(dw, ParityContext.Tolerance(dtype, rows), what + " weight gradient");
            if (wantDx) c.AssertSame(dx, ParityContext.Tolerance(dtype, outF), what + " input gradient");
            if (wantBias) c.AssertSame(db, ParityContext.Tolerance(dtype, rows), what + " bias gradient");
        }
    }
}
