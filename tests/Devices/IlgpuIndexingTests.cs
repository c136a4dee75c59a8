using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Devices;

/// An index out of range inside an ILGPU kernel comes back as the reference's exception, naming the
/// op, the dimension and its size; the device keeps working afterwards.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Ilgpu))]
public sealed class IlgpuIndexingTests(string device)
{
    private IBackend backend = null!;

    [SetUp]
    public void Open() => backend = TestDevices.Require(device).Backend;

    private DeviceBuffer Floats(params float[] values)
    {
        var b = backend.Allocate(DType.Float32, values.Length);
        backend.Upload<float>(values, b);
        return b;
    }

    private DeviceBuffer Ints(params int[] values)
    {
        var b = backend.Allocate(DType.Int32, values.Length);
        backend.Upload<int>(values, b);
        return b;
    }

    [Test]
    public void GatherWithAnIndexOutOfRangeThrowsNamingTheOp()
    {
        var src = StridedView.Contiguous(Floats(1, 2, 3, 4, 5, 6), [2, 3]);
        var dst = backend.Allocate(DType.Float32, 2);
        foreach (int bad in new[] { 3, -1 })
        {
            var ex = Assert.Throws<ArgumentOutOfRangeException>(() => backend.Gather(src, 1, StridedView.Contiguous(Ints(1, bad), [2, 1]), dst));
            Assert.That(ex!.Message, Does.StartWith("gather: an index is out of range for dimension 1 of size 3"));
        }
        backend.Gather(src, 1, StridedView.Contiguous(Ints(2, 0), [2, 1]), dst);
        var got = new float[2];
        backend.Download<float>(dst, got);
        Assert.That(got, Is.EqualTo(new[] { 3f, 4f }));
    }

    [Test]
    public void ScatterAddWithAnIndexOutOfRangeThrowsNamingTheOp()
    {
        var dst = StridedView.Contiguous(Floats(0, 0, 0), [3]);
        var src = StridedView.Contiguous(Floats(1, 10), [2]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => backend.ScatterAdd(dst, 0, StridedView.Contiguous(Ints(0, 3), [2]), src));
        Assert.That(ex!.Message, Does.StartWith("scatter_add: an index is out of range for dimension 0 of size 3"));
        backend.ScatterAdd(dst, 0, StridedView.Contiguous(Ints(2, 2), [2]), src);
        var got = new float[3];
        backend.Download<float>(dst.Buffer, got);
        // The valid add of the failed call (index 0) landed; the bad one was skipped.
        Assert.That(got, Is.EqualTo(new[] { 1f, 0f, 11f }));
    }
}
