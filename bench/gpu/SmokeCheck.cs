using System.Diagnostics;
using System.Globalization;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Bench;

/// <summary>
/// The GPU check's smoke phase: one tiny launch of every primitive, kernel family by kernel family,
/// on the device and on the scalar CPU reference, compared element by element. The first launch
/// includes the kernel's compilation; both times are printed. A device that cannot run a kernel
/// shows here in seconds, before any timing.
/// </summary>
internal static class SmokeCheck
{
    private delegate float[] Launch(Backend b);

    public static int Run(Device device)
    {
        var reference = new ReferenceBackend();
        int failed = 0, count = 0;
        foreach (var (family, name, tolerance, launch) in Launches())
        {
            long t0 = Stopwatch.GetTimestamp();
            float[] ours;
            try
            {
                ours = launch(device.Backend);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Console.WriteLine($"smoke {family} {name} FAIL: {e.GetType().Name}: {e.Message.ReplaceLineEndings(" ")}");
                failed++;
                count++;
                continue;
            }
            double first = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            t0 = Stopwatch.GetTimestamp();
            launch(device.Backend);
            double second = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            double error = Error(ours, launch(reference));
            bool ok = error <= tolerance;
            failed += ok ? 0 : 1;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"smoke {family} {name} {(ok ? "ok" : "FAIL")} max_err={error:E1} first_ms={first:F1} second_ms={second:F2}"));
            if (++count == 1) GpuCheck.HangIfAsked("smoke");
        }
        Console.WriteLine($"smoke: {count - failed} of {count} launches match the CPU reference");
        return failed == 0 ? 0 : 1;
    }

    /// <summary>Largest difference relative to 1 + |expected|; infinite when the lengths or NaNs differ.</summary>
    private static double Error(float[] ours, float[] expected)
    {
        if (ours.Length != expected.Length) return double.PositiveInfinity;
        double worst = 0;
        for (int i = 0; i < ours.Length; i++)
        {
            if (float.IsNaN(ours[i]) != float.IsNaN(expected[i])) return double.PositiveInfinity;
            if (!float.IsNaN(ours[i])) worst = Math.Max(worst, Math.Abs(ours[i] - expected[i]) / (1 + Math.Abs(expected[i])));
        }
        return worst;
    }

    private static IEnumerable<(string Family, string Name, double Tolerance, Launch Run)> Launches()
    {
        const double exact = 0, close = 1e-5, math = 1e-4;
        var conv = new Conv2dGeometry(2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1);
        var pool = new Pool2dGeometry(2, 3, 7, 6, 2, 2, 2, 2, 0, 0);
        var avg = new Pool2dGeometry(2, 3, 7, 6, 3, 3, 2, 2, 1, 1);
        yield return ("copy", "transpose", exact, b =>
        {
            var y = b.Allocate(DType.Float32, 15);
            b.Copy(new StridedView(Data(b, 15, 1), [5, 3], [1, 5], 0), StridedView.Contiguous(y, [5, 3]));
            return Read(b, y);
        });
        yield return ("copy", "fill", exact, b =>
        {
            var y = Data(b, 9, 2);
            b.Fill(new StridedView(y, [4], [2], 1), 2.5);
            return Read(b, y);
        });
        yield return ("random", "uniform+normal", math, b =>
        {
            DeviceBuffer u = b.Allocate(DType.Float32, 64), n = b.Allocate(DType.Float32, 64);
            b.Random(u, RandomDistribution.Uniform, 7, 3);
            b.Random(n, RandomDistribution.Normal, 7, 3);
            return [.. Read(b, u), .. Read(b, n)];
        });
        yield return ("elementwise", "unary exp", math, b =>
        {
            var y = b.Allocate(DType.Float32, 33);
            b.Unary<UnaryOps.Exp>(StridedView.Contiguous(Data(b, 33, 3), [33]), y);
            return Read(b, y);
        });
        yield return ("elementwise", "binary add (broadcast)", exact, b =>
        {
            var y = b.Allocate(DType.Float32, 20);
            b.Binary<BinaryOps.Add>(StridedView.Contiguous(Data(b, 20, 4), [4, 5]), new StridedView(Data(b, 5, 5), [4, 5], [0, 1], 0), y);
            return Read(b, y);
        });
        yield return ("elementwise", "where", exact, b =>
        {
            var y = b.Allocate(DType.Float32, 6);
            var condition = Ints(b, 1, 0, 0, 1, 1, 0);
            b.Where(StridedView.Contiguous(condition, [6]), StridedView.Contiguous(Data(b, 6, 6), [6]), StridedView.Contiguous(Data(b, 6, 7), [6]), y);
            return Read(b, y);
        });
        yield return ("reduce", "sum", close, b =>
        {
            var y = b.Allocate(DType.Float32, 4);
            b.Reduce(ReduceOp.Sum, StridedView.Contiguous(Data(b, 24, 8), [4, 6]), StridedView.Contiguous(y, [4, 1]));
            return Read(b, y);
        });
        yield return ("reduce", "max", exact, b =>
        {
            var y = b.Allocate(DType.Float32, 6);
            b.Reduce(ReduceOp.Max, StridedView.Contiguous(Data(b, 24, 9), [4, 6]), StridedView.Contiguous(y, [1, 6]));
            return Read(b, y);
        });
        yield return ("reduce", "argmax", exact, b =>
        {
            var y = b.Allocate(DType.Int32, 4);
            b.ArgMax(StridedView.Contiguous(Data(b, 24, 10), [4, 6]), 1, StridedView.Contiguous(y, [4, 1]));
            return ReadInts(b, y);
        });
        yield return ("gemm", "A^T B + bias", close, b =>
        {
            var args = new GemmArgs(2, 5, 7, 9, true, false, 0, 5, 45, 0, 7, 63, 0, 7, 35);
            var c = b.Allocate(DType.Float32, 70);
            b.Gemm(args, Data(b, 90, 11), Data(b, 126, 12), c, Data(b, 7, 13));
            return Read(b, c);
        });
        yield return ("conv", "forward + bias", close, b =>
        {
            var y = b.Allocate(DType.Float32, conv.Sizes.Y);
            b.Conv2dForward(conv, Data(b, conv.Sizes.X, 14), Data(b, conv.Sizes.W, 15), y, Data(b, 4, 16));
            return Read(b, y);
        });
        yield return ("conv", "backward-input", close, b =>
        {
            var dx = b.Allocate(DType.Float32, conv.Sizes.X);
            b.Conv2dBackwardInput(conv, Data(b, conv.Sizes.Y, 17), Data(b, conv.Sizes.W, 15), dx);
            return Read(b, dx);
        });
        yield return ("conv", "backward-weight", close, b =>
        {
            var dw = b.Allocate(DType.Float32, conv.Sizes.W);
            b.Conv2dBackwardWeight(conv, Data(b, conv.Sizes.X, 14), Data(b, conv.Sizes.Y, 17), dw);
            return Read(b, dw);
        });
        yield return ("pool", "max forward (values, indices)", exact, b =>
        {
            int outputs = pool.N * pool.C * pool.OutH * pool.OutW;
            DeviceBuffer y = b.Allocate(DType.Float32, outputs), indices = b.Allocate(DType.Int32, outputs);
            b.MaxPool2dForward(pool, Data(b, pool.N * pool.C * pool.H * pool.W, 18), y, indices);
            return [.. Read(b, y), .. ReadInts(b, indices)];
        });
        yield return ("pool", "max backward", exact, b =>
        {
            int outputs = pool.N * pool.C * pool.OutH * pool.OutW;
            DeviceBuffer y = b.Allocate(DType.Float32, outputs), indices = b.Allocate(DType.Int32, outputs);
            b.MaxPool2dForward(pool, Data(b, pool.N * pool.C * pool.H * pool.W, 18), y, indices);
            var dx = b.Allocate(DType.Float32, pool.N * pool.C * pool.H * pool.W);
            b.MaxPool2dBackward(pool, Data(b, outputs, 23), indices, dx);
            return Read(b, dx);
        });
        yield return ("pool", "avg forward", close, b =>
        {
            var y = b.Allocate(DType.Float32, avg.N * avg.C * avg.OutH * avg.OutW);
            b.AvgPool2dForward(avg, Data(b, avg.N * avg.C * avg.H * avg.W, 19), y);
            return Read(b, y);
        });
        yield return ("pool", "avg backward", close, b =>
        {
            var dx = b.Allocate(DType.Float32, avg.N * avg.C * avg.H * avg.W);
            b.AvgPool2dBackward(avg, Data(b, avg.N * avg.C * avg.OutH * avg.OutW, 20), dx);
            return Read(b, dx);
        });
        yield return ("indexing", "gather", exact, b =>
        {
            var y = b.Allocate(DType.Float32, 8);
            b.Gather(StridedView.Contiguous(Data(b, 12, 21), [4, 3]), 1, StridedView.Contiguous(Ints(b, 2, 0, 1, 1, 0, 2, 2, 2), [4, 2]), y);
            return Read(b, y);
        });
        yield return ("indexing", "scatter_add", close, b =>
        {
            var y = Data(b, 12, 22);
            b.ScatterAdd(StridedView.Contiguous(y, [4, 3]), 1, StridedView.Contiguous(Ints(b, 2, 0, 1, 1, 0, 2, 2, 2), [4, 2]), StridedView.Contiguous(Data(b, 8, 23), [4, 2]));
            return Read(b, y);
        });
        yield return ("optim", "sgd (momentum, nesterov)", close, b =>
        {
            DeviceBuffer p = Data(b, 10, 24), momentum = Data(b, 10, 25);
            b.SgdStep(new SgdArgs(0.1, 0.9, 0, 1e-2, true, false), p, Data(b, 10, 26), momentum);
            return [.. Read(b, p), .. Read(b, momentum)];
        });
        yield return ("optim", "adamw", math, b =>
        {
            DeviceBuffer p = Data(b, 10, 27), m = Data(b, 10, 28), v = b.Allocate(DType.Float32, 10);
            b.Fill(StridedView.Contiguous(v, [10]), 0.25);
            b.AdamStep(new AdamArgs(1e-3, 0.9, 0.999, 1e-8, 1e-2, true, 3), p, Data(b, 10, 29), m, v);
            return [.. Read(b, p), .. Read(b, m), .. Read(b, v)];
        });
    }

    /// <summary><paramref name="n"/> floats in [-1, 1) from a fixed sequence per <paramref name="seed"/> (the same on every device).</summary>
    private static DeviceBuffer Data(Backend b, int n, int seed)
    {
        var values = new float[n];
        uint state = (uint)seed * 2654435761u + 1;
        for (int i = 0; i < n; i++)
        {
            state = state * 1664525u + 1013904223u;
            values[i] = (state >> 8) / (float)(1 << 23) - 1;
        }
        var buffer = b.Allocate(DType.Float32, n);
        b.Upload<float>(values, buffer);
        return buffer;
    }

    private static DeviceBuffer Ints(Backend b, params int[] values)
    {
        var buffer = b.Allocate(DType.Int32, values.Length);
        b.Upload<int>(values, buffer);
        return buffer;
    }

    private static float[] Read(Backend b, DeviceBuffer buffer)
    {
        var values = new float[buffer.Length];
        b.Download<float>(buffer, values);
        return values;
    }

    private static float[] ReadInts(Backend b, DeviceBuffer buffer)
    {
        var values = new int[buffer.Length];
        b.Download<int>(buffer, values);
        return Array.ConvertAll(values, v => (float)v);
    }
}
