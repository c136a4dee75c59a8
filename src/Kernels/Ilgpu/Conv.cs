using System.Numerics;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The conv family (NCHW input, OIHW weights, groups = 1) as implicit GEMMs on the tiles of
/// <see cref="GemmCore"/>: the operands read x, w and dy in place as im2col-shaped matrices (see
/// ConvOperands.cs), so no workspace is built. Each output is one thread's sum in K order (or the
/// slice-ordered sum of a K split), so results are deterministic.
/// <list type="bullet">
/// <item>forward, per image: y[O x OH OW] = w[O x C KH KW] x cols(x)[C KH KW x OH OW], plus bias[o];</item>
/// <item>backward-input, per image: dx[C x H W] = w as [C x O KH KW] x taps(dy)[O KH KW x H W];</item>
/// <item>backward-weight: dw[O x C KH KW] = dy[O x N OH OW] x patches(x)[N OH OW x C KH KW].</item>
/// </list>
/// </summary>
internal sealed class Conv(Gemm gemm)
{
    /// <summary>y = conv(x, w), plus bias[o] on channel o when given, then the epilogue.</summary>
    public void Forward<T>(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias, Epilogue epilogue) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.From(g);
        int n = g.N, m = g.O, cols = s.PQ, k = g.C * s.KK;
        if (g.Sizes.Y == 0) return;
        var vy = KernelHost.View<T>(y);
        var a = new DenseOperand<T>(KernelHost.View<T>(w), 0, k, 0, m, false, 1);
        var b = new ImageColumns<T>(KernelHost.View<T>(x), s);
        var c = new GemmOutput<T>(vy, 0, cols, m * cols, m, cols, n, T.One, T.Zero, bias is null ? vy : KernelHost.View<T>(bias), bias is not null, true, epilogue);
        var plan = gemm.Plan(n, m, cols, k);
        gemm.Tiled(plan, n, m, cols, k, c, (shape, o) => gemm.Launch<T, DenseOperand<T>, ImageColumns<T>, ForwardEntry<T>>(plan.Tile, shape, a, b, o));
    }

    /// <summary>dx = the transposed convolution of dy by w.</summary>
    public void BackwardInput<T>(in Conv2dGeometry g, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.From(g);
        int n = g.N, m = g.C, cols = g.H * g.W, k = g.O * s.KK;
        if (g.Sizes.X == 0) return;
        var vdx = KernelHost.View<T>(dx);
        var a = new MiddleRows<T>(KernelHost.View<T>(w), g.C, g.C * s.KK, s.KK);
        var b = new GradientTaps<T>(KernelHost.View<T>(dy), s);
        var c = new GemmOutput<T>(vdx, 0, cols, m * cols, m, cols, n, T.One, T.Zero, vdx, false, false);
        var plan = gemm.Plan(n, m, cols, k);
        gemm.Tiled(plan, n, m, cols, k, c, (shape, o) => gemm.Launch<T, MiddleRows<T>, GradientTaps<T>, BackwardInputEntry<T>>(plan.Tile, shape, a, b, o));
    }

    /// <summary>dw = the correlation of x with dy, summed over the batch and the output pixels.</summary>
    public void BackwardWeight<T>(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var s = ConvShape.From(g);
        int m = g.O, cols = g.C * s.KK, k = g.N * s.PQ;
        if (g.Sizes.W == 0) return;
        var vdw = KernelHost.View<T>(dw);
        var a = new MiddleRows<T>(KernelHost.View<T>(dy), g.O, g.O * s.PQ, s.PQ);
        var b = new ImagePatches<T>(KernelHost.View<T>(x), s);
        var c = new GemmOutput<T>(vdw, 0, cols, 0, m, cols, 1, T.One, T.Zero, vdw, false, false);
        var plan = gemm.Plan(1, m, cols, k);
        gemm.Tiled(plan, 1, m, cols, k, c, (shape, o) => gemm.Launch<T, MiddleRows<T>, ImagePatches<T>, BackwardWeightEntry<T>>(plan.Tile, shape, a, b, o));
    }

    private readonly struct ForwardEntry<T> : ITiledKernel<T, DenseOperand<T>, ImageColumns<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Action<TileShape, DenseOperand<T>, ImageColumns<T>, GemmOutput<T>> For<TTile>() where TTile : IGemmTile => ForwardKernel<T, TTile>;
    }

    private readonly struct BackwardInputEntry<T> : ITiledKernel<T, MiddleRows<T>, GradientTaps<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Action<TileShape, MiddleRows<T>, GradientTaps<T>, GemmOutput<T>> For<TTile>() where TTile : IGemmTile => BackwardInputKernel<T, TTile>;
    }

    private readonly struct BackwardWeightEntry<T> : ITiledKernel<T, MiddleRows<T>, ImagePatches<T>> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Action<TileShape, MiddleRows<T>, ImagePatches<T>, GemmOutput<T>> For<TTile>() where TTile : IGemmTile => BackwardWeightKernel<T, TTile>;
    }

    private static void ForwardKernel<T, TTile>(TileShape s, DenseOperand<T> w, ImageColumns<T> x, GemmOutput<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile =>
        GemmCore.Run<T, TTile, DenseOperand<T>, ImageColumns<T>>(s, w, x, y);

    private static void BackwardInputKernel<T, TTile>(TileShape s, MiddleRows<T> w, GradientTaps<T> dy, GemmOutput<T> dx)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile =>
        GemmCore.Run<T, TTile, MiddleRows<T>, GradientTaps<T>>(s, w, dy, dx);

    private static void BackwardWeightKernel<T, TTile>(TileShape s, MiddleRows<T> dy, ImagePatches<T> x, GemmOutput<T> dw)
        where T : unmanaged, IFloatingPointIeee754<T> where TTile : IGemmTile =>
        GemmCore.Run<T, TTile, MiddleRows<T>, ImagePatches<T>>(s, dy, x, dw);
}
