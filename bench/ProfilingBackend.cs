using System.Diagnostics;
using System.Reflection;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Bench;

/// <summary>Wraps the CPU backend and times every primitive (for <c>profile</c>; not used in timed runs).</summary>
public sealed class ProfilingBackend(IBackend inner) : IBackend
{
    public readonly Dictionary<string, (double Ms, int Calls)> Times = [];

    /// <summary>A Device over a profiling CPU backend (the Device constructor is private: reflection, bench only).</summary>
    public static (Device Device, ProfilingBackend Backend) Create()
    {
        var backend = new ProfilingBackend(new CpuBackend());
        var ctor = typeof(Device).GetConstructor(BindingFlags.NonPublic | BindingFlags.Instance, [typeof(IBackend)])!;
        return ((Device)ctor.Invoke([backend]), backend);
    }

    private T Time<T>(string name, Func<T> f)
    {
        long t0 = Stopwatch.GetTimestamp();
        var r = f();
        var (ms, calls) = Times.GetValueOrDefault(name);
        Times[name] = (ms + Stopwatch.GetElapsedTime(t0).TotalMilliseconds, calls + 1);
        return r;
    }

    private void Time(string name, Action f) => Time(name, () => { f(); return 0; });

    public string Name => inner.Name;
    public string Description => inner.Description;
    public bool SupportsFloat64 => inner.SupportsFloat64;
    public DeviceBuffer Allocate(DType dtype, int length) => Time("allocate", () => inner.Allocate(dtype, length));
    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged => inner.Upload(source, destination, offset);
    public void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged => inner.Download(source, destination, offset);
    public void Synchronize() => inner.Synchronize();
    public void Copy(in StridedView source, in StridedView destination) { var s = source; var d = destination; Time(s.IsContiguous && d.IsContiguous ? "copy" : "copy strided", () => inner.Copy(s, d)); }
    public void Fill(in StridedView destination, double value) { var d = destination; Time("fill", () => inner.Fill(d, value)); }
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) => Time("random", () => inner.Random(destination, distribution, seed, offset));
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y) { var v = x; Time($"unary {op}", () => inner.Unary(op, v, y)); }
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        var va = a; var vb = b;
        string key = $"binary {op}{(va.IsContiguous && vb.IsContiguous ? "" : " strided")}";
        if (Environment.GetEnvironmentVariable("PROFILE_SHAPES") == "1" && !(va.IsContiguous && vb.IsContiguous))
            key += $" [{string.Join(",", va.Shape)}] a=({string.Join(",", va.Strides)}) b=({string.Join(",", vb.Strides)})";
        Time(key, () => inner.Binary(op, va, vb, y));
    }
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) { var c = condition; var va = a; var vb = b; Time("where", () => inner.Where(c, va, vb, y)); }
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y) { var vx = x; var vy = y; Time($"reduce {op}", () => inner.Reduce(op, vx, vy)); }
    public void ArgMax(in StridedView x, int axis, in StridedView indices) { var vx = x; var vi = indices; Time("argmax", () => inner.ArgMax(vx, axis, vi)); }
    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null) { var g = args; Time($"gemm {g.M}x{g.N}x{g.K}{(g.TransA ? " tA" : "")}{(g.TransB ? " tB" : "")}{(g.Batch > 1 ? $" b{g.Batch}" : "")}", () => inner.Gemm(g, a, b, c, bias)); }
    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null) { var g = geometry; Time($"conv fwd C{g.C}", () => inner.Conv2dForward(g, x, w, y, bias)); }
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) { var g = geometry; Time($"conv bwd-input C{g.C}", () => inner.Conv2dBackwardInput(g, dy, w, dx)); }
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) { var g = geometry; Time($"conv bwd-weight C{g.C}", () => inner.Conv2dBackwardWeight(g, x, dy, dw)); }
    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) { var g = geometry; Time("maxpool fwd", () => inner.MaxPool2dForward(g, x, y, indices)); }
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) { var g = geometry; Time("avgpool fwd", () => inner.AvgPool2dForward(g, x, y)); }
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) { var g = geometry; Time("avgpool bwd", () => inner.AvgPool2dBackward(g, dy, dx)); }
    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) { var s = source; var i = index; Time("gather", () => inner.Gather(s, axis, i, destination)); }
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source) { var d = destination; var i = index; var s = source; Time("scatter_add", () => inner.ScatterAdd(d, axis, i, s)); }
    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) { var a = args; Time("sgd", () => inner.SgdStep(a, param, grad, momentum)); }
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) { var a = args; Time("adam", () => inner.AdamStep(a, param, grad, m, v)); }
}
