using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// Kernels on cases small enough to work out by hand, and the argument checks: on the reference,
/// the fast CPU backend and every kernel device (an absent device is Ignored unless TINYGRAD_REQUIRE names it).
[TestFixtureSource(nameof(Backends))]
public sealed class HandWorkedKernelTests(string backend)
{
    public static IEnumerable<string> Backends => ["reference", .. TestDevices.Names];

    private Backend _backend = null!;

    [OneTimeSetUp]
    public void Open() => _backend = backend switch
    {
        "reference" => new ReferenceBackend(),
        _ => TestDevices.Require(backend).Backend,
    };

    private DeviceBuffer Buffer(params double[] values) => _backend.Upload(values);

    private DeviceBuffer Ints(params int[] values) => _backend.Upload(values);

    private double[] Read(DeviceBuffer buffer) => _backend.Read<double>(buffer);

    private int[] ReadInts(DeviceBuffer buffer) => _backend.Read<int>(buffer);

    [Test]
    public void Int32ComparisonsByHand()
    {
        var a = Ints(3, -1, 7, 16777217);
        var b = Ints(3, 16777216);
        var y = Ints(0, 0, 0, 0, 0, 0, 0, 0);
        var va = new StridedView(a, [2, 4], [0, 1], 0);
        var vb = new StridedView(b, [2, 4], [1, 0], 0);
        _backend.Compare<Comparisons.Less>(va, vb, y);
        // Row 0 compares with 3, row 1 with 2^24 (which Float32 could not tell from 2^24 + 1).
        Assert.That(ReadInts(y), Is.EqualTo(new[] { 0, 1, 0, 0, 1, 1, 1, 0 }));
        _backend.Compare<Comparisons.GreaterEqual>(va, vb, y);
        Assert.That(ReadInts(y), Is.EqualTo(new[] { 1, 0, 1, 1, 0, 0, 0, 1 }));
        _backend.Compare<Comparisons.Equal>(va, vb, y);
        Assert.That(ReadInts(y), Is.EqualTo(new[] { 1, 0, 0, 0, 0, 0, 0, 0 }));
    }

    [Test]
    public void Conv2x2ByHand()
    {
        var x = Buffer(1, 2, 3, 4, 5, 6, 7, 8, 9);
        var w = Buffer(1, 2, 3, 4);
        var y = Buffer(0, 0, 0, 0);
        _backend.Conv2dForward(new Conv2dGeometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1), x, w, y);
        // y[p,q] = x[p,q] + 2 x[p,q+1] + 3 x[p+1,q] + 4 x[p+1,q+1]
        Assert.That(Read(y), Is.EqualTo(new double[] { 37, 47, 67, 77 }));
    }

    [Test]
    public void ConvBackwardByHand()
    {
        var g = new Conv2dGeometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1);
        var dy = Buffer(1, 0, 0, 1);
        var w = Buffer(1, 2, 3, 4);
        var dx = Buffer(new double[9]);
        _backend.Conv2dBackwardInput(g, dy, w, dx);
        // dy (0,0) spreads w over x[0..1, 0..1]; dy (1,1) over x[1..2, 1..2].
        Assert.That(Read(dx), Is.EqualTo(new double[] { 1, 2, 0, 3, 4 + 1, 2, 0, 3, 4 }));
        var x = Buffer(1, 2, 3, 4, 5, 6, 7, 8, 9);
        var dw = Buffer(9, 9, 9, 9);
        _backend.Conv2dBackwardWeight(g, x, dy, dw);
        // dw[i,j] = x[i,j] + x[i+1,j+1]
        Assert.That(Read(dw), Is.EqualTo(new double[] { 1 + 5, 2 + 6, 4 + 8, 5 + 9 }));
    }

    [Test]
    public void MaxPool3x3WithPaddingByHand()
    {
        var x = Buffer(1, 2, 3, 4, 5, 6, 7, 8, 9);
        var y = Buffer(new double[9]);
        var idx = Ints(new int[9]);
        _backend.MaxPool2dForward(new Pool2dGeometry(1, 1, 3, 3, 3, 3, 1, 1, 1, 1), x, y, idx);
        Assert.That(Read(y), Is.EqualTo(new double[] { 5, 6, 6, 8, 9, 9, 8, 9, 9 }));
        Assert.That(ReadInts(idx), Is.EqualTo(new[] { 4, 5, 5, 7, 8, 8, 7, 8, 8 }));
    }

    [Test]
    public void MaxPoolFirstMaximumWinsAndNaNPropagates()
    {
        var x = Buffer(2, 2, 1, double.NaN);
        var y = Buffer(0, 0);
        var idx = Ints(0, 0);
        _backend.MaxPool2dForward(new Pool2dGeometry(1, 1, 1, 4, 1, 2, 1, 2, 0, 0), x, y, idx);
        Assert.That(Read(y)[0], Is.EqualTo(2));
        Assert.That(double.IsNaN(Read(y)[1]));
        Assert.That(ReadInts(idx), Is.EqualTo(new[] { 0, 3 }));
    }

    [Test]
    public void MaxPoolBackwardSumsOverlappingWindowsByHand()
    {
        // 1 x 3 input, windows of 2 with stride 1: both windows pick the middle 5.
        var y = Buffer(0, 0);
        var idx = Ints(-1, -1);
        var g = new Pool2dGeometry(1, 1, 1, 3, 1, 2, 1, 1, 0, 0);
        _backend.MaxPool2dForward(g, Buffer(1, 5, 2), y, idx);
        Assert.That(ReadInts(idx), Is.EqualTo(new[] { 1, 1 }));
        var dx = Buffer(9, 9, 9);
        _backend.MaxPool2dBackward(g, Buffer(0.5, 2), idx, dx);
        Assert.That(Read(dx), Is.EqualTo(new[] { 0, 2.5, 0 }));
    }

    [Test]
    public void MaxPool2x2BackwardWritesEachCellOnceByHand()
    {
        // A 3 x 5 plane, 2x2 windows with stride 2: two windows, row 2 and column 4 outside both.
        var g = new Pool2dGeometry(1, 1, 3, 5, 2, 2, 2, 2, 0, 0);
        var dx = Buffer(Enumerable.Repeat(9.0, 15).ToArray());
        // Window 0's maximum at (1, 1), window 1's at (0, 2); dy -0 there adds to +0, as a scatter-add into zeros.
        _backend.MaxPool2dBackward(g, Buffer(4, -0.0), Ints(6, 2), dx);
        double[] got = Read(dx);
        Assert.That(got, Is.EqualTo(new double[] { 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0 }));
        Assert.That(got.All(v => !double.IsNegative(v)), Is.True, "no -0: " + string.Join(", ", got));
        // The other corners: window 0's at (0, 1), window 1's at (1, 3).
        _backend.MaxPool2dBackward(g, Buffer(4, 3), Ints(1, 8), dx);
        Assert.That(Read(dx), Is.EqualTo(new double[] { 0, 4, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0, 0, 0, 0 }));
        // Float32 (the vectorised path on the CPU): four windows in a row on a 2 x 9 plane, the -0 at (1, 3).
        var wide = new Pool2dGeometry(1, 1, 2, 9, 2, 2, 2, 2, 0, 0);
        var dxWide = _backend.Upload(Enumerable.Repeat(9f, 18).ToArray());
        _backend.MaxPool2dBackward(wide, _backend.Upload(new[] { 1f, -0f, 2f, 3f }), Ints(0, 12, 5, 16), dxWide);
        float[] wideGot = _backend.Read<float>(dxWide);
        Assert.That(wideGot, Is.EqualTo(new float[] { 1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0 }));
        Assert.That(wideGot.All(v => !float.IsNegative(v)), Is.True, "no -0: " + string.Join(", ", wideGot));
    }

    [Test]
    public void AvgPoolCountsPaddingByHand()
    {
        var x = Buffer(1, 2, 3, 4);
        var y = Buffer(new double[9]);
        _backend.AvgPool2dForward(new Pool2dGeometry(1, 1, 2, 2, 2, 2, 1, 1, 1, 1), x, y);
        // 3x3 output windows of a 2x2 input padded by 1; each divides by 4, padding included.
        Assert.That(Read(y), Is.EqualTo(new[] { 0.25, 0.75, 0.5, 1, 2.5, 1.5, 0.75, 1.75, 1 }));
        var dx = Buffer(new double[4]);
        _backend.AvgPool2dBackward(new Pool2dGeometry(1, 1, 2, 2, 2, 2, 1, 1, 1, 1), Buffer(1, 1, 1, 1, 1, 1, 1, 1, 1), dx);
        // Every input cell lies in 4 windows.
        Assert.That(Read(dx), Is.EqualTo(new[] { 1.0, 1, 1, 1 }));
    }

    [Test]
    public void Gemm2x3x2ByHand()
    {
        var a = Buffer(1, 2, 3, 4, 5, 6);
        var b = Buffer(7, 8, 9, 10, 11, 12);
        var c = Buffer(1, 1, 1, 1);
        _backend.Gemm(GemmArgs.Contiguous(1, 2, 2, 3), a, b, c);
        Assert.That(Read(c), Is.EqualTo(new double[] { 58, 64, 139, 154 }));
        // Transposed A (stored 3 x 2), alpha 2, beta -1 over the previous result.
        var at = Buffer(1, 4, 2, 5, 3, 6);
        _backend.Gemm(new GemmArgs(1, 2, 2, 3, true, false, 0, 2, 0, 0, 2, 0, 0, 2, 0, 2, -1), at, b, c);
        Assert.That(Read(c), Is.EqualTo(new double[] { 58, 64, 139, 154 }));
    }

    [Test]
    public void GemmReluEpilogueByHand()
    {
        // A (3 x 2) times B (2 x 2) = [1, -2; -3, -4; NaN, NaN], plus the bias [0.5, 2].
        var a = Buffer(1, 2, -3, 4, double.NaN, 0);
        var b = Buffer(1, 0, 0, -1);
        var bias = Buffer(0.5, 2);
        var c = Buffer(9, 9, 9, 9, 9, 9);
        _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, bias, Epilogue.Relu);
        double[] y = Read(c);
        // Below 0 gives +0 (as PyTorch's relu), -2 + 2 stays +0, NaN stays NaN.
        Assert.That(y, Is.EqualTo(new[] { 1.5, 0, 0, 0, double.NaN, double.NaN }));
        Assert.That(y.Skip(1).Take(3).All(v => !double.IsNegative(v)), Is.True, string.Join(", ", y));
        Assert.Throws<ArgumentOutOfRangeException>(() => _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, bias, (Epilogue)7));
    }

    [Test]
    public void GemmReluGradientEpilogueByHand()
    {
        // A (3 x 2) times B (2 x 2) = [1, -2; -3, -4; 5, -6], plus the bias [0.5, 2]: [1.5, 0; -2.5, -2; 5.5, -4].
        var a = Buffer(1, 2, -3, 4, 5, 6);
        var b = Buffer(1, 0, 0, -1);
        var bias = Buffer(0.5, 2);
        // The ReLU's output: zero (and -0) drops the element, positive and NaN keep it.
        var relu = Buffer(3, 0, -0.0, double.NaN, 0, 1);
        var c = Buffer(9, 9, 9, 9, 9, 9);
        _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, bias, Epilogue.ReluGradient, relu);
        double[] y = Read(c);
        Assert.That(y, Is.EqualTo(new[] { 1.5, 0, 0, -2, 0, -4 }));
        Assert.That(y.Where(v => v == 0).All(v => !double.IsNegative(v)), Is.True, "dropped elements are +0: " + string.Join(", ", y));
        // The mask is required with ReluGradient, refused with the others, and C must be dense.
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, null, Epilogue.ReluGradient))!.Message, Does.Contain("ReluGradient"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, null, Epilogue.Relu, relu))!.Message, Does.Contain("auxiliary"));
        var padded = new GemmArgs(1, 2, 2, 2, false, false, 0, 2, 0, 0, 2, 0, 0, 3, 0);
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Gemm(padded, a, b, c, null, Epilogue.ReluGradient, relu))!.Message, Does.Contain("dense C"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Gemm(GemmArgs.Contiguous(1, 3, 2, 2), a, b, c, null, Epilogue.ReluGradient, Buffer(1, 2)))!.Message, Does.Contain("ReluGradient input"));
    }

    [Test]
    public void ConvReluEpilogueByHand()
    {
        var x = Buffer(1, 2, 3, 4, 5, 6, 7, 8, 9);
        var w = Buffer(1, 2, -3, -4);
        var y = Buffer(0, 0, 0, 0);
        var g = new Conv2dGeometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1);
        // Without the epilogue: x[p,q] + 2 x[p,q+1] - 3 x[p+1,q] - 4 x[p+1,q+1] + 40 = 13, 9, 1, -3.
        _backend.Conv2dForward(g, x, w, y, Buffer(40));
        Assert.That(Read(y), Is.EqualTo(new double[] { 13, 9, 1, -3 }));
        _backend.Conv2dForward(g, x, w, y, Buffer(40), Epilogue.Relu);
        Assert.That(Read(y), Is.EqualTo(new double[] { 13, 9, 1, 0 }));
        _backend.Conv2dForward(g, x, w, y, null, Epilogue.Relu);
        Assert.That(Read(y), Is.EqualTo(new double[] { 0, 0, 0, 0 }));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Conv2dForward(g, x, w, y, null, Epilogue.ReluGradient))!.Message, Does.Contain("GEMM"));
    }

    [Test]
    public void AdamOneStepByHand()
    {
        var p = Buffer(1.0);
        var g = Buffer(0.5);
        var m = Buffer(0.0);
        var v = Buffer(0.0);
        _backend.AdamStep(new AdamArgs(0.1, 0.9, 0.999, 1e-8, 0, false, 1), p, g, m, v);
        // PyTorch: m = 0.05, v = 0.00025; p -= lr / (1 - 0.9) * m / (sqrt(v) / sqrt(1 - 0.999) + eps).
        double mExpected = 0.1 * 0.5, vExpected = 0.001 * 0.25;
        double pExpected = 1 - 0.1 / 0.1 * mExpected / (Math.Sqrt(vExpected) / Math.Sqrt(0.001) + 1e-8);
        Assert.That(Read(m)[0], Is.EqualTo(mExpected).Within(1e-15));
        Assert.That(Read(v)[0], Is.EqualTo(vExpected).Within(1e-15));
        Assert.That(Read(p)[0], Is.EqualTo(pExpected).Within(1e-12));
        Assert.That(Read(p)[0], Is.EqualTo(0.9).Within(1e-7));
    }

    [Test]
    public void AdamWDecaysBeforeTheStep()
    {
        var p = Buffer(2.0);
        var g = Buffer(0.0);
        var m = Buffer(0.0);
        var v = Buffer(0.0);
        _backend.AdamStep(new AdamArgs(0.1, 0.9, 0.999, 1e-8, 0.5, true, 1), p, g, m, v);
        // Zero gradient: only the decoupled decay p *= 1 - lr * wd acts.
        Assert.That(Read(p)[0], Is.EqualTo(2.0 * 0.95).Within(1e-15));
    }

    [Test]
    public void SgdMomentumByHand()
    {
        var p = Buffer(1.0);
        var g = Buffer(2.0);
        var buf = Buffer(0.5);
        _backend.SgdStep(new SgdArgs(0.1, 0.9, 0.5, 0, false, false), p, g, buf);
        // buf = 0.9 * 0.5 + 0.5 * 2 = 1.45; p = 1 - 0.1 * 1.45
        Assert.That(Read(buf)[0], Is.EqualTo(1.45).Within(1e-15));
        Assert.That(Read(p)[0], Is.EqualTo(0.855).Within(1e-15));
    }

    [Test]
    public void GatherRejectsOutOfRangeIndex()
    {
        var src = Buffer(1, 2, 3, 4, 5, 6);
        var dst = Buffer(0, 0);
        var index = Ints(1, 7);
        var ex = IndexError(() => _backend.Gather(StridedView.Contiguous(src, [2, 3]), 1, StridedView.Contiguous(index, [2, 1]), dst), dst);
        Assert.That(ex.Message, Does.StartWith("gather: ").And.Contain("out of range for dimension 1 of size 3"));
        // The host backends also name the offending value (a device kernel only records that one was out of range).
        if (backend is "reference" or "cpu") Assert.That(ex.Message, Does.Contain("index 7"));
        var negative = Ints(-1, 0);
        ex = IndexError(() => _backend.Gather(StridedView.Contiguous(src, [2, 3]), 0, StridedView.Contiguous(negative, [1, 2]), dst), dst);
        Assert.That(ex.Message, Does.Contain("out of range for dimension 0 of size 2"));
        // The backend keeps working after the error (a device clears its error record).
        _backend.Gather(StridedView.Contiguous(src, [2, 3]), 1, StridedView.Contiguous(Ints(2, 0), [2, 1]), dst);
        Assert.That(Read(dst), Is.EqualTo(new double[] { 3, 4 }));
    }

    [Test]
    public void ScatterAddRejectsOutOfRangeIndex()
    {
        var dst = Buffer(0, 0, 0);
        var src = Buffer(1, 1);
        var index = Ints(0, 3);
        var ex = IndexError(() => _backend.ScatterAdd(StridedView.Contiguous(dst, [3]), 0, StridedView.Contiguous(index, [2]), StridedView.Contiguous(src, [2])), dst);
        Assert.That(ex.Message, Does.StartWith("scatter_add: ").And.Contain("out of range for dimension 0 of size 3"));
        _backend.ScatterAdd(StridedView.Contiguous(dst, [3]), 0, StridedView.Contiguous(Ints(2, 2), [2]), StridedView.Contiguous(Buffer(1, 10), [2]));
        // The failed call's valid add (index 0) landed before the bad index stopped it; the bad one did not.
        Assert.That(Read(dst), Is.EqualTo(new double[] { 1, 0, 11 }));
    }

    /// <summary>
    /// The index error of <paramref name="call"/>: thrown by the call on the CPU backends; on a device,
    /// by the next download (of <paramref name="readBack"/>), while the call itself only queues.
    /// </summary>
    private ArgumentOutOfRangeException IndexError(Action call, DeviceBuffer readBack)
    {
        if (backend is "reference" or "cpu") return Assert.Throws<ArgumentOutOfRangeException>(() => call())!;
        Assert.DoesNotThrow(() => call(), "a device reports index errors at the next download");
        return Assert.Throws<ArgumentOutOfRangeException>(() => Read(readBack))!;
    }

    [Test]
    public void OutOfBoundsViewsAreRejected()
    {
        var small = Buffer(1, 2, 3, 4);
        var y = Buffer(new double[8]);
        var tooBig = new StridedView(small, [2, 4], [4, 1], 0);
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Copy(tooBig, StridedView.Contiguous(y, [2, 4])))!.Message, Does.Contain("copy"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Unary<UnaryOps.Exp>(tooBig, y))!.Message, Does.Contain("unary"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Binary<BinaryOps.Add>(tooBig, tooBig, y))!.Message, Does.Contain("binary"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Fill(new StridedView(small, [2], [1], 3), 0))!.Message, Does.Contain("fill"));
        var negative = new StridedView(small, [2], [-1], 0);
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Reduce(ReduceOp.Sum, negative, StridedView.Contiguous(y, [1])))!.Message, Does.Contain("reduce"));
        var args = GemmArgs.Contiguous(1, 2, 2, 2) with { OffsetC = 6 };
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Gemm(args, small, small, y))!.Message, Does.Contain("gemm C"));
        Assert.That(Assert.Throws<ArgumentException>(() => _backend.Conv2dForward(new Conv2dGeometry(1, 1, 3, 3, 1, 2, 2, 1, 1, 0, 0, 1, 1), small, small, y))!.Message, Does.Contain("conv2d forward"));
    }
}
