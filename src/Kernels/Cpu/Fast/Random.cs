using System.Numerics;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>The random family: the Philox stream, element ranges split over the cores (each element depends only on its counter).</summary>
internal static class Random
{
    /// <summary>Element i of the float buffer draws counter <c>offset + i</c> under key <paramref name="seed"/>.</summary>
    public static void Run<T>(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] dst = CpuBuffer.ArrayOf<T>(destination);
        Partition.Parallel(destination.Length, destination.Length * 16L, (lo, hi) =>
        {
            for (int i = lo; i < hi; i++) dst[i] = Philox.Draw<T>(distribution, seed, offset + (ulong)i);
        });
    }
}
