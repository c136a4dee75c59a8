using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>Converts one element type to another inside kernels (C# casts: float to int truncates).</summary>
internal interface ICast<TFrom, TTo>
{
    static abstract TTo Convert(TFrom value);
}

/// <summary>Every element conversion the dtypes need, resolved at kernel compile time.</summary>
internal readonly struct Cast :
    ICast<float, float>, ICast<float, double>, ICast<float, int>,
    ICast<double, float>, ICast<double, double>, ICast<double, int>,
    ICast<int, float>, ICast<int, double>, ICast<int, int>
{
    static float ICast<float, float>.Convert(float value) => value;
    static double ICast<float, double>.Convert(float value) => value;
    static int ICast<float, int>.Convert(float value) => (int)value;
    static float ICast<double, float>.Convert(double value) => (float)value;
    static double ICast<double, double>.Convert(double value) => value;
    static int ICast<double, int>.Convert(double value) => (int)value;
    static float ICast<int, float>.Convert(int value) => value;
    static double ICast<int, double>.Convert(int value) => value;
    static int ICast<int, int>.Convert(int value) => value;
}

/// <summary>The copy family: strided copy with dtype conversion, and fill.</summary>
internal sealed class Copy(KernelHost host)
{
    /// <summary>Copies the source view into the destination view, converting the element type.</summary>
    public void Run(in StridedView source, in StridedView destination)
    {
        int n = source.Length;
        if (n == 0) return;
        var e = Walk.Of(source.Shape, source.Strides, source.Offset, destination.Strides, destination.Offset, out var s, out var d);
        // Overlapping views of one buffer: one thread walks them in element order, as the reference does.
        var config = StridedView.Overlap(source, destination) ? new KernelConfig(1, 1) : host.Spread(n);
        switch (source.Buffer.DType, destination.Buffer.DType)
        {
            case (DType.Float32, DType.Float32): Launch<float, float, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Float32, DType.Float64): Launch<float, double, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Float32, DType.Int32): Launch<float, int, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Float64, DType.Float32): Launch<double, float, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Float64, DType.Float64): Launch<double, double, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Float64, DType.Int32): Launch<double, int, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Int32, DType.Float32): Launch<int, float, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            case (DType.Int32, DType.Float64): Launch<int, double, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
            default: Launch<int, int, Cast>(config, e, s, d, source.Buffer, destination.Buffer, n); break;
        }
    }

    /// <summary>Sets every element of the view to <paramref name="value"/>.</summary>
    public void Fill<T>(in StridedView destination, T value) where T : unmanaged
    {
        int n = destination.Length;
        var e = Walk.Of(destination.Shape, destination.Strides, destination.Offset, out var d);
        Fill(e, d, destination.Buffer, value, n);
    }

    private void Launch<TFrom, TTo, TCast>(KernelConfig config, Extents e, Strides s, Strides d, DeviceBuffer x, DeviceBuffer y, int n)
        where TFrom : unmanaged where TTo : unmanaged where TCast : ICast<TFrom, TTo> =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, Strides, ArrayView<TFrom>, ArrayView<TTo>, int>(CopyKernel<TFrom, TTo, TCast>))
            (config, e, s, d, KernelHost.View<TFrom>(x), KernelHost.View<TTo>(y), n);

    private void Fill<T>(Extents e, Strides d, DeviceBuffer y, T value, int n) where T : unmanaged =>
        host.Kernel(static a => a.LoadStreamKernel<Extents, Strides, ArrayView<T>, T, int>(FillKernel))
            (host.Spread(n), e, d, KernelHost.View<T>(y), value, n);

    private static void CopyKernel<TFrom, TTo, TCast>(Extents e, Strides s, Strides d, ArrayView<TFrom> x, ArrayView<TTo> y, int n)
        where TFrom : unmanaged where TTo : unmanaged where TCast : ICast<TFrom, TTo>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            var c = e.Split(i);
            y[d.At(c)] = TCast.Convert(x[s.At(c)]);
        }
    }

    private static void FillKernel<T>(Extents e, Strides d, ArrayView<T> y, T value, int n) where T : unmanaged
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride) y[d.At(e.Split(i))] = value;
    }
}
