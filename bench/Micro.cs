using TinyGrad.Kernels;

namespace TinyGrad.Bench;

/// <summary><c>micro</c>: single primitives at the shapes the workloads use (for profiling by hand).</summary>
public static class Micro
{
    /// <summary>Times every section, or only those named in <paramref name="only"/> (elementwise, gemm, conv, pool, epilogue, fusion).</summary>
    public static void Run(int steps, string[]? only = null)
    {
        bool Wants(string section) => only is null || Array.IndexOf(only, section) >= 0;
        var be = Device.Cpu.Backend;
        DeviceBuffer F(int n) { var b = be.Allocate(DType.Float32, n); be.Random(b, RandomDistribution.Uniform, 5, 0); return b; }
        if (Wants("elementwise")) Elementwise(be, F, steps);
        if (Wants("gemm")) Gemms(be, F, steps);
        if (Wants("conv")) Convs(be, F, steps);
        if (Wants("convpool")) ConvPools(be, F, steps);
        if (Wants("pool")) Pools(be, F, steps);
        if (Wants("epilogue")) Epilogues(be, F, steps);
        if (Wants("fusion")) Fusion(steps);
    }

    private static void Elementwise(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        int n = 700 * 784;
        var p = F(n); var g = F(n); var m = F(n); var v = F(n); var t = F(n);
        int step = 1;
        Report("adam 700x784", () => be.AdamStep(new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 0, false, step++), p, g, m, v), steps);
        var src = new StridedView(g, [700, 784], [1, 700], 0);
        var dst = StridedView.Contiguous(t, [700, 784]);
        Report("copy transposed 700x784", () => be.Copy(src, dst), steps);
        Report("relu 100x700", () => be.Unary<UnaryOps.Relu>(StridedView.Contiguous(g, [100, 700]), t), steps);
        Report("alloc 700x784", () => be.Allocate(DType.Float32, n), steps);
        var x = F(10000 * 50);
        var bias = F(50);
        Report("add bias 10000x50", () => be.Binary<BinaryOps.Add>(StridedView.Contiguous(x, [10000, 50]), new StridedView(bias, [10000, 50], [0, 1], 0), t), steps);
        var sum = F(50);
        Report("sum rows 10000x50", () => be.Reduce(ReduceOp.Sum, StridedView.Contiguous(x, [10000, 50]), StridedView.Contiguous(sum, [1, 50])), steps);
    }

    private static void Gemms(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        foreach (var (mm, nn, kk, ta, tb) in new[] { (10000, 50, 50, false, true), (50, 50, 10000, true, false), (10000, 1, 50, false, true), (10000, 50, 1, false, true), (100, 700, 784, false, true), (700, 784, 100, true, false), (1024, 1024, 1024, false, false), (32, 784, 25, false, false), (20, 196, 288, false, false), (288, 20, 196, false, true) })
        {
            var a = F(mm * kk); var b = F(kk * nn); var c = F(mm * nn);
            var args = new GemmArgs(1, mm, nn, kk, ta, tb, 0, ta ? mm : kk, 0, 0, tb ? kk : nn, 0, 0, nn, 0);
            double ms = Timing.MedianMs(() => be.Gemm(args, a, b, c), steps, 40);
            Console.WriteLine($"micro gemm {mm}x{nn}x{kk} ta={ta} tb={tb} median_ms={ms:F3} gflops={2.0 * mm * nn * kk / ms / 1e6:F1} cpu_ms={Timing.LastCpuMs:F3} cpu_gflops={2.0 * mm * nn * kk / Timing.LastCpuMs / 1e6:F1}");
        }
    }

    /// <summary>The CNNs' convolutions (mnist's two, cifar's three) at batch 100.</summary>
    private static readonly Conv2dGeometry[] ConvGeometries =
    [
        new(100, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1),
        new(100, 32, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1),
        new(100, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1),
        new(100, 32, 16, 16, 28, 3, 3, 1, 1, 1, 1, 1, 1),
        new(100, 28, 8, 8, 28, 3, 3, 1, 1, 1, 1, 1, 1),
    ];

    /// <summary>Convolution + ReLU then 2x2 max pooling at the CNNs' shapes: two calls against the fused one (the output pooled per image in cache), timed alternately.</summary>
    private static void ConvPools(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        foreach (var geo in ConvGeometries)
        {
            var (xs, ws, ys) = geo.Sizes;
            var pool = new Pool2dGeometry(geo.N, geo.O, geo.OutH, geo.OutW, 2, 2, 2, 2, 0, 0);
            int pooled = pool.N * pool.C * pool.OutH * pool.OutW;
            var xb = F(xs); var wb = F(ws); var yb = F(ys); var bb = F(geo.O); var pb = F(pooled);
            var ib = be.Allocate(DType.Int32, pooled);
            var (o, n) = Timing.MedianPairMs(() => { be.Conv2dForward(geo, xb, wb, yb, bb, Epilogue.Relu); be.MaxPool2dForward(pool, yb, pb, ib); },
                () => be.Conv2dForwardMaxPool(geo, pool, xb, wb, bb, Epilogue.Relu, pb, ib), steps, 20);
            Console.WriteLine($"micro convpool C{geo.C}->O{geo.O} {geo.H}x{geo.W} k{geo.KH} conv_then_pool_ms={o:F3} fused_ms={n:F3} ratio={n / o:F3}");
        }
    }

    private static void Convs(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        foreach (var geo in ConvGeometries)
        {
            var (xs, ws, ys) = geo.Sizes;
            var xb = F(xs); var wb = F(ws); var yb = F(ys);
            double flop = 2.0 * ys * geo.C * geo.KH * geo.KW;
            Timing.MedianMs(() => be.Conv2dForward(geo, xb, wb, yb), steps, 40);
            double f = Timing.LastCpuMs;
            Timing.MedianMs(() => be.Conv2dBackwardInput(geo, yb, wb, xb), steps, 40);
            double bi = Timing.LastCpuMs;
            Timing.MedianMs(() => be.Conv2dBackwardWeight(geo, xb, yb, wb), steps, 40);
            double bw = Timing.LastCpuMs;
            // The bias gradient in the weight gradient's pass, against the weight gradient then the sum.
            var db = F(geo.O);
            var (fused, apart) = Timing.MedianPairMs(() => be.Conv2dBackwardWeightAndBias(geo, xb, yb, wb, db),
                () =>
                {
                    be.Conv2dBackwardWeight(geo, xb, yb, wb);
                    be.Reduce(ReduceOp.Sum, StridedView.Contiguous(yb, [geo.N, geo.O, geo.OutH, geo.OutW]), StridedView.Contiguous(db, [1, geo.O, 1, 1]));
                }, steps, 20);
            Console.WriteLine($"micro conv C{geo.C}->O{geo.O} {geo.H}x{geo.W} k{geo.KH} fwd_cpu_ms={f:F3} bwd_input_cpu_ms={bi:F3} bwd_weight_cpu_ms={bw:F3} fwd_gflops={flop / f / 1e6:F1} weight_and_bias_ms={fused:F3} weight_then_sum_ms={apart:F3}");
        }
    }

    /// <summary>Max pooling 2x2 at the CNNs' shapes: forward, its backward against the scatter-add into zeros it replaced, and the backward gated by ReLU's rule against a select then the backward, timed alternately.</summary>
    private static void Pools(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        foreach (var g in new[] { new Pool2dGeometry(100, 32, 32, 32, 2, 2, 2, 2, 0, 0), new Pool2dGeometry(100, 32, 28, 28, 2, 2, 2, 2, 0, 0), new Pool2dGeometry(100, 28, 16, 16, 2, 2, 2, 2, 0, 0) })
        {
            int nx = g.N * g.C * g.H * g.W, ny = g.N * g.C * g.OutH * g.OutW, planes = g.N * g.C;
            var x = F(nx); var y = F(ny); var dy = F(ny); var dx = F(nx);
            var idx = be.Allocate(DType.Int32, ny);
            double fwd = Timing.MedianMs(() => be.MaxPool2dForward(g, x, y, idx), steps, 20);
            var (pass, scatter) = Timing.MedianPairMs(
                () => be.MaxPool2dBackward(g, dy, idx, dx),
                () =>
                {
                    be.Fill(StridedView.Contiguous(dx, [nx]), 0);
                    be.ScatterAdd(StridedView.Contiguous(dx, [planes, g.H * g.W]), 1, StridedView.Contiguous(idx, [planes, g.OutH * g.OutW]), StridedView.Contiguous(dy, [planes, g.OutH * g.OutW]));
                }, steps, 20);
            // ReLU's rule on the pooled gradient: in the backward's pass, against a select then the backward.
            be.Random(y, RandomDistribution.Normal, 7, 0);
            be.Unary<UnaryOps.Relu>(StridedView.Contiguous(y, [ny]), y);
            var zero = F(1);
            be.Fill(StridedView.Contiguous(zero, [1]), 0);
            var selected = F(ny);
            var (gated, select) = Timing.MedianPairMs(
                () => be.MaxPool2dBackward(g, dy, idx, dx, y),
                () =>
                {
                    be.Where(StridedView.Contiguous(y, [ny]), StridedView.Contiguous(dy, [ny]), new StridedView(zero, [ny], [0], 0), selected);
                    be.MaxPool2dBackward(g, selected, idx, dx);
                }, steps, 20);
            Console.WriteLine($"micro max_pool2d {g.N}x{g.C}x{g.H}x{g.W} forward_ms={fwd:F3} backward_ms={pass:F3} fill_scatter_ms={scatter:F3} gated_ms={gated:F3} select_then_backward_ms={select:F3}");
        }
    }

    /// <summary>
    /// The workloads' layers followed by a ReLU: the product (with its bias) and then the relu op,
    /// against the same call with the ReLU epilogue; an input gradient and then ReLU's rule (a
    /// select), against the call with the ReluGradient epilogue; timed alternately.
    /// </summary>
    private static void Epilogues(Backend be, Func<int, DeviceBuffer> F, int steps)
    {
        foreach (var (m, n, k) in new[] { (10000, 50, 50), (100, 700, 784), (100, 700, 700) })
        {
            var x = F(m * k); var w = F(n * k); var bias = F(n); var y = F(m * n);
            var args = new GemmArgs(1, m, n, k, false, true, 0, k, 0, 0, k, 0, 0, n, 0);
            var (separate, fused) = Timing.MedianPairMs(
                () =>
                {
                    be.Gemm(args, x, w, y, bias);
                    be.Unary<UnaryOps.Relu>(StridedView.Contiguous(y, [m * n]), y);
                },
                () => be.Gemm(args, x, w, y, bias, Epilogue.Relu), steps, 10);
            Console.WriteLine($"micro linear+relu {m}x{n}x{k} separate_ms={separate:F3} fused_ms={fused:F3} ratio={fused / separate:F3}");
        }
        // A Linear's input gradient and the ReLU rule of the layer below: the product then the select,
        // against the product with the ReluGradient epilogue; operands rotated through 8 sets (24-48 MB)
        // so that they come from L3 or memory, as in a step.
        foreach (var (m, n, k) in new[] { (10000, 50, 50), (10000, 50, 1), (100, 700, 700), (100, 784, 700) })
        {
            const int sets = 8;
            var dy = new DeviceBuffer[sets]; var w = new DeviceBuffer[sets]; var relu = new DeviceBuffer[sets]; var dx = new DeviceBuffer[sets];
            for (int i = 0; i < sets; i++)
            {
                dy[i] = F(m * k); w[i] = F(k * n); dx[i] = F(m * n); relu[i] = F(m * n);
                be.Unary<UnaryOps.Relu>(StridedView.Contiguous(relu[i], [m * n]), relu[i]);
            }
            var zero = be.Allocate(DType.Float32, 1);
            be.Fill(StridedView.Contiguous(zero, [1]), 0);
            var args = new GemmArgs(1, m, n, k, false, false, 0, k, 0, 0, n, 0, 0, n, 0);
            int first = 0, second = 0;
            var (separate, fused) = Timing.MedianPairMs(
                () =>
                {
                    int i = first++ % sets;
                    be.Gemm(args, dy[i], w[i], dx[i]);
                    be.Where(StridedView.Contiguous(relu[i], [m, n]), StridedView.Contiguous(dx[i], [m, n]), new StridedView(zero, [m, n], [0, 0], 0), dx[i]);
                },
                () =>
                {
                    int i = second++ % sets;
                    be.Gemm(args, dy[i], w[i], dx[i], null, Epilogue.ReluGradient, relu[i]);
                }, steps, 10);
            Console.WriteLine($"micro gemm+relu_rule {m}x{n}x{k} separate_ms={separate:F3} fused_ms={fused:F3} ratio={fused / separate:F3}");
        }
        foreach (var g in new[] { new Conv2dGeometry(100, 1, 28, 28, 32, 5, 5, 1, 1, 2, 2, 1, 1), new Conv2dGeometry(100, 32, 14, 14, 20, 3, 3, 1, 1, 1, 1, 1, 1), new Conv2dGeometry(100, 3, 32, 32, 32, 3, 3, 1, 1, 1, 1, 1, 1) })
        {
            var (xs, ws, ys) = g.Sizes;
            var x = F(xs); var w = F(ws); var bias = F(g.O); var y = F(ys);
            var (separate, fused) = Timing.MedianPairMs(
                () =>
                {
                    be.Conv2dForward(g, x, w, y, bias);
                    be.Unary<UnaryOps.Relu>(StridedView.Contiguous(y, [ys]), y);
                },
                () => be.Conv2dForward(g, x, w, y, bias, Epilogue.Relu), steps, 10);
            Console.WriteLine($"micro conv+relu C{g.C}->O{g.O} {g.H}x{g.W} k{g.KH} separate_ms={separate:F3} fused_ms={fused:F3} ratio={fused / separate:F3}");
        }
    }

    /// <summary>Whole training steps with Sequential's fused forward against the same model's modules run one by one, alternately.</summary>
    private static void Fusion(int steps)
    {
        foreach (var name in Workload.Names)
        {
            var w = Workload.Create(name, Device.Cpu);
            var (fused, oneByOne) = Timing.MedianPairMs(
                () =>
                {
                    w.ModulesOneByOne = false;
                    w.Step();
                },
                () =>
                {
                    w.ModulesOneByOne = true;
                    w.Step();
                }, steps, 5);
            Console.WriteLine($"micro fusion {name} fused_ms={fused:F3} one_by_one_ms={oneByOne:F3} ratio={fused / oneByOne:F3}");
        }
    }

    private static void Report(string what, Action action, int steps)
    {
        double ms = Timing.MedianMs(action, steps, 40);
        Console.WriteLine($"micro {what} median_ms={ms:F3} cpu_ms={Timing.LastCpuMs:F3}");
    }
}
