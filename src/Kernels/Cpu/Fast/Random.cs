namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>The random family: the Philox stream, element ranges split over the cores (each element depends only on its counter).</summary>
internal static class Random
{
    /// <summary>Element i of the float buffer draws counter <c>offset + i</c> under key <paramref name="seed"/>.</summary>
    public static void Run(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        bool normal = distribution == RandomDistribution.Normal;
        if (destination.DType == DType.Float32)
        {
            float[] dst = CpuBuffer.ArrayOf<float>(destination);
            Partition.Parallel(destination.Length, destination.Length * 16L, (lo, hi) =>
            {
                for (int i = lo; i < hi; i++)
                {
                    ulong counter = offset + (ulong)i;
                    dst[i] = normal ? (float)Philox.Normal(seed, counter) : Philox.UniformSingle(seed, counter);
                }
            });
        }
        else
        {
            double[] dst = CpuBuffer.ArrayOf<double>(destination);
            Partition.Parallel(destination.Length, destination.Length * 16L, (lo, hi) =>
            {
                for (int i = lo; i < hi; i++)
                {
                    ulong counter = offset + (ulong)i;
                    dst[i] = normal ? Philox.Normal(seed, counter) : Philox.UniformDouble(seed, counter);
                }
            });
        }
    }
}
