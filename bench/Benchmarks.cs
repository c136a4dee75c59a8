using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using TinyGrad.Kernels;

namespace TinyGrad.Bench;

/// <summary>
/// Short in-process jobs (no generated project: keeps the warnings-as-errors build out of it) with
/// a median column. <c>dotnet run -c Release --project bench -- --filter '*'</c>.
/// </summary>
public sealed class BenchConfig : ManualConfig
{
    public BenchConfig()
    {
        AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance)
            .WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(15)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150)).WithId("short-inproc"));
        AddColumn(BenchmarkDotNet.Columns.StatisticColumn.Median);
    }
}

/// <summary>
/// The devices kernel benchmarks run on: every device <c>auto</c> may pick (the GPUs present and the
/// CPU; see <see cref="DeviceKind"/>). TINYGRAD_BENCH_DEVICES (a comma list, e.g. "cpu" or
/// "cpu,ilgpu-cpu") chooses instead.
/// </summary>
public static class BenchDevices
{
    public static IEnumerable<string> Names()
    {
        if (Environment.GetEnvironmentVariable("TINYGRAD_BENCH_DEVICES") is { Length: > 0 } chosen)
            return chosen.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return DeviceKind.All.SelectMany(k => k.List().Where(k.AutoPicks)).Select(d => d.Name);
    }

    public static Backend Backend(string name) => Device.Parse(name).Backend;

    public static DeviceBuffer Random(Backend backend, int length, ulong seed)
    {
        var buffer = backend.Allocate(DType.Float32, Math.Max(1, length));
        backend.Random(buffer, RandomDistribution.Uniform, seed, 0);
        return buffer;
    }
}

[Config(typeof(BenchConfig))]
public class GemmBenchmarks
{
    private Backend backend = null!;
    private DeviceBuffer a = null!, b = null!, c = null!;

    [Params(256, 512, 1024)] public int Size { get; set; }

    [ParamsSource(nameof(Devices))] public string Device { get; set; } = "cpu";

    public static IEnumerable<string> Devices => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        backend = BenchDevices.Backend(Device);
        a = BenchDevices.Random(backend, Size * Size, 1);
        b = BenchDevices.Random(backend, Size * Size, 2);
        c = BenchDevices.Random(backend, Size * Size, 3);
    }

    /// <summary>C = A B, square float32 (2 n^3 flops).</summary>
    [Benchmark]
    public void Sgemm()
    {
        backend.Gemm(GemmArgs.Contiguous(1, Size, Size, Size), a, b, c);
        backend.Synchronize();
    }
}

[Config(typeof(BenchConfig))]
public class ConvBenchmarks
{
    /// <summary>The conv layers of the homework CNNs at batch 100.</summary>
    public static readonly Dictionary<string, Conv2dGeometry> Shapes = new()
    {
        ["mnist1 1->32 28x28 k5"] = new(100, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1),
        ["mnist2 32->20 14x14 k3"] = new(100, 32, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1),
        ["cifar1 3->32 32x32 k3"] = new(100, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1),
        ["cifar2 32->28 16x16 k3"] = new(100, 32, 16, 16, 28, 3, 3, 1, 1, 1, 1, 1, 1),
        ["cifar3 28->28 8x8 k3"] = new(100, 28, 8, 8, 28, 3, 3, 1, 1, 1, 1, 1, 1),
    };

    private Backend backend = null!;
    private DeviceBuffer x = null!, w = null!, y = null!;
    private Conv2dGeometry g;

    [ParamsSource(nameof(ShapeNames))] public string Shape { get; set; } = "";

    [ParamsSource(nameof(Devices))] public string Device { get; set; } = "cpu";

    public static IEnumerable<string> ShapeNames => Shapes.Keys;

    public static IEnumerable<string> Devices => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        backend = BenchDevices.Backend(Device);
        g = Shapes[Shape];
        var (nx, nw, ny) = g.Sizes;
        x = BenchDevices.Random(backend, nx, 1);
        w = BenchDevices.Random(backend, nw, 2);
        y = BenchDevices.Random(backend, ny, 3);
    }

    [Benchmark]
    public void Forward()
    {
        backend.Conv2dForward(g, x, w, y);
        backend.Synchronize();
    }

    [Benchmark]
    public void BackwardInput()
    {
        backend.Conv2dBackwardInput(g, y, w, x);
        backend.Synchronize();
    }

    [Benchmark]
    public void BackwardWeight()
    {
        backend.Conv2dBackwardWeight(g, x, y, w);
        backend.Synchronize();
    }
}

[Config(typeof(BenchConfig))]
public class PoolBenchmarks
{
    private Backend backend = null!;
    private DeviceBuffer x = null!, y = null!, idx = null!;
    private Pool2dGeometry g;

    /// <summary>Max pool 2x2 after mnist conv1 (100x32x28x28) and cifar conv1 (100x32x32x32).</summary>
    [Params(28, 32)] public int Size { get; set; }

    [ParamsSource(nameof(Devices))] public string Device { get; set; } = "cpu";

    public static IEnumerable<string> Devices => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        backend = BenchDevices.Backend(Device);
        g = new Pool2dGeometry(100, 32, Size, Size, 2, 2, 2, 2, 0, 0);
        x = BenchDevices.Random(backend, 100 * 32 * Size * Size, 1);
        y = BenchDevices.Random(backend, 100 * 32 * g.OutH * g.OutW, 2);
        idx = backend.Allocate(DType.Int32, 100 * 32 * g.OutH * g.OutW);
        // The backward benchmark scatters at the argmax positions: compute them once.
        backend.MaxPool2dForward(g, x, y, idx);
        backend.Synchronize();
    }

    [Benchmark]
    public void MaxPoolForward()
    {
        backend.MaxPool2dForward(g, x, y, idx);
        backend.Synchronize();
    }

    [Benchmark]
    public void MaxPoolBackward()
    {
        // The gradient of max pooling: scatter-add of dy at the argmax positions.
        int planeOut = g.OutH * g.OutW, planeIn = g.H * g.W;
        backend.Fill(StridedView.Contiguous(x, [100 * 32, planeIn]), 0);
        backend.ScatterAdd(StridedView.Contiguous(x, [100 * 32, planeIn]), 1,
            StridedView.Contiguous(idx, [100 * 32, planeOut]), StridedView.Contiguous(y, [100 * 32, planeOut]));
        backend.Synchronize();
    }
}

[Config(typeof(BenchConfig))]
public class ElementwiseBenchmarks
{
    private const int Rows = 10000, Cols = 50;
    private Backend backend = null!;
    private DeviceBuffer x = null!, bias = null!, y = null!, m = null!, v = null!;
    private int step;

    [ParamsSource(nameof(Devices))] public string Device { get; set; } = "cpu";

    public static IEnumerable<string> Devices => BenchDevices.Names();

    [GlobalSetup]
    public void Setup()
    {
        backend = BenchDevices.Backend(Device);
        x = BenchDevices.Random(backend, Rows * Cols, 1);
        bias = BenchDevices.Random(backend, Cols, 2);
        y = BenchDevices.Random(backend, Rows * Cols, 3);
        m = BenchDevices.Random(backend, Rows * Cols, 4);
        v = BenchDevices.Random(backend, Rows * Cols, 5);
    }

    /// <summary>ReLU over the fit workload's 10000x50 activations.</summary>
    [Benchmark]
    public void Relu()
    {
        backend.Unary<UnaryOps.Relu>(StridedView.Contiguous(x, [Rows, Cols]), y);
        backend.Synchronize();
    }

    /// <summary>Bias add: [10000, 50] + [50] broadcast along rows.</summary>
    [Benchmark]
    public void AddBias()
    {
        backend.Binary<BinaryOps.Add>(StridedView.Contiguous(x, [Rows, Cols]), new StridedView(bias, [Rows, Cols], [0, 1], 0), y);
        backend.Synchronize();
    }

    /// <summary>exp over 500k elements (a TensorPrimitives span form).</summary>
    [Benchmark]
    public void Exp()
    {
        backend.Unary<UnaryOps.Exp>(StridedView.Contiguous(x, [Rows, Cols]), y);
        backend.Synchronize();
    }

    /// <summary>tanh over 500k elements (a vector form of its own).</summary>
    [Benchmark]
    public void Tanh()
    {
        backend.Unary<UnaryOps.Tanh>(StridedView.Contiguous(x, [Rows, Cols]), y);
        backend.Synchronize();
    }

    /// <summary>Elementwise product of two contiguous [10000, 50] tensors.</summary>
    [Benchmark]
    public void Mul()
    {
        backend.Binary<BinaryOps.Mul>(StridedView.Contiguous(x, [Rows, Cols]), StridedView.Contiguous(m, [Rows, Cols]), y);
        backend.Synchronize();
    }

    /// <summary>x &lt; m, 1 or 0, over contiguous [10000, 50] tensors.</summary>
    [Benchmark]
    public void Less()
    {
        backend.Compare<Comparisons.Less>(StridedView.Contiguous(x, [Rows, Cols]), StridedView.Contiguous(m, [Rows, Cols]), y);
        backend.Synchronize();
    }

    /// <summary>Column sums (the bias gradient).</summary>
    [Benchmark]
    public void SumRows()
    {
        backend.Reduce(ReduceOp.Sum, StridedView.Contiguous(x, [Rows, Cols]), StridedView.Contiguous(bias, [1, Cols]));
        backend.Synchronize();
    }

    /// <summary>One fused Adam update of 500k parameters.</summary>
    [Benchmark]
    public void AdamStep()
    {
        backend.AdamStep(new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 0, false, ++step), y, x, m, v);
        backend.Synchronize();
    }
}

[Config(typeof(BenchConfig))]
public class TrainingStepBenchmarks
{
    private Workload workload = null!;

    [Params("mlp", "mnist_cnn", "cifar_cnn", "fit")] public string Name { get; set; } = "mlp";

    [GlobalSetup]
    public void Setup() => workload = Workload.Create(Name, TinyGrad.Device.Cpu);

    /// <summary>zero_grad, forward, loss, backward, Adam (the compare.sh step).</summary>
    [Benchmark]
    public void Step() => workload.Step();
}

[Config(typeof(BenchConfig))]
public class HvpBenchmarks
{
    private TinyGrad.Analysis.HessianOperator hessian = null!;
    private Tensor direction = null!;

    [GlobalSetup]
    public void Setup()
    {
        hessian = Workload.Create("mlp", TinyGrad.Device.Cpu).Hessian();
        direction = Tensor.Randn([hessian.Size], new Generator(3));
    }

    /// <summary>The flat gradient of the mlp workload's loss.</summary>
    [Benchmark(Baseline = true)]
    public Tensor Gradient() => hessian.Gradient();

    /// <summary>A Hessian-vector product by double backward on the same loss.</summary>
    [Benchmark]
    public Tensor Hvp() => hessian.Apply(direction);
}
