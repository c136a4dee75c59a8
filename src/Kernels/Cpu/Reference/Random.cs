using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The random family: element i draws Philox counter <c>offset + i</c> under key <c>seed</c>.</summary>
internal static class Random
{
    /// <summary>Fills the whole float buffer from the Philox stream.</summary>
    public static void Run<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        Span<T> dst = CpuBuffer.Of(destination).Span<T>();
        for (int i = 0; i < dst.Length; i++) dst[i] = Philox.Draw<T>(distribution, seed, offset + (ulong)i);
    }
}
