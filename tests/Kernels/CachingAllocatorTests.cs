using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Kernels;

/// The device allocator when the driver runs out of memory: it collects (the blocks of dropped
/// tensors come back), hands its idle blocks back to the driver and tries once more, then throws an
/// error that names the device and the sizes. The driver here is the simulator's, with a capacity
/// of 4 KiB enforced by the test.
[NonParallelizable]
public sealed class CachingAllocatorTests
{
    private const long Capacity = 4096;

    private Accelerator _accelerator = null!;
    private Backend _backend = null!;
    private readonly List<MemoryBuffer1D<byte, Stride1D.Dense>> _driverBlocks = [];

    [OneTimeSetUp]
    public void Open()
    {
        _accelerator = IlgpuDevices.Open(IlgpuKind.Simulator, 0).Accelerator;
        _backend = TestDevices.Require(IlgpuDevices.SimulatorName).Backend;
    }

    [OneTimeTearDown]
    public void Close() => _accelerator.Dispose();

    [SetUp]
    public void Forget() => _driverBlocks.Clear();

    /// <summary>The driver: out of memory when its live blocks and the request exceed the capacity.</summary>
    private MemoryBuffer1D<byte, Stride1D.Dense> Driver(long bytes)
    {
        long used = _driverBlocks.Where(b => !b.IsDisposed).Sum(b => b.Length);
        if (used + bytes > Capacity) throw new OutOfMemoryException($"test driver: {used} + {bytes} bytes exceed {Capacity}");
        var block = _accelerator.Allocate1D<byte>(bytes);
        _driverBlocks.Add(block);
        return block;
    }

    private CachingAllocator NewAllocator() => new("test-device", 1L << 30, Driver, () => { });

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void RentAndDrop(CachingAllocator allocator, int count, int floats)
    {
        for (int i = 0; i < count; i++) allocator.Rent(_backend, DType.Float32, floats);
    }

    [Test]
    public void OutOfMemoryCollectsTheBlocksOfDroppedBuffers()
    {
        var allocator = NewAllocator();
        RentAndDrop(allocator, 16, 64); // 16 blocks of 256 bytes fill the device, then are dropped undisposed
        using var again = allocator.Rent(_backend, DType.Float32, 64);
        Assert.That(allocator.Collections, Is.EqualTo(1), "the failed allocation collected");
        Assert.That(allocator.Blocks, Is.EqualTo(16), "a returned block served the request");
    }

    [Test]
    public void OutOfMemoryHandsIdleBlocksOfOtherSizesBack()
    {
        var allocator = NewAllocator();
        var idle = Enumerable.Range(0, 8).Select(_ => allocator.Rent(_backend, DType.Float32, 128)).ToList(); // 8 x 512 bytes
        foreach (var buffer in idle) buffer.Dispose();
        Assert.That(allocator.HeldBytes, Is.EqualTo(Capacity));
        using var big = allocator.Rent(_backend, DType.Float32, 256); // 1 KiB: only after the idle blocks went back
        Assert.That(allocator.Blocks, Is.EqualTo(1));
        Assert.That(allocator.HeldBytes, Is.EqualTo(1024));
        Assert.That(_driverBlocks.Count(b => !b.IsDisposed), Is.EqualTo(1), "the idle blocks were freed on the driver");
    }

    [Test]
    public void OutOfMemoryWithEverythingLiveNamesTheSizes()
    {
        var allocator = NewAllocator();
        var live = Enumerable.Range(0, 16).Select(_ => allocator.Rent(_backend, DType.Float32, 64)).ToList();
        var ex = Assert.Throws<DeviceOutOfMemoryException>(() => allocator.Rent(_backend, DType.Float64, 100));
        Assert.That(ex!.Message, Does.StartWith("test-device: out of memory allocating 1024 bytes")
            .And.Contain("the pool holds 4096 bytes in 16 blocks, 4096 bytes of it in use by live tensors"));
        Assert.That((ex.Device, ex.RequestedBytes, ex.HeldBytes), Is.EqualTo(("test-device", 1024L, 4096L)));
        Assert.That(ex.InnerException, Is.TypeOf<OutOfMemoryException>());
        foreach (var buffer in live) buffer.Dispose();
        using var fits = allocator.Rent(_backend, DType.Float64, 100); // the pool recovers once memory is free
        Assert.That(allocator.HeldBytes, Is.EqualTo(1024));
    }
}
