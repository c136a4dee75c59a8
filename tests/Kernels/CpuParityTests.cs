using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// CpuBackend against ReferenceBackend, one test case per parity check: Parity("gemm", "gemm"), ...
/// The fast backend hands its declared fallbacks (CpuBackend.Fallbacks) to a recorder here, so each
/// check knows which of its calls reached the fast kernels and which compared the reference with itself.
public sealed class CpuParityTests
{
    [TestCaseSource(typeof(ParityChecks), nameof(ParityChecks.Cases))]
    public void Parity(string family, string check)
    {
        var (cpu, fallbacks) = FallbackRecorder.Cpu();
        var context = ParityChecks.Run(cpu, family, check, fallbacks);
        TestContext.Out.WriteLine($"{family}/{check}: {context.OwnCalls} calls ran the fast kernels, {context.DelegatedCalls} went to the reference ({fallbacks})");
        Assert.That(context.OwnCalls, Is.GreaterThan(context.DelegatedCalls), "most calls of a parity check must reach the fast kernels");
        foreach (string primitive in fallbacks.Counts.Keys)
            Assert.That(CpuBackend.Fallbacks.ContainsKey(primitive), $"{primitive} went to the reference, but CpuBackend.Fallbacks does not declare it");
    }

    /// One call per declared fallback that must go to the reference, and a neighbour that must not.
    private static readonly Dictionary<string, (Action<Backend> Fallback, Action<Backend> Fast)> FallbackCalls = new()
    {
        [nameof(Backend.Copy)] = (
            b => { var x = Floats(b, 20); b.Copy(StridedView.Contiguous(x, [12]), new StridedView(x, [12], [1], 5)); },
            b => { var x = Floats(b, 20); b.Copy(StridedView.Contiguous(x, [5]), new StridedView(x, [5], [1], 5)); }),
        ["Copy to Int32"] = (
            b => b.Copy(StridedView.Contiguous(Floats(b, 6), [6]), StridedView.Contiguous(b.Allocate(DType.Int32, 6), [6])),
            b => b.Copy(StridedView.Contiguous(Floats(b, 6), [6]), StridedView.Contiguous(b.Allocate(DType.Float64, 6), [6]))),
        [nameof(Backend.Unary)] = (
            b => { var x = Floats(b, 9); b.Unary<UnaryOps.Exp>(new StridedView(x, [8], [1], 1), x); },
            b => { var x = Floats(b, 9); b.Unary<UnaryOps.Exp>(StridedView.Contiguous(x, [9]), x); }),
        [nameof(Backend.Binary)] = (
            b => { var x = Floats(b, 9); b.Binary<BinaryOps.Add>(new StridedView(x, [8], [1], 1), StridedView.Contiguous(Floats(b, 8), [8]), x); },
            b => { var x = Floats(b, 8); b.Binary<BinaryOps.Add>(StridedView.Contiguous(x, [8]), StridedView.Contiguous(Floats(b, 8), [8]), x); }),
        [nameof(Backend.Compare)] = (
            b => { var x = Floats(b, 9); b.Compare<Comparisons.Less>(new StridedView(x, [8], [1], 1), StridedView.Contiguous(Floats(b, 8), [8]), x); },
            b => { var x = Floats(b, 8); b.Compare<Comparisons.Less>(StridedView.Contiguous(x, [8]), StridedView.Contiguous(Floats(b, 8), [8]), x); }),
        [nameof(Backend.Where)] = (
            b => { var x = Floats(b, 9); b.Where(new StridedView(x, [8], [1], 1), StridedView.Contiguous(Floats(b, 8), [8]), StridedView.Contiguous(Floats(b, 8), [8]), x); },
            b => { var x = Floats(b, 8); b.Where(StridedView.Contiguous(x, [8]), StridedView.Contiguous(Floats(b, 8), [8]), StridedView.Contiguous(Floats(b, 8), [8]), x); }),
        [nameof(Backend.Reduce)] = (
            b => b.Reduce(ReduceOp.Sum, StridedView.Contiguous(Floats(b, 120), [2, 3, 4, 5]), StridedView.Contiguous(Floats(b, 8), [2, 1, 4, 1])),
            b => b.Reduce(ReduceOp.Sum, StridedView.Contiguous(Floats(b, 120), [2, 3, 4, 5]), StridedView.Contiguous(Floats(b, 40), [2, 1, 4, 5]))),
        [nameof(Backend.ArgMax)] = (
            b => b.ArgMax(StridedView.Contiguous(Floats(b, 1), [0, 4]), 1, StridedView.Contiguous(b.Allocate(DType.Int32, 1), [0, 1])),
            b => b.ArgMax(StridedView.Contiguous(Floats(b, 12), [3, 4]), 1, StridedView.Contiguous(b.Allocate(DType.Int32, 3), [3, 1]))),
        [nameof(Backend.Gemm)] = (
            b => { var x = Floats(b, 20); b.Gemm(GemmArgs.Contiguous(1, 2, 2, 2) with { OffsetC = 10 }, x, Floats(b, 4), x); },
            b => b.Gemm(GemmArgs.Contiguous(1, 2, 2, 2), Floats(b, 4), Floats(b, 4), Floats(b, 4))),
        [nameof(Backend.ScatterAdd)] = (
            b => Scatter(b, DType.Int32),
            b => Scatter(b, DType.Float64)),
    };

    public static IEnumerable<string> FallbackNames => FallbackCalls.Keys;

    [TestCaseSource(nameof(FallbackNames))]
    public void DeclaredFallbackGoesToTheReferenceAndItsNeighbourDoesNot(string name)
    {
        string primitive = name.Split(' ')[0];
        var (fallback, fast) = FallbackCalls[name];
        var (cpu, recorder) = FallbackRecorder.Cpu();
        fast(cpu);
        Assert.That(recorder.Calls, Is.Zero, $"{name}: the neighbouring call ran on the reference ({recorder})");
        fallback(cpu);
        Assert.That(recorder.Counts.GetValueOrDefault(primitive), Is.EqualTo(1), $"{name}: the fallback call did not reach the reference ({recorder})");
    }

    [Test]
    public void EveryDeclaredFallbackHasACall()
    {
        var covered = FallbackCalls.Keys.Select(k => k.Split(' ')[0]).Distinct().Order();
        Assert.That(covered, Is.EqualTo(CpuBackend.Fallbacks.Keys.Order()));
    }

    [Test]
    public void DescribesItself()
    {
        var cpu = new CpuBackend();
        Assert.That(cpu.Name, Is.EqualTo("cpu"));
        Assert.That(cpu.Description, Does.Contain(Environment.ProcessorCount.ToString(System.Globalization.CultureInfo.InvariantCulture)));
    }

    private static DeviceBuffer Floats(Backend backend, int n)
    {
        var buffer = backend.Allocate(DType.Float64, n);
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = (i * 7 % 11 - 5) / 4.0;
        backend.Upload<double>(values, buffer);
        return buffer;
    }

    private static void Scatter(Backend backend, DType dtype)
    {
        var index = backend.Allocate(DType.Int32, 4);
        backend.Upload<int>([2, 0, 2, 1], index);
        var destination = backend.Allocate(dtype, 3);
        var source = backend.Allocate(dtype, 4);
        backend.Fill(StridedView.Contiguous(destination, [3]), 1);
        backend.Fill(StridedView.Contiguous(source, [4]), 2);
        backend.ScatterAdd(StridedView.Contiguous(destination, [3]), 0, StridedView.Contiguous(index, [4]), StridedView.Contiguous(source, [4]));
    }
}
