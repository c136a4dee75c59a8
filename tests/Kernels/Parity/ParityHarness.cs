using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// A view layout independent of any buffer: applied to the reference's and the candidate's copy.
public sealed record ViewSpec(int[] Shape, int[] Strides, int Offset = 0)
{
    public static ViewSpec Contiguous(params int[] shape) => new(shape, StridedView.RowMajorStrides(shape));

    public ViewSpec At(int offset) => this with { Offset = offset };

    /// Smallest buffer length holding every addressed element.
    public int BufferLength
    {
        get
        {
            long hi = Offset;
            for (int d = 0; d < Shape.Length; d++)
                if (Strides[d] > 0) hi += (long)(Shape[d] - 1) * Strides[d];
            return StridedView.Product(Shape) == 0 ? Offset : (int)hi + 1;
        }
    }

    public int Length => StridedView.Product(Shape);

    public StridedView On(DeviceBuffer buffer) => new(buffer, Shape, Strides, Offset);

    /// Buffer index of element <paramref name="i"/> in row-major order.
    public int IndexOf(int i)
    {
        int at = Offset;
        for (int d = Shape.Length - 1; d >= 0; d--)
        {
            at += i % Shape[d] * Strides[d];
            i /= Shape[d];
        }
        return at;
    }

    public override string ToString() => $"[{string.Join(",", Shape)}]/[{string.Join(",", Strides)}]@{Offset}";
}

/// The same data on the reference backend and on the backend under test.
public sealed record Pair(DeviceBuffer Ref, DeviceBuffer Cand, DType DType, int Length);

/// Creates identical inputs on both backends and compares their outputs. With <paramref name="fallbacks"/>
/// (the recorder a fast CPU backend hands its fallbacks to) it also counts which candidate calls ran the
/// candidate's own kernels and which were delegated to the reference, and says so in failure messages.
public sealed class ParityContext(Backend candidate, FallbackRecorder? fallbacks = null)
{
    public Backend Reference { get; } = new ReferenceBackend();
    public Backend Candidate { get; } = candidate;
    private ulong _stream = 1;
    private bool _lastDelegated;

    /// Candidate calls that ran the candidate's own kernels.
    public int OwnCalls { get; private set; }

    /// Candidate calls that the candidate handed to the reference (always 0 without a recorder).
    public int DelegatedCalls { get; private set; }

    /// Deterministic values uniform in [lo, hi) from Philox; each call draws a fresh stream.
    public double[] Random(int n, double lo = -1, double hi = 1)
    {
        ulong seed = 0x5EED_0000 + _stream++;
        var values = new double[n];
        for (int i = 0; i < n; i++) values[i] = lo + (hi - lo) * Philox.UniformDouble(seed, (ulong)i);
        return values;
    }

    /// Values on a coarse grid (k / 2 for k in [-4, 4]) so ties and exact zeros are common.
    public double[] Coarse(int n)
    {
        var values = Random(n, -4.5, 4.5);
        for (int i = 0; i < n; i++) values[i] = Math.Round(values[i]) / 2;
        return values;
    }

    /// Random integers in [lo, hi).
    public double[] Integers(int n, int lo, int hi)
    {
        var values = Random(n, lo, hi);
        for (int i = 0; i < n; i++) values[i] = Math.Min(hi - 1, Math.Floor(values[i]));
        return values;
    }

    public Pair Upload(DType dtype, double[] values)
    {
        DeviceBuffer r = Reference.Allocate(dtype, values.Length), c = Candidate.Allocate(dtype, values.Length);
        foreach (var (backend, buffer) in new[] { (Reference, r), (Candidate, c) })
        {
            switch (dtype)
            {
                case DType.Float32: backend.Upload<float>(values.Select(v => (float)v).ToArray(), buffer); break;
                case DType.Float64: backend.Upload<double>(values, buffer); break;
                default: backend.Upload<int>(values.Select(v => (int)v).ToArray(), buffer); break;
            }
        }
        return new Pair(r, c, dtype, values.Length);
    }

    public Pair Random(DType dtype, int n, double lo = -1, double hi = 1) => Upload(dtype, dtype == DType.Int32 ? Integers(n, (int)lo, (int)hi) : Random(n, lo, hi));

    public static double[] Read(Backend backend, DeviceBuffer buffer)
    {
        backend.Synchronize();
        switch (buffer.DType)
        {
            case DType.Float32:
            {
                var f = new float[buffer.Length];
                backend.Download<float>(buffer, f);
                return f.Select(v => (double)v).ToArray();
            }
            case DType.Float64:
            {
                var d = new double[buffer.Length];
                backend.Download<double>(buffer, d);
                return d;
            }
            default:
            {
                var i = new int[buffer.Length];
                backend.Download<int>(buffer, i);
                return i.Select(v => (double)v).ToArray();
            }
        }
    }

    /// Elementwise tolerance: float64 ~1e-12, float32 ~1e-5, both scaled by sqrt(terms summed).
    public static double Tolerance(DType dtype, int terms = 1) =>
        (dtype == DType.Float64 ? 1e-12 : 1e-5) * Math.Sqrt(Math.Max(1, terms));

    /// Compares the whole buffers; tolerance 0 demands identical values (NaN equals NaN). The tolerance is
    /// relative to max(1, |expected|), or to max(|expected|, <paramref name="scale"/>(i)) when a scale is given
    /// (tiny values then count too).
    public void AssertSame(Pair pair, double tolerance, string what, Func<int, double>? scale = null)
    {
        double[] expected = Read(Reference, pair.Ref), actual = Read(Candidate, pair.Cand);
        Assert.That(actual.Length, Is.EqualTo(expected.Length), what);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (e.Equals(a) || (double.IsNaN(e) && double.IsNaN(a))) continue;
            if (tolerance > 0 && Math.Abs(e - a) <= tolerance * Math.Max(Math.Abs(e), scale is null ? 1 : scale(i))) continue;
            string via = _lastDelegated ? ", delegated to the reference" : "";
            Assert.Fail($"{what} [{Candidate.Name} vs reference{via}]: element {i} is {a:R}, expected {e:R} (tolerance {tolerance:G3})");
        }
    }

    /// Runs the same call on both backends; notes whether the candidate delegated it.
    public void Both(Action<Backend, Func<Pair, DeviceBuffer>> call)
    {
        call(Reference, p => p.Ref);
        int before = fallbacks?.Calls ?? 0;
        call(Candidate, p => p.Cand);
        _lastDelegated = fallbacks is not null && fallbacks.Calls > before;
        if (_lastDelegated) DelegatedCalls++; else OwnCalls++;
    }
}
