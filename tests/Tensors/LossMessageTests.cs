using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Tensors;

/// <summary>A loss called with wrong targets names the loss and the user's mistake, not an internal op.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class LossMessageTests(string device)
{
    [SetUp]
    public void UseDevice() => Device.Default = TestDevices.Require(device);

    [TearDown]
    public void RestoreDevice() => Device.Default = Device.Cpu;

    [Test]
    public void FloatClassTargetsOfShapeNSayThatIndicesAreInt32()
    {
        var logits = Tensor.Randn([4, 10], new Generator(1));
        var labels = Tensor.FromArray(new float[] { 1, 0, 9, 3 });
        var ex = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, labels));
        Assert.That(ex!.Message, Is.EqualTo("cross_entropy: target of shape [4] is Float32, but class indices must be Int32 [N] (convert them with target.To(DType.Int32)); " +
            "a Float32 target holds class probabilities [N, C] = [4, 10], like the logits"));
        ex = Assert.Throws<ArgumentException>(() => Functional.CrossEntropy(logits, Tensor.Zeros([4, 9])));
        Assert.That(ex!.Message, Is.EqualTo("cross_entropy: target must be Int32 class indices [N] = [4] or class probabilities [N, C] = [4, 10]; got Float32 [4, 9] for logits [4, 10]"));
    }

    [Test]
    public void AnOutOfRangeLabelIsNamedByCrossEntropy()
    {
        var logits = Tensor.Randn([4, 10], new Generator(2));
        var labels = Tensor.FromArray(new[] { 3, 0, 10, 2 });
        if (Device.Default.Backend.Name != "cpu")
        {
            // Device memory: no per-step copy to the host; gather's bounds check reports it (by the next download at the latest).
            Assert.That(() => Functional.CrossEntropy(logits, labels).Item(), Throws.Exception.With.Message.Contain("10").And.Message.Contain("out of range"));
            return;
        }
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, labels));
        Assert.That(ex!.Message, Does.StartWith("cross_entropy: target[2] = 10 is not a class of the logits [4, 10]: class indices must be in 0..9"));
        Assert.That(ex.ActualValue, Is.EqualTo(10));
        // A strided view of the labels is read where its elements are.
        var strided = Tensor.FromArray(new[] { 1, 7, -1, 7, 2, 7, 4, 7 }).Slice(0, 0, 8, 2);
        ex = Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, strided));
        Assert.That(ex!.Message, Does.StartWith("cross_entropy: target[1] = -1 is not a class"));
    }
}
