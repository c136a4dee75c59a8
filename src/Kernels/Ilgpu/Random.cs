using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// The random family: element i draws counter <c>offset + i</c> of the Philox stream under the seed,
/// by the very <see cref="Philox"/> code the host uses, so every device draws the same numbers.
/// </summary>
internal sealed class Random(KernelHost host)
{
    private const int UniformSingle = 0, UniformDouble = 1, Normal = 2;

    /// <summary>Fills a float buffer with uniform [0, 1) or standard normal numbers.</summary>
    public void Run(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        int n = destination.Length;
        if (n == 0) return;
        bool single = destination.DType == DType.Float32;
        int mode = distribution == RandomDistribution.Normal ? Normal : single ? UniformSingle : UniformDouble;
        if (single) Launch<float, Cast>(destination, n, seed, offset, mode);
        else Launch<double, Cast>(destination, n, seed, offset, mode);
    }

    private void Launch<T, TCast>(DeviceBuffer y, int n, ulong seed, ulong offset, int mode) where T : unmanaged where TCast : ICast<double, T> =>
        host.Kernel(static a => a.LoadStreamKernel<ArrayView<T>, int, ulong, ulong, int>(Kernel<T, TCast>))
            (host.Spread(n), KernelHost.View<T>(y), n, seed, offset, mode);

    private static void Kernel<T, TCast>(ArrayView<T> y, int n, ulong seed, ulong offset, int mode)
        where T : unmanaged where TCast : ICast<double, T>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            ulong counter = offset + (ulong)i;
            double value = mode == Normal ? Philox.Normal(seed, counter)
                : mode == UniformDouble ? Philox.UniformDouble(seed, counter)
                : Philox.UniformSingle(seed, counter);
            y[i] = TCast.Convert(value);
        }
    }
}
