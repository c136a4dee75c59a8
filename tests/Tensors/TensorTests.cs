using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Tensors;

[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class TensorTests(string device) : DeviceFixture(device)
{
    private static Tensor Range(params int[] shape)
    {
        int n = shape.Aggregate(1, (a, b) => a * b);
        return Tensor.Arange(n, DType.Float64).Reshape(shape);
    }

    [Test]
    public void ViewsShareMemoryWithoutCopying()
    {
        var x = Range(2, 3, 4);
        var p = x.Permute(2, 0, 1);
        Assert.That(p.Shape.ToArray(), Is.EqualTo(new[] { 4, 2, 3 }));
        Assert.That(p.Strides.ToArray(), Is.EqualTo(new[] { 1, 12, 4 }));
        Assert.That(p.IsContiguous, Is.False);
        var s = x.Slice(2, 1, 4, 2);
        Assert.That(s.ToArray<double>(), Is.EqualTo(new double[] { 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23 }));
        var e = Range(3, 1).Expand(2, 3, 4);
        Assert.That(e.Strides.ToArray(), Is.EqualTo(new[] { 0, 1, 0 }));
        var r = x.Reshape(6, 4);
        Assert.That(r.IsContiguous, Is.True);
        // Writing through the original shows up in every view: they share the buffer.
        using (TinyGrad.Autograd.NoGrad()) x.CopyFrom(Tensor.Zeros([2, 3, 4], DType.Float64));
        Assert.That(r.ToArray<double>().All(v => v == 0), Is.True);
        Assert.That(s.ToArray<double>().All(v => v == 0), Is.True);
    }

    [Test]
    public void ElementwiseOpsKeepAPermutedDenseLayout()
    {
        // A permuted dense input is computed in memory order and the result keeps its layout (as in
        // PyTorch); values are those of the logical elements. A broadcast operand keeps row-major.
        var x = (Range(2, 3, 4) - 11.5).Permute(2, 0, 1);
        var expected = x.Contiguous().ToArray<double>();
        var relu = x.Relu();
        Assert.That(relu.Strides.ToArray(), Is.EqualTo(new[] { 1, 12, 4 }));
        Assert.That(relu.ToArray<double>(), Is.EqualTo(expected.Select(v => Math.Max(v, 0)).ToArray()));
        var sum = x + x * x;
        Assert.That(sum.Strides.ToArray(), Is.EqualTo(new[] { 1, 12, 4 }));
        Assert.That(sum.ToArray<double>(), Is.EqualTo(expected.Select(v => v + v * v).ToArray()));
        var mixed = x + Range(4, 2, 3);
        Assert.That(mixed.IsContiguous, Is.True);
        Assert.That(mixed.ToArray<double>(), Is.EqualTo(expected.Select((v, i) => v + i).ToArray()));
    }

    [Test]
    public void ReshapeOfNonContiguousCopiesOnlyWhenNeeded()
    {
        var x = Range(4, 6);
        var t = x.T; // [6, 4], strides [1, 6]
        var merged = t.Reshape(24); // needs a copy
        Assert.That(merged.ToArray<double>().Take(5), Is.EqualTo(new double[] { 0, 6, 12, 18, 1 }));
        var split = x.Slice(1, 0, 6).Reshape(4, 2, 3); // contiguous: a view
        Assert.That(split.Strides.ToArray(), Is.EqualTo(new[] { 6, 3, 1 }));
        var expandedMerge = Range(1, 3).Expand(5, 3).Unsqueeze(0).Expand(2, 5, 3).Reshape(10, 3);
        Assert.That(expandedMerge.Strides.ToArray(), Is.EqualTo(new[] { 0, 1 }));
    }

    [Test]
    public void BroadcastingFollowsNumPyRules()
    {
        var a = Range(3, 1);
        var b = Range(4);
        var c = a + b;
        Assert.That(c.Shape.ToArray(), Is.EqualTo(new[] { 3, 4 }));
        Assert.That(c.ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5 }));
    }

    [Test]
    public void ShapeErrorsNameBothShapes()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = Range(3, 4) + Range(5));
        Assert.That(ex!.Message, Does.Contain("[3, 4]").And.Contain("[5]"));
        ex = Assert.Throws<ArgumentException>(() => Range(3, 4).MatMul(Range(5, 2)));
        Assert.That(ex!.Message, Does.Contain("[3, 4]").And.Contain("[5, 2]"));
        ex = Assert.Throws<ArgumentException>(() => Range(2, 3, 5, 5).Conv2d(Range(4, 2, 3, 3)));
        Assert.That(ex!.Message, Does.Contain("[2, 3, 5, 5]").And.Contain("[4, 2, 3, 3]"));
        ex = Assert.Throws<ArgumentException>(() => Functional.MseLoss(Range(3, 2), Range(2, 3)));
        Assert.That(ex!.Message, Does.Contain("[3, 2]").And.Contain("[2, 3]"));
        ex = Assert.Throws<ArgumentException>(() => Range(3, 4).Reshape(5, -1));
        Assert.That(ex!.Message, Does.Contain("[3, 4]").And.Contain("[5, -1]"));
        ex = Assert.Throws<ArgumentException>(() => Tensor.Concat([Range(2, 3), Range(3, 3)], 1));
        Assert.That(ex!.Message, Does.Contain("[2, 3]").And.Contain("[3, 3]"));
    }

    [Test]
    public void MismatchedDtypesThrow()
    {
        var ex = Assert.Throws<ArgumentException>(() => _ = Tensor.Ones([2]) + Tensor.Ones([2], DType.Float64));
        Assert.That(ex!.Message, Does.Contain("Float32").And.Contain("Float64"));
    }

    [Test]
    public void ComparisonsAcceptInt32AndGiveInt32()
    {
        // 2^24 + 1 and 2^24 are one apart but equal as floats: the comparison must not go through Float32.
        var a = Tensor.FromArray(new[] { 1, 5, -2, 7, 16777217 }, [5]);
        var b = Tensor.FromArray(new[] { 1, 3, 0, 9, 16777216 }, [5]);
        Assert.That(a.Device, Is.SameAs(Device.Default));
        Assert.That(a.Eq(b).DType, Is.EqualTo(DType.Int32));
        Assert.That(a.Eq(b).ToArray<int>(), Is.EqualTo(new[] { 1, 0, 0, 0, 0 }));
        Assert.That(a.Ne(b).ToArray<int>(), Is.EqualTo(new[] { 0, 1, 1, 1, 1 }));
        Assert.That(a.Lt(b).ToArray<int>(), Is.EqualTo(new[] { 0, 0, 1, 1, 0 }));
        Assert.That(a.Le(b).ToArray<int>(), Is.EqualTo(new[] { 1, 0, 1, 1, 0 }));
        Assert.That(a.Gt(b).ToArray<int>(), Is.EqualTo(new[] { 0, 1, 0, 0, 1 }));
        Assert.That(a.Ge(b).ToArray<int>(), Is.EqualTo(new[] { 1, 1, 0, 0, 1 }));
        // Broadcasting and a scalar: labels against each class index.
        var labels = Tensor.FromArray(new[] { 2, 0, 1 }, [3, 1]);
        Assert.That(labels.Eq(Tensor.FromArray(new[] { 0, 1, 2 }, [3])).ToArray<int>(), Is.EqualTo(new[] { 0, 0, 1, 1, 0, 0, 0, 1, 0 }));
        Assert.That(labels.Gt(1).ToArray<int>(), Is.EqualTo(new[] { 1, 0, 0 }));
        var ex = Assert.Throws<ArgumentException>(() => a.Eq(b.To(DType.Float32)));
        Assert.That(ex!.Message, Does.Contain("eq").And.Contain("Int32").And.Contain("Float32"));
    }

    [Test]
    public void AccuracyIsTheFractionOfRowsWhoseFirstLargestLogitIsTheTarget()
    {
        // Row 2 ties between classes 0 and 2: argmax takes the first, so target 2 is a miss there.
        var logits = Tensor.FromArray(new double[] { 0.1, 2, -1, 3, 1, 2, 5, 0, 5, -1, -2, -0.5 }, [4, 3]);
        var targets = Tensor.FromArray(new[] { 1, 0, 2, 2 }, [4]);
        var accuracy = Functional.Accuracy(logits, targets);
        Assert.That(accuracy.Shape.ToArray(), Is.Empty);
        Assert.That(accuracy.DType, Is.EqualTo(DType.Float64));
        Assert.That(accuracy.Item(), Is.EqualTo(0.75));
        Assert.That(Functional.Accuracy(logits.To(DType.Float32), Tensor.FromArray(new[] { 0, 1, 0, 1 }, [4])).Item(), Is.EqualTo(0.25));
        var ex = Assert.Throws<ArgumentException>(() => Functional.Accuracy(logits, targets.To(DType.Float64)));
        Assert.That(ex!.Message, Does.StartWith("accuracy: targets must be Int32 class indices [N] = [4], got Float64 [4]"));
    }

    [Test]
    public void OutOfRangeGatherIndexNamesTheOp()
    {
        var x = Range(2, 3);
        var idx = Tensor.FromArray(new[] { 0, 3 }, [2, 1]);
        // Read back: a GPU reports a bad index at the next download (as CUDA's device-side asserts).
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.Gather(1, idx).ToArray<double>());
        Assert.That(ex!.Message, Does.StartWith("gather: ").And.Contain("out of range for dimension 1 of size 3"));
    }

    [Test]
    public void IndexSelectNamesItsBadIndex()
    {
        var x = Range(5, 2);
        // The CPU names index_select; a GPU names its gather kernel, at the next download.
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => x.IndexSelect(0, Tensor.FromArray(new[] { 1, 5 }, [2])).ToArray<double>());
        Assert.That(ex!.Message, Does.Contain("out of range for dimension 0 of size 5"));
        Assert.That(Assert.Throws<ArgumentException>(() => x.IndexSelect(1, Tensor.FromArray(new[] { 0, 1 }, [1, 2])))!.Message,
            Is.EqualTo("index_select: index must be 0-D or 1-D, got shape [1, 2]"));
        Assert.That(Assert.Throws<ArgumentException>(() => x.IndexSelect(1, Tensor.FromArray(new double[] { 0 }, [1])))!.Message,
            Is.EqualTo("index_select: index must be Int32, got Float64"));
        Assert.That(x.IndexSelect(1, Tensor.FromArray(new[] { 1, 1, 0 }, [3])).ToArray<double>(), Is.EqualTo(new double[] { 1, 1, 0, 3, 3, 2, 5, 5, 4, 7, 7, 6, 9, 9, 8 }));
    }

    [Test]
    public void CrossEntropyRejectsLabelsOutOfRange()
    {
        var logits = Tensor.Zeros([2, 3]);
        var labels = Tensor.FromArray(new[] { 0, 5 }, [2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => Functional.CrossEntropy(logits, labels).Item());
    }

    [Test]
    public void CrossEntropyMatchesHandComputation()
    {
        var logits = Tensor.FromArray(new double[] { 1, 2, 3, 1, 1, 1 }, [2, 3]);
        var labels = Tensor.FromArray(new[] { 2, 0 }, [2]);
        double l0 = -(3 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3)));
        double l1 = Math.Log(3);
        Assert.That(Functional.CrossEntropy(logits, labels).Item(), Is.EqualTo((l0 + l1) / 2).Within(1e-12));
        Assert.That(Functional.CrossEntropy(logits, labels, Reduction.Sum).Item(), Is.EqualTo(l0 + l1).Within(1e-12));
    }

    [Test]
    public void LogSoftmaxIsStableForHugeLogits()
    {
        var x = Tensor.FromArray(new float[] { 1000, 0, -1000 }, [1, 3]);
        var y = x.LogSoftmax(1).ToArray<float>();
        Assert.That(y[0], Is.EqualTo(0f));
        Assert.That(y[1], Is.EqualTo(-1000f));
        // exp(-1000) and exp(-2000) vanish next to exp(0): log-sum-exp is exactly the maximum.
        Assert.That(y[2], Is.EqualTo(-2000f));
    }

    [Test]
    public void MatMulHandlesVectorsAndBatches()
    {
        var m = Range(2, 3);
        var v = Tensor.FromArray(new double[] { 1, 0, -1 }, [3]);
        Assert.That(m.MatMul(v).ToArray<double>(), Is.EqualTo(new double[] { -2, -2 }));
        var batch = Range(4, 2, 3).MatMul(Range(3, 2));
        Assert.That(batch.Shape.ToArray(), Is.EqualTo(new[] { 4, 2, 2 }));
        // Row 0 of batch 1: [6, 7, 8] . columns [0,2,4] and [1,3,5].
        Assert.That(batch.Select(0, 1).ToArray<double>().Take(2), Is.EqualTo(new double[] { 7 * 2 + 8 * 4, 6 + 7 * 3 + 8 * 5 }));
    }

    [Test]
    public void ReductionsOverAxes()
    {
        var x = Range(2, 3);
        Assert.That(x.Sum(0).ToArray<double>(), Is.EqualTo(new double[] { 3, 5, 7 }));
        Assert.That(x.Sum(1, keepDim: true).Shape.ToArray(), Is.EqualTo(new[] { 2, 1 }));
        Assert.That(x.Mean().Item(), Is.EqualTo(2.5));
        Assert.That(x.Max(1).ToArray<double>(), Is.EqualTo(new double[] { 2, 5 }));
        Assert.That(x.Min(0).ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 2 }));
        Assert.That(x.ArgMax(1).ToArray<int>(), Is.EqualTo(new[] { 2, 2 }));
    }

    [Test]
    public void MaxPoolPicksWindowMaximaAndRoutesGradients()
    {
        var x = Tensor.FromArray(new double[] { 1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 2, 0, 0, 3, 4 }, [1, 1, 4, 4]);
        x.RequiresGrad = true;
        var (y, idx) = x.MaxPool2dWithIndices((2, 2));
        Assert.That(y.ToArray<double>(), Is.EqualTo(new double[] { 5, 9, 7, 4 }));
        Assert.That(idx.ToArray<int>(), Is.EqualTo(new[] { 1, 6, 8, 15 }));
        // A different upstream gradient per window: each must land on its own window's maximum only.
        (y * Tensor.FromArray(new double[] { 1, 2, 3, 4 }, [1, 1, 2, 2])).Sum().Backward();
        var expected = new double[16];
        (expected[1], expected[6], expected[8], expected[15]) = (1, 2, 3, 4);
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(expected));
    }

    [Test]
    public void SameSeedSameNumbersOnEveryCall()
    {
        var a = Tensor.Randn([100], new Generator(42)).ToArray<float>();
        var b = Tensor.Randn([100], new Generator(42)).ToArray<float>();
        var c = Tensor.Randn([100], new Generator(43)).ToArray<float>();
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
        var g = new Generator(7);
        var first = Tensor.Rand([10], g).ToArray<float>();
        var second = Tensor.Rand([10], g).ToArray<float>();
        Assert.That(first, Is.Not.EqualTo(second));
        Assert.That(g.Offset, Is.EqualTo(20));
    }

    [Test]
    public void ConcatAndStack()
    {
        var a = Range(2, 2);
        var b = Range(2, 1) + 10;
        Assert.That(Tensor.Concat([a, b], 1).ToArray<double>(), Is.EqualTo(new double[] { 0, 1, 10, 2, 3, 11 }));
        var s = Tensor.Stack([Range(3), Range(3) * 2], 1);
        Assert.That(s.Shape.ToArray(), Is.EqualTo(new[] { 3, 2 }));
        Assert.That(s.ToArray<double>(), Is.EqualTo(new double[] { 0, 0, 1, 2, 2, 4 }));
    }

    [Test]
    public void ItemRequiresOneElement()
    {
        Assert.Throws<InvalidOperationException>(() => Range(2).Item());
        Assert.That(Tensor.Scalar(3.5, DType.Float64).Item(), Is.EqualTo(3.5));
    }

    [Test]
    public void ToArrayOfWrongTypeThrows()
    {
        Assert.Throws<InvalidOperationException>(() => Range(2).ToArray<float>());
    }
}
