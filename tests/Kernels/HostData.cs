using System.Numerics;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// <summary>Host arrays to device buffers and back, for the kernel tests.</summary>
internal static class HostData
{
    /// <summary>A fresh buffer of <paramref name="backend"/> holding <paramref name="values"/>.</summary>
    public static DeviceBuffer Upload<T>(this Backend backend, params T[] values) where T : unmanaged
    {
        var buffer = backend.Allocate(DTypeInfo.Of<T>(), values.Length);
        backend.Upload<T>(values, buffer);
        return buffer;
    }

    /// <summary>Every element of <paramref name="buffer"/>, downloaded (a download waits for the device).</summary>
    public static T[] Read<T>(this Backend backend, DeviceBuffer buffer) where T : unmanaged
    {
        var values = new T[buffer.Length];
        backend.Download<T>(buffer, values);
        return values;
    }

    /// <summary><paramref name="n"/> values uniform in [-1, 1), the same for the same seed (Philox).</summary>
    public static T[] Uniform<T>(int n, ulong seed) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[n];
        for (int i = 0; i < n; i++) values[i] = T.CreateTruncating(Philox.UniformDouble(seed, (ulong)i) * 2 - 1);
        return values;
    }

    /// <summary>A fresh buffer of <paramref name="dtype"/> (Float32 or Float64) holding <paramref name="values"/>, rounded to it.</summary>
    public static DeviceBuffer Upload(this Backend backend, DType dtype, double[] values) =>
        dtype == DType.Float32 ? backend.Upload(Array.ConvertAll(values, v => (float)v)) : backend.Upload(values);

    /// <summary>A Float32 or Float64 buffer's elements, as doubles (exactly).</summary>
    public static double[] ReadDoubles(this Backend backend, DeviceBuffer buffer) =>
        buffer.DType == DType.Float32 ? Array.ConvertAll(backend.Read<float>(buffer), v => (double)v) : backend.Read<double>(buffer);
}
