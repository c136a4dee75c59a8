using System.Globalization;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// "The same bits on any core count": the threaded CPU kernels run in child processes that see 1, 2
/// and 3 processors (DOTNET_PROCESSOR_COUNT), and every output must hash the same as in this process.
[NonParallelizable]
public sealed class ThreadCountTests
{
    [Test]
    public void ThreadedKernelsGiveTheSameBitsOnOneTwoAndThreeCores()
    {
        var expected = KernelBits.Hashes();
        foreach (int cores in new[] { 1, 2, 3 })
        {
            var env = new Dictionary<string, string> { ["DOTNET_PROCESSOR_COUNT"] = cores.ToString(CultureInfo.InvariantCulture) };
            using var child = ChildProcess.Start(env, "kernel-bits");
            string output = child.StandardOutput.ReadToEnd();
            string errors = child.StandardError.ReadToEnd();
            child.WaitForExit();
            Assert.That(child.ExitCode, Is.Zero, $"child on {cores} cores failed: {errors}");
            var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            Assert.That(lines[0], Is.EqualTo($"processors {cores}"), "the child must see the processor count it was given");
            var actual = lines.Skip(1).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
            Assert.That(actual.Keys, Is.EquivalentTo(expected.Select(e => e.Name)));
            foreach (var (name, hash) in expected)
                Assert.That(actual[name], Is.EqualTo(hash), $"{name} on {cores} cores differs from {Environment.ProcessorCount} cores");
        }
    }

    [Test]
    public void TheWorkloadIsRepeatableInOneProcess() =>
        Assert.That(KernelBits.Hashes(), Is.EqualTo(KernelBits.Hashes()));
}

/// Kernels whose work is split over the cores, at sizes where they are, and a hash of each output's bits.
public static class KernelBits
{
    /// Child mode "kernel-bits": prints "processors N", then one "name hash" line per output.
    public static void Print()
    {
        Console.Out.WriteLine($"processors {Environment.ProcessorCount}");
        foreach (var (name, hash) in Hashes()) Console.Out.WriteLine($"{name} {hash}");
    }

    public static List<(string Name, string Hash)> Hashes()
    {
        var cpu = new CpuBackend();
        var result = new List<(string, string)>();
        void Add(string name, DeviceBuffer buffer) => result.Add((name, Hash(cpu, buffer)));
        DeviceBuffer Normal(int n, ulong seed)
        {
            var buffer = cpu.Allocate(DType.Float32, n);
            cpu.Random(buffer, RandomDistribution.Normal, seed, 0);
            return buffer;
        }

        var x0 = Normal(1 << 17, 1);
        Add("random", x0);
        // Convolutions: images over the cores; 16 input channels take the flipped-forward input gradient.
        var g = new Conv2dGeometry(4, 16, 17, 19, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        var (nx, nw, ny) = g.Sizes;
        DeviceBuffer x = Normal(nx, 2), w = Normal(nw, 3), y = cpu.Allocate(DType.Float32, ny), bias = Normal(g.O, 4);
        DeviceBuffer dx = cpu.Allocate(DType.Float32, nx), dw = cpu.Allocate(DType.Float32, nw);
        cpu.Conv2dForward(g, x, w, y, bias);
        cpu.Conv2dBackwardInput(g, y, w, dx);
        cpu.Conv2dBackwardWeight(g, x, y, dw);
        Add("conv2d_forward", y);
        Add("conv2d_backward_input", dx);
        Add("conv2d_backward_weight", dw);
        // Products split by panels, a deep one cut along K, and a batch (whole entries per worker or not, by core count).
        foreach (var (name, args) in new[]
        {
            ("gemm", GemmArgs.Contiguous(1, 300, 200, 150)),
            ("gemm_deep", GemmArgs.Contiguous(1, 40, 30, 4100)),
            ("gemm_batch", GemmArgs.Contiguous(4, 100, 100, 100)),
        })
        {
            DeviceBuffer a = Normal(args.Batch * args.M * args.K, 5), b = Normal(args.Batch * args.K * args.N, 6), c = cpu.Allocate(DType.Float32, args.Batch * args.M * args.N);
            cpu.Gemm(args, a, b, c);
            Add(name, c);
        }
        // A linear layer's backward in one pass: halves of the rows on their own cores.
        DeviceBuffer lg = Normal(4100 * 30, 14), lx = Normal(4100 * 20, 15), lw = Normal(30 * 20, 16);
        DeviceBuffer ldw = cpu.Allocate(DType.Float32, 30 * 20), ldx = cpu.Allocate(DType.Float32, 4100 * 20), ldb = cpu.Allocate(DType.Float32, 30);
        cpu.LinearBackward(4100, 20, 30, lg, lx, lw, ldw, ldx, true, ldb);
        Add("linear_backward_weight", ldw);
        Add("linear_backward_input", ldx);
        Add("linear_backward_bias", ldb);
        // A pooled first layer's weight and bias gradients, summed window by window in two image chunks.
        var cg = new Conv2dGeometry(6, 3, 12, 12, 8, 3, 3, 1, 1, 1, 1, 1, 1);
        var cp = new Pool2dGeometry(6, 8, 12, 12, 2, 2, 2, 2, 0, 0);
        DeviceBuffer cx = Normal(cg.Sizes.X, 17), cw = Normal(cg.Sizes.W, 18), cy = cpu.Allocate(DType.Float32, 6 * 8 * 36), ci = cpu.Allocate(DType.Int32, 6 * 8 * 36);
        cpu.Conv2dForwardMaxPool(cg, cp, cx, cw, null, Epilogue.Relu, cy, ci);
        DeviceBuffer cdy = Normal(6 * 8 * 36, 19), cdw = cpu.Allocate(DType.Float32, cg.Sizes.W), cdb = cpu.Allocate(DType.Float32, 8);
        cpu.Conv2dBackwardWeightOfMaxPool(cg, cp, cx, cdy, ci, cy, cdw, cdb);
        Add("conv2d_backward_weight_of_max_pool", cdw);
        Add("conv2d_backward_bias_of_max_pool", cdb);
        // Elementwise over split ranges and rows, reductions of rows, columns and channels.
        var big = Normal(300 * 230, 7);
        var sum = cpu.Allocate(DType.Float32, 300 * 230);
        cpu.Binary<BinaryOps.Mul>(StridedView.Contiguous(big, [300, 230]), new StridedView(Normal(230, 8), [300, 230], [0, 1], 0), sum);
        Add("binary_rows", sum);
        var exp = cpu.Allocate(DType.Float32, 1 << 17);
        cpu.Unary<UnaryOps.Exp>(StridedView.Contiguous(x0, [1 << 17]), exp);
        Add("unary", exp);
        var transposed = cpu.Allocate(DType.Float32, 300 * 230);
        cpu.Copy(new StridedView(big, [230, 300], [1, 230], 0), StridedView.Contiguous(transposed, [230, 300]));
        Add("copy_transpose", transposed);
        foreach (var (name, shape) in new[] { ("reduce_rows", new[] { 300, 1 }), ("reduce_columns", new[] { 1, 230 }) })
        {
            var r = cpu.Allocate(DType.Float32, shape[0] * shape[1]);
            cpu.Reduce(ReduceOp.Sum, StridedView.Contiguous(big, [300, 230]), StridedView.Contiguous(r, shape));
            Add(name, r);
        }
        var channels = cpu.Allocate(DType.Float32, g.O);
        cpu.Reduce(ReduceOp.Sum, StridedView.Contiguous(y, [g.N, g.O, g.OutH * g.OutW]), StridedView.Contiguous(channels, [1, g.O, 1]));
        Add("reduce_channels", channels);
        // Pooling planes, a scatter along the last axis (parallel rows), and max pooling's backward.
        var p = new Pool2dGeometry(8, 32, 28, 28, 2, 2, 2, 2, 0, 0);
        DeviceBuffer px = Normal(8 * 32 * 28 * 28, 9), py = cpu.Allocate(DType.Float32, 8 * 32 * 14 * 14), idx = cpu.Allocate(DType.Int32, 8 * 32 * 14 * 14);
        cpu.MaxPool2dForward(p, px, py, idx);
        var pdx = cpu.Allocate(DType.Float32, 8 * 32 * 28 * 28);
        cpu.Fill(StridedView.Contiguous(pdx, [8 * 32 * 28 * 28]), 0);
        cpu.ScatterAdd(StridedView.Contiguous(pdx, [256, 784]), 1, StridedView.Contiguous(idx, [256, 196]), StridedView.Contiguous(py, [256, 196]));
        Add("max_pool2d", py);
        Add("scatter_add", pdx);
        var mdx = cpu.Allocate(DType.Float32, 8 * 32 * 28 * 28);
        cpu.MaxPool2dBackward(p, py, idx, mdx);
        Add("max_pool2d_backward", mdx);
        cpu.AvgPool2dBackward(p, py, pdx);
        Add("avg_pool2d_backward", pdx);
        // Fused optimizer steps over split ranges.
        DeviceBuffer param = Normal(1 << 17, 10), grad = Normal(1 << 17, 11), m = Normal(1 << 17, 12), v = Normal(1 << 17, 13);
        cpu.Binary<BinaryOps.Mul>(StridedView.Contiguous(v, [1 << 17]), StridedView.Contiguous(v, [1 << 17]), v);
        cpu.AdamStep(new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 0.01, true, 3), param, grad, m, v);
        Add("adam_step", param);
        cpu.SgdStep(new SgdArgs(0.1, 0.9, 0, 0.01, true, false), param, grad, m);
        Add("sgd_step", param);
        return result;
    }

    /// FNV-1a over the buffer's elements as raw bits.
    private static string Hash(Backend backend, DeviceBuffer buffer)
    {
        var values = new int[buffer.Length];
        if (buffer.DType == DType.Int32) backend.Download<int>(buffer, values);
        else
        {
            var floats = new float[buffer.Length];
            backend.Download<float>(buffer, floats);
            for (int i = 0; i < floats.Length; i++) values[i] = BitConverter.SingleToInt32Bits(floats[i]);
        }
        ulong hash = 14695981039346656037;
        foreach (int v in values) hash = (hash ^ (uint)v) * 1099511628211;
        return hash.ToString("x16", CultureInfo.InvariantCulture);
    }
}
