using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Kernels;

/// A device reports an index out of range the way CUDA reports a device-side assert: gather and
/// scatter-add only queue (no host wait per call), the first error's op, dimension and size are
/// thrown at the next download or synchronize, and the device works on afterwards. Indices the
/// engine made itself (max pooling's) are not checked, so they leave nothing to read back.
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Others))]
[NonParallelizable]
public sealed class DeferredIndexErrorTests(string device)
{
    private IlgpuBackend _backend = null!;

    [OneTimeSetUp]
    public void Open() => _backend = (IlgpuBackend)TestDevices.Require(device).Backend;

    private DeviceBuffer Upload<T>(params T[] values) where T : unmanaged => _backend.Upload(values);

    private double[] Read(DeviceBuffer buffer) => _backend.Read<double>(buffer);

    [Test]
    public void DeferredIndexErrorIsThrownAtTheNextDownloadWithNoHostWaitPerCall()
    {
        var src = Upload(1.0, 2, 3, 4, 5, 6);
        var dst = Upload(0.0, 0);
        var acc = Upload(0.0, 0, 0, 0, 0);
        var good = Upload(2, 0);
        var bad = Upload(1, 7);
        var ones = Upload(1.0, 1);
        _backend.Synchronize();
        long before = _backend.HostWaits;
        for (int i = 0; i < 10; i++)
        {
            _backend.Gather(StridedView.Contiguous(src, [2, 3]), 1, StridedView.Contiguous(good, [2, 1]), dst);
            _backend.ScatterAdd(StridedView.Contiguous(acc, [5]), 0, StridedView.Contiguous(good, [2]), StridedView.Contiguous(ones, [2]));
        }
        _backend.Gather(StridedView.Contiguous(src, [2, 3]), 1, StridedView.Contiguous(bad, [2, 1]), dst);
        // A later error (another op, dimension and size) does not replace the first.
        _backend.ScatterAdd(StridedView.Contiguous(acc, [5]), 0, StridedView.Contiguous(Upload(9, 9), [2]), StridedView.Contiguous(ones, [2]));
        Assert.That(_backend.HostWaits - before, Is.EqualTo(1), "22 indexing calls and one upload: only the upload waited for the device");

        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Read(dst));
        Assert.That(ex!.Message, Does.StartWith("gather: ").And.Contain("out of range for dimension 1 of size 3"));
        Assert.That(_backend.HostWaits - before, Is.EqualTo(3), "the download, then the read of the error record");

        // The device works on: the good calls' results are there, and the next download throws nothing.
        Assert.That(Read(acc), Is.EqualTo(new double[] { 10, 0, 10, 0, 0 }));
        _backend.Gather(StridedView.Contiguous(src, [2, 3]), 1, StridedView.Contiguous(good, [2, 1]), dst);
        Assert.That(Read(dst), Is.EqualTo(new double[] { 3, 4 }));

        // Synchronize reports too.
        _backend.ScatterAdd(StridedView.Contiguous(acc, [5]), 0, StridedView.Contiguous(Upload(-1, 0), [2]), StridedView.Contiguous(ones, [2]));
        ex = Assert.Throws<ArgumentOutOfRangeException>(_backend.Synchronize);
        Assert.That(ex!.Message, Does.StartWith("scatter_add: ").And.Contain("out of range for dimension 0 of size 5"));
        Assert.DoesNotThrow(_backend.Synchronize);
    }

    [Test]
    public void DeferredTensorGatherErrorSurfacesAtToArray()
    {
        var d = TestDevices.Require(device);
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3], d);
        var y = x.Gather(1, Tensor.FromArray(new[] { 0, 3 }, [2, 1], d)) * 2.0f;
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => y.ToArray<float>());
        Assert.That(ex!.Message, Does.StartWith("gather: ").And.Contain("dimension 1 of size 3"));
        Assert.That(x.Gather(1, Tensor.FromArray(new[] { 2, 0 }, [2, 1], d)).ToArray<float>(), Is.EqualTo(new float[] { 3, 4 }));
    }

    [Test]
    public void DeferredCheckSkipsMaxPoolIndices()
    {
        var d = TestDevices.Require(device);
        var x = Tensor.Randn([2, 3, 6, 6], new Generator(3), device: d);
        x.RequiresGrad = true;
        var loss = x.MaxPool2d((2, 2)).Sum();
        _backend.Synchronize();
        long before = _backend.HostWaits;
        loss.Backward(); // its scatter-add runs at max pooling's own indices
        var grad = x.Grad!.ToArray<float>();
        Assert.That(_backend.HostWaits - before, Is.EqualTo(1), "the download alone: no checked launch left a record to read");
        Assert.That(grad.Sum(), Is.EqualTo(2 * 3 * 3 * 3), "one unit of gradient per window");
    }
}
