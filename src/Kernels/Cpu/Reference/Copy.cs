namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The copy family, element by element: strided copy with dtype conversion, and fill.</summary>
internal static class Copy
{
    /// <summary>
    /// Element i of the source to element i of the destination, in row-major order (overlapping views
    /// of one buffer get that order's result); conversions to Int32 are checked.
    /// </summary>
    public static void Run(in StridedView source, in StridedView destination)
    {
        CpuBuffer src = CpuBuffer.Of(source.Buffer), dst = CpuBuffer.Of(destination.Buffer);
        int n = source.Length;
        for (int i = 0; i < n; i++) dst.Set(destination.IndexOf(i), src.Get(source.IndexOf(i)));
    }

    /// <summary>Sets every element of the view to <paramref name="value"/>.</summary>
    public static void Fill<T>(in StridedView destination, T value) where T : unmanaged
    {
        Span<T> dst = CpuBuffer.Of(destination.Buffer).Span<T>();
        int n = destination.Length;
        for (int i = 0; i < n; i++) dst[destination.IndexOf(i)] = value;
    }
}
