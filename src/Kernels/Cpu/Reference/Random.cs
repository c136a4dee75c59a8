namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The random family: element i draws Philox counter <c>offset + i</c> under key <c>seed</c>.</summary>
internal static class Random
{
    /// <summary>Fills the whole float buffer from the Philox stream.</summary>
    public static void Run(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        CpuBuffer dst = CpuBuffer.Of(destination);
        for (int i = 0; i < dst.Length; i++)
        {
            ulong counter = offset + (ulong)i;
            double value = distribution == RandomDistribution.Normal ? Philox.Normal(seed, counter)
                : dst.DType == DType.Float32 ? Philox.UniformSingle(seed, counter)
                : Philox.UniformDouble(seed, counter);
            dst.Set(i, value);
        }
    }
}
