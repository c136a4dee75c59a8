using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// The reference backend, counting each primitive it runs: handed to a CpuBackend as the target of
/// its fallbacks, it shows which calls the fast backend did not run itself.
public sealed class FallbackRecorder : IBackend
{
    private readonly ReferenceBackend inner = new();
    private readonly Dictionary<string, int> counts = [];

    /// Primitive calls received so far.
    public int Calls { get; private set; }

    /// Calls per primitive (IBackend method name).
    public IReadOnlyDictionary<string, int> Counts => counts;

    public override string ToString() => counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key} x{kv.Value}"));

    private void Record(string primitive)
    {
        Calls++;
        counts[primitive] = counts.GetValueOrDefault(primitive) + 1;
    }

    public string Name => inner.Name;
    public string Description => inner.Description;
    public bool SupportsFloat64 => inner.SupportsFloat64;
    public DeviceBuffer Allocate(DType dtype, int length) => inner.Allocate(dtype, length);
    public void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0) where T : unmanaged => inner.Upload(source, destination, offset);
    public void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0) where T : unmanaged => inner.Download(source, destination, offset);
    public void Synchronize() => inner.Synchronize();

    public void Copy(in StridedView source, in StridedView destination) { Record(nameof(Copy)); inner.Copy(source, destination); }
    public void Fill(in StridedView destination, double value) { Record(nameof(Fill)); inner.Fill(destination, value); }
    public void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset) { Record(nameof(Random)); inner.Random(destination, distribution, seed, offset); }
    public void Unary(UnaryOp op, in StridedView x, DeviceBuffer y) { Record(nameof(Unary)); inner.Unary(op, x, y); }
    public void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y) { Record(nameof(Binary)); inner.Binary(op, a, b, y); }
    public void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) { Record(nameof(Where)); inner.Where(condition, a, b, y); }
    public void Reduce(ReduceOp op, in StridedView x, in StridedView y) { Record(nameof(Reduce)); inner.Reduce(op, x, y); }
    public void ArgMax(in StridedView x, int axis, in StridedView indices) { Record(nameof(ArgMax)); inner.ArgMax(x, axis, indices); }

    public void Gemm(in GemmArgs args, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c, DeviceBuffer? bias = null) { Record(nameof(Gemm)); inner.Gemm(args, a, b, c, bias); }

    public void Conv2dForward(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, DeviceBuffer? bias = null) { Record(nameof(Conv2dForward)); inner.Conv2dForward(geometry, x, w, y, bias); }
    public void Conv2dBackwardInput(in Conv2dGeometry geometry, DeviceBuffer dy, DeviceBuffer w, DeviceBuffer dx) { Record(nameof(Conv2dBackwardInput)); inner.Conv2dBackwardInput(geometry, dy, w, dx); }
    public void Conv2dBackwardWeight(in Conv2dGeometry geometry, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer dw) { Record(nameof(Conv2dBackwardWeight)); inner.Conv2dBackwardWeight(geometry, x, dy, dw); }

    public void MaxPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices) { Record(nameof(MaxPool2dForward)); inner.MaxPool2dForward(geometry, x, y, indices); }
    public void AvgPool2dForward(in Pool2dGeometry geometry, DeviceBuffer x, DeviceBuffer y) { Record(nameof(AvgPool2dForward)); inner.AvgPool2dForward(geometry, x, y); }
    public void AvgPool2dBackward(in Pool2dGeometry geometry, DeviceBuffer dy, DeviceBuffer dx) { Record(nameof(AvgPool2dBackward)); inner.AvgPool2dBackward(geometry, dy, dx); }

    public void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination) { Record(nameof(Gather)); inner.Gather(source, axis, index, destination); }
    public void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source) { Record(nameof(ScatterAdd)); inner.ScatterAdd(destination, axis, index, source); }

    public void SgdStep(in SgdArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) { Record(nameof(SgdStep)); inner.SgdStep(args, param, grad, momentum); }
    public void AdamStep(in AdamArgs args, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) { Record(nameof(AdamStep)); inner.AdamStep(args, param, grad, m, v); }
}
