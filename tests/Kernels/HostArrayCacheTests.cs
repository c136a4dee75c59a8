using System.Runtime.CompilerServices;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// The CPU caching allocator: size classes, reuse of dropped buffers, and its own collections.
[NonParallelizable]
public sealed class HostArrayCacheTests
{
    private const int Big = 1 << 20; // floats: a 4 MiB buffer, well above HostArrayCache.MinBytes

    [Test]
    public void SizeClassesWasteAtMostAnEighth()
    {
        Assert.That(HostArrayCache.ClassBytes(1000), Is.EqualTo(1024));
        Assert.That(HostArrayCache.ClassBytes(1025), Is.EqualTo(1152));
        Assert.That(HostArrayCache.ClassBytes(4096), Is.EqualTo(4096));
        for (long bytes = 9; bytes < 1 << 24; bytes = bytes * 7 / 5 + 3)
        {
            long c = HostArrayCache.ClassBytes(bytes);
            Assert.That(c, Is.GreaterThanOrEqualTo(bytes).And.LessThanOrEqualTo(bytes + bytes / 8 + 8), $"{bytes} bytes");
            Assert.That(c % 8, Is.Zero, "whole doubles");
        }
    }

    [Test]
    public void CachedBufferShowsOnlyItsOwnLength()
    {
        var backend = new CpuBackend(new HostArrayCache());
        var buffer = (CpuBuffer)backend.Allocate(DType.Float32, Big + 3);
        Assert.That(buffer.Data.Length, Is.GreaterThan(Big + 3), "rounded up to its size class");
        Assert.That(buffer.Span<float>().Length, Is.EqualTo(Big + 3));
    }

    [Test]
    public void DroppedBufferIsReusedAfterACollection()
    {
        var cache = new HostArrayCache();
        var backend = new CpuBackend(cache);
        var array = AllocateAndDrop(backend);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        Assert.That(cache.CachedBytes, Is.EqualTo(4L * Big));
        var again = (CpuBuffer)backend.Allocate(DType.Float32, Big);
        Assert.That(ReferenceEquals(again.Data, array.Target), Is.True, "the finalized buffer's array is handed out again");
        Assert.That(cache.CachedBytes, Is.Zero);
        again.Dispose();
        Assert.That(cache.CachedBytes, Is.EqualTo(4L * Big), "Dispose returns at once");
    }

    [Test]
    public void CacheCollectsWhenTransientBuffersExceedItsBudget()
    {
        var cache = new HostArrayCache();
        var backend = new CpuBackend(cache);
        // 200 dropped 4 MiB buffers (800 MiB rented): without the cache's own collections they would
        // all be fresh arrays; with them it settles near one 64 MiB budget (a young-generation
        // collection can miss a few buffers promoted by the runtime's own collections).
        for (int i = 0; i < 200; i++) AllocateAndDrop(backend);
        Assert.That(cache.Collections, Is.GreaterThan(0));
        Assert.That(cache.OutstandingBytes + cache.CachedBytes, Is.LessThanOrEqualTo(2 * cache.Budget));
    }

    [Test]
    public void SizeClassesNoLongerRequestedAreDropped()
    {
        // Three phases with three different buffer sizes (like experiments with other shapes): without
        // dropping idle classes the cache would keep about a budget of arrays of each, over 190 MiB.
        var cache = new HostArrayCache();
        var backend = new CpuBackend(cache);
        foreach (int length in new[] { Big, Big * 5 / 4, Big * 3 / 2 })
            for (int i = 0; i < 100; i++) AllocateAndDrop(backend, length);
        Assert.That(cache.OutstandingBytes + cache.CachedBytes, Is.LessThanOrEqualTo(2 * cache.Budget));
    }

    [Test]
    public void ThreadsSharingTheCacheNeverSeeEachOthersData()
    {
        // Four threads run ops on fresh cached tensors (about 1 GiB rented in all) while the cache
        // collects and recycles the arrays of dropped ones: a recycled array that a kernel still
        // read or wrote would show up as a wrong element.
        var cache = ((CpuBackend)Device.Cpu.Backend).ArrayCache;
        int collections = cache.Collections, wrong = 0;
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, t =>
        {
            var generator = new Generator((ulong)(t + 1));
            for (int i = 0; i < 150; i++)
            {
                var x = Tensor.Randn([256, 256], generator, device: Device.Cpu);
                var y = (x * 2.0 + 1.0).Relu();
                var z = x.Transpose(0, 1).Contiguous();
                float[] xs = x.ToArray<float>(), ys = y.ToArray<float>(), zs = z.ToArray<float>();
                for (int k = 0; k < xs.Length; k++)
                    if (ys[k] != MathF.Max(xs[k] * 2 + 1, 0) || zs[k % 256 * 256 + k / 256] != xs[k]) Interlocked.Increment(ref wrong);
            }
        });
        Assert.That(wrong, Is.Zero);
        Assert.That(cache.Collections, Is.GreaterThan(collections), "the cache recycled arrays during the run");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference AllocateAndDrop(Backend backend, int length = Big)
    {
        var buffer = (CpuBuffer)backend.Allocate(DType.Float32, length);
        buffer.Span<float>()[0] = 1;
        // Tracks resurrection: the array outlives its buffer's finalization (the cache keeps it).
        return new WeakReference(buffer.Data, trackResurrection: true);
    }
}
