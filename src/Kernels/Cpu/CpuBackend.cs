using System.Buffers;
using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace TinyGrad.Kernels.Cpu;

/// <summary>
/// The fast host backend: the reference semantics with typed, vectorised and (for big kernels)
/// multi-threaded loops. Uncommon layouts fall back to <see cref="ReferenceBackend"/>. Threads
/// always split work into a fixed partition, so results never depend on timing.
/// </summary>
public sealed partial class CpuBackend : ReferenceBackend
{
    /// <summary>A fast backend whose buffers come from <paramref name="pool"/> (a new one when null).</summary>
    public CpuBackend(HostPool? pool = null) : base(pool ?? new HostPool())
    {
    }

    /// <inheritdoc />
    public override string Name => "cpu";

    /// <inheritdoc />
    public override string Description => $"{Environment.ProcessorCount}-core host CPU (managed SIMD)";

    private static T[] Arr<T>(DeviceBuffer buffer) where T : unmanaged => (T[])Host(buffer).Data;

    /// <summary>
    /// Keeps buffers reachable until the kernel that reads their arrays has returned: a pooled
    /// buffer hands its array back when finalized, and the array must not be rented out again while
    /// a kernel still reads it (views passed by <c>in</c> stay reachable through the caller's frame).
    /// </summary>
    private static void KeepAlive(DeviceBuffer? a, DeviceBuffer? b = null, DeviceBuffer? c = null, DeviceBuffer? d = null)
    {
        GC.KeepAlive(a);
        GC.KeepAlive(b);
        GC.KeepAlive(c);
        GC.KeepAlive(d);
    }

    /// <inheritdoc />
    public override void Copy(in StridedView source, in StridedView destination)
    {
        Check.SameShape(source.Shape, destination.Shape, "copy");
        Check.InBounds(source, "copy source");
        Check.InBounds(destination, "copy destination");
        if (source.Length == 0) return;
        // Overlapping copies keep the reference's element order.
        if (CpuLayout.Overlap(source, destination))
        {
            base.Copy(source, destination);
            return;
        }
        switch (source.Buffer.DType, destination.Buffer.DType)
        {
            case (DType.Float32, DType.Float32): CopySame<float>(source, destination); break;
            case (DType.Float64, DType.Float64): CopySame<double>(source, destination); break;
            case (DType.Int32, DType.Int32): CopySame<int>(source, destination); break;
            case (DType.Float32, DType.Float64): CopyConvert<float, double>(source, destination); break;
            case (DType.Float64, DType.Float32): CopyConvert<double, float>(source, destination); break;
            // Conversions to and from Int32 keep the reference's checked rounding.
            default: base.Copy(source, destination); break;
        }
    }

    private static void CopySame<T>(in StridedView source, in StridedView destination) where T : unmanaged
    {
        T[] src = Arr<T>(source.Buffer), dst = Arr<T>(destination.Buffer);
        if (source.IsContiguous && destination.IsContiguous)
        {
            int from = source.Offset, to = destination.Offset, n = source.Length;
            if (n < ParallelElements) src.AsSpan(from, n).CopyTo(dst.AsSpan(to, n));
            else SplitElements(n, (lo, hi) => src.AsSpan(from + lo, hi - lo).CopyTo(dst.AsSpan(to + lo, hi - lo)));
            return;
        }
        CopyStrided(src, source.Shape, source.Strides, source.Offset, dst, destination.Strides, destination.Offset);
    }

    /// <summary>Strided copy between host arrays (no checks; the views must not overlap).</summary>
    private static void CopyStrided<T>(T[] src, int[] shape, int[] srcStrides, int srcOffset, T[] dst, int[] dstStrides, int dstOffset)
    {
        var plan = CpuLayout.Create(shape, [srcStrides, dstStrides], [srcOffset, dstOffset]);
        int n = plan.Inner, ss = plan.InnerStrides[0], ds = plan.InnerStrides[1];
        if (plan.OuterRank == 1 && ss != 1 && ds == 1 && plan.OuterStride(0, 0) == 1)
        {
            // A transpose: walk small blocks so reads and writes both stay within a few cache lines.
            TransposeBlocks(src, plan.Offsets[0], ss, dst, plan.Offsets[1], plan.OuterStride(1, 0), plan.Rows, n);
            return;
        }
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int so = plan.Offsets[0], d0 = plan.Offsets[1];
            if (ss == 1 && ds == 1) src.AsSpan(so, n).CopyTo(dst.AsSpan(d0, n));
            else if (ss == 0 && ds == 1) dst.AsSpan(d0, n).Fill(src[so]);
            else for (int i = 0; i < n; i++) dst[d0 + i * ds] = src[so + i * ss];
        }
    }

    /// <summary>dst[d0 + r * ldd + i] = src[s0 + r + i * lds] for r &lt; rows, i &lt; cols, in blocks.</summary>
    private static void TransposeBlocks<T>(T[] src, int s0, int lds, T[] dst, int d0, int ldd, int rows, int cols)
    {
        const int block = 16;
        if (rows <= 0 || cols <= 0) return;
        if (typeof(T) == typeof(float) && FloatTranspose.IsSupported && lds >= 0 && ldd >= 0 && rows >= 8 && cols >= 8)
        {
            TransposeSingle((float[])(object)src, s0, lds, (float[])(object)dst, d0, ldd, rows, cols);
            return;
        }
        if (lds < 0 || ldd < 0)
        {
            for (int r = 0; r < rows; r++)
            for (int i = 0; i < cols; i++)
                dst[d0 + r * ldd + i] = src[s0 + r + i * lds];
            return;
        }
        // Bounds checked once here; the blocks below index through refs.
        _ = src[s0 + (rows - 1) + (cols - 1) * lds];
        _ = dst[d0 + (rows - 1) * ldd + (cols - 1)];
        ref T sr = ref MemoryMarshal.GetArrayDataReference(src);
        ref T dr = ref MemoryMarshal.GetArrayDataReference(dst);
        for (int r0 = 0; r0 < rows; r0 += block)
        for (int i0 = 0; i0 < cols; i0 += block)
        {
            int r1 = Math.Min(rows, r0 + block), i1 = Math.Min(cols, i0 + block);
            for (int r = r0; r < r1; r++)
            {
                ref T drow = ref Unsafe.Add(ref dr, d0 + r * ldd);
                ref T scol = ref Unsafe.Add(ref sr, s0 + r);
                for (int i = i0; i < i1; i++)
                    Unsafe.Add(ref drow, i) = Unsafe.Add(ref scol, i * lds);
            }
        }
    }

    /// <summary>
    /// Float transpose dst[d0 + r * ldd + i] = src[s0 + r + i * lds] by 8 x 8 register tiles (AVX
    /// unpack/shuffle/permute), row bands split over the cores; edges element by element.
    /// </summary>
    private static void TransposeSingle(float[] src, int s0, int lds, float[] dst, int d0, int ldd, int rows, int cols)
    {
        _ = src[s0 + (rows - 1) + (cols - 1) * lds];
        _ = dst[d0 + (rows - 1) * ldd + (cols - 1)];
        int bands = (rows + 7) / 8, fullCols = cols / 8 * 8;
        CpuLayout.Parallel(bands, (long)rows * cols, (lo, hi) =>
        {
            ref float sr = ref MemoryMarshal.GetArrayDataReference(src);
            ref float dr = ref MemoryMarshal.GetArrayDataReference(dst);
            for (int band = lo; band < hi; band++)
            {
                int r0 = band * 8;
                if (r0 + 8 > rows)
                {
                    for (int r = r0; r < rows; r++)
                    for (int i = 0; i < cols; i++)
                        Unsafe.Add(ref dr, d0 + r * ldd + i) = Unsafe.Add(ref sr, s0 + r + i * lds);
                    continue;
                }
                for (int i0 = 0; i0 < fullCols; i0 += 8)
                    FloatTranspose.Tile8x8(ref Unsafe.Add(ref sr, s0 + r0 + i0 * lds), lds, ref Unsafe.Add(ref dr, d0 + r0 * ldd + i0), ldd);
                for (int r = r0; r < r0 + 8; r++)
                for (int i = fullCols; i < cols; i++)
                    Unsafe.Add(ref dr, d0 + r * ldd + i) = Unsafe.Add(ref sr, s0 + r + i * lds);
            }
        });
    }

    private static void CopyConvert<TS, TD>(in StridedView source, in StridedView destination)
        where TS : unmanaged, INumberBase<TS> where TD : unmanaged, INumberBase<TD>
    {
        TS[] src = Arr<TS>(source.Buffer);
        TD[] dst = Arr<TD>(destination.Buffer);
        var plan = CpuLayout.Of(source, destination);
        int n = plan.Inner, ss = plan.InnerStrides[0], ds = plan.InnerStrides[1];
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int so = plan.Offsets[0], d0 = plan.Offsets[1];
            for (int i = 0; i < n; i++) dst[d0 + i * ds] = TD.CreateTruncating(src[so + i * ss]);
        }
    }

    /// <inheritdoc />
    public override void Fill(in StridedView destination, double value)
    {
        Check.InBounds(destination, "fill");
        if (destination.Length == 0) return;
        switch (destination.Buffer.DType)
        {
            case DType.Float32: FillT(destination, (float)value); break;
            case DType.Float64: FillT(destination, value); break;
            default: FillT(destination, checked((int)value)); break;
        }
    }

    private static void FillT<T>(in StridedView destination, T value) where T : unmanaged
    {
        T[] dst = Arr<T>(destination.Buffer);
        if (destination.IsContiguous)
        {
            int at = destination.Offset, length = destination.Length;
            if (length < ParallelElements) dst.AsSpan(at, length).Fill(value);
            else SplitElements(length, (lo, hi) => dst.AsSpan(at + lo, hi - lo).Fill(value));
            return;
        }
        var plan = CpuLayout.Of(destination);
        int n = plan.Inner, ds = plan.InnerStrides[0];
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int d0 = plan.Offsets[0];
            if (ds == 1) dst.AsSpan(d0, n).Fill(value);
            else for (int i = 0; i < n; i++) dst[d0 + i * ds] = value;
        }
    }

    /// <inheritdoc />
    public override void Random(DeviceBuffer destination, RandomDistribution distribution, ulong seed, ulong offset)
    {
        Check.Float(destination.DType, "random");
        bool normal = distribution == RandomDistribution.Normal;
        if (destination.DType == DType.Float32)
        {
            float[] dst = Arr<float>(destination);
            CpuLayout.Parallel(destination.Length, destination.Length * 16L, (lo, hi) =>
            {
                for (int i = lo; i < hi; i++)
                {
                    ulong counter = offset + (ulong)i;
                    dst[i] = normal ? (float)Philox.Normal(seed, counter) : Philox.UniformSingle(seed, counter);
                }
            });
        }
        else
        {
            double[] dst = Arr<double>(destination);
            CpuLayout.Parallel(destination.Length, destination.Length * 16L, (lo, hi) =>
            {
                for (int i = lo; i < hi; i++)
                {
                    ulong counter = offset + (ulong)i;
                    dst[i] = normal ? Philox.Normal(seed, counter) : Philox.UniformDouble(seed, counter);
                }
            });
        }
    }

    /// <inheritdoc />
    public override void Unary(UnaryOp op, in StridedView x, DeviceBuffer y)
    {
        Check.Float(x.Buffer.DType, $"unary {op}");
        Check.InBounds(x, $"unary {op}");
        Check.Buffer(y, x.Buffer.DType, x.Length, $"unary {op} output");
        if (!CpuLayout.SafeInPlace(x, y, x.Length))
        {
            base.Unary(op, x, y);
            return;
        }
        if (x.Buffer.DType == DType.Float32) UnaryT<float>(op, x, y); else UnaryT<double>(op, x, y);
    }

    private static void UnaryT<T>(UnaryOp op, in StridedView x, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = x.Length;
        if (n == 0) return;
        Span<T> dst = Arr<T>(y).AsSpan(0, n);
        ReadOnlySpan<T> src;
        if (x.IsContiguous) src = Arr<T>(x.Buffer).AsSpan(x.Offset, n);
        else
        {
            // Gather the strided input into y, then transform in place.
            CopySame<T>(x, StridedView.Contiguous(y, x.Shape));
            src = dst;
        }
        if (n < ParallelElements)
        {
            ApplyUnary(op, src, dst);
            return;
        }
        T[] srcArray = x.IsContiguous ? Arr<T>(x.Buffer) : Arr<T>(y);
        int srcOffset = x.IsContiguous ? x.Offset : 0;
        T[] dstArray = Arr<T>(y);
        SplitElements(n, (lo, hi) => ApplyUnary(op, srcArray.AsSpan(srcOffset + lo, hi - lo), dstArray.AsSpan(lo, hi - lo)));
    }

    /// <summary>Elementwise work below this many elements stays on one thread.</summary>
    private const int ParallelElements = 1 << 16;

    /// <summary>
    /// Splits [0, n) over the cores at multiples of 64 elements, so every chunk runs the same vector
    /// code as a single call would (results do not depend on the split).
    /// </summary>
    private static void SplitElements(int n, Action<int, int> body)
    {
        int blocks = (n + 63) / 64;
        CpuLayout.Parallel(blocks, (long)n * 4, (lo, hi) => body(lo * 64, Math.Min(n, hi * 64)));
    }

    private static void ApplyUnary<T>(UnaryOp op, ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case UnaryOp.Neg: TensorPrimitives.Negate(x, y); break;
            case UnaryOp.Exp: TensorPrimitives.Exp(x, y); break;
            case UnaryOp.Log: TensorPrimitives.Log(x, y); break;
            case UnaryOp.Sqrt: TensorPrimitives.Sqrt(x, y); break;
            case UnaryOp.Abs: TensorPrimitives.Abs(x, y); break;
            case UnaryOp.Sin: TensorPrimitives.Sin(x, y); break;
            case UnaryOp.Cos: TensorPrimitives.Cos(x, y); break;
            case UnaryOp.Tanh: TensorPrimitives.Tanh(x, y); break;
            case UnaryOp.Sigmoid: TensorPrimitives.Sigmoid(x, y); break;
            case UnaryOp.Reciprocal: TensorPrimitives.Divide(T.One, x, y); break;
            case UnaryOp.Sign: Map<T, SignOp<T>>(x, y); break;
            case UnaryOp.Relu: Map<T, ReluOp<T>>(x, y); break;
            case UnaryOp.Step: Map<T, StepOp<T>>(x, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown unary op");
        }
    }

    /// <summary>A unary op with a vector body and a scalar tail that agree with <see cref="Scalar.Unary{T}"/>.</summary>
    private interface IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract Vector<T> Apply(Vector<T> x);
        static abstract T Apply(T x);
    }

    private readonly struct SignOp<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> x) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero), Vector<T>.One,
                Vector.ConditionalSelect(Vector.LessThan(x, Vector<T>.Zero), -Vector<T>.One, x));
        public static T Apply(T x) => Scalar.Unary(UnaryOp.Sign, x);
    }

    private readonly struct ReluOp<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        // Keep x where x > 0 or x is NaN (x != x), else +0.
        public static Vector<T> Apply(Vector<T> x) =>
            Vector.ConditionalSelect(Vector.GreaterThan(x, Vector<T>.Zero) | ~Vector.Equals(x, x), x, Vector<T>.Zero);
        public static T Apply(T x) => Scalar.Unary(UnaryOp.Relu, x);
    }

    private readonly struct StepOp<T> : IVectorUnary<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Apply(Vector<T> x) => Vector.GreaterThan(x, Vector<T>.Zero) & Vector<T>.One;
        public static T Apply(T x) => Scalar.Unary(UnaryOp.Step, x);
    }

    private static void Map<T, TOp>(ReadOnlySpan<T> x, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T> where TOp : IVectorUnary<T>
    {
        int n = x.Length, i = 0;
        ref T xr = ref MemoryMarshal.GetReference(x);
        ref T yr = ref MemoryMarshal.GetReference(y);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
            Vector.StoreUnsafe(TOp.Apply(Vector.LoadUnsafe(ref xr, (nuint)i)), ref yr, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref yr, i) = TOp.Apply(Unsafe.Add(ref xr, i));
    }

    /// <inheritdoc />
    public override void Binary(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        CheckBinary(op, a, b, y);
        if (!CpuLayout.SafeInPlace(a, y, a.Length) || !CpuLayout.SafeInPlace(b, y, a.Length))
        {
            base.Binary(op, a, b, y);
            return;
        }
        if (a.Buffer.DType == DType.Float32) BinaryT<float>(op, a, b, y); else BinaryT<double>(op, a, b, y);
    }

    private static void BinaryT<T>(BinaryOp op, in StridedView a, in StridedView b, DeviceBuffer y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int total = a.Length;
        if (total == 0) return;
        T[] sa = Arr<T>(a.Buffer), sb = Arr<T>(b.Buffer), dst = Arr<T>(y);
        if (a.IsContiguous && b.IsContiguous)
        {
            int ao0 = a.Offset, bo0 = b.Offset;
            if (total < ParallelElements) BinarySpans(op, sa.AsSpan(ao0, total), sb.AsSpan(bo0, total), dst.AsSpan(0, total));
            else SplitElements(total, (lo, hi) => BinarySpans(op, sa.AsSpan(ao0 + lo, hi - lo), sb.AsSpan(bo0 + lo, hi - lo), dst.AsSpan(lo, hi - lo)));
            return;
        }
        var plan = CpuLayout.Create(a.Shape, [a.Strides, b.Strides, StridedView.RowMajorStrides(a.Shape)], [a.Offset, b.Offset, 0]);
        int n = plan.Inner, as_ = plan.InnerStrides[0], bs = plan.InnerStrides[1];
        if (total >= 4096 && a.Strides.AsSpan().SequenceEqual(b.Strides) && IsPermutedDense(a.Shape, a.Strides))
        {
            // Both operands are the same permutation of a dense block (e.g. two transposed
            // gradients): combine the blocks flat, then transpose the result into place once.
            T[] flat = ArrayPool<T>.Shared.Rent(total);
            try
            {
                int ao0 = a.Offset, bo0 = b.Offset;
                if (total < ParallelElements) BinarySpans(op, sa.AsSpan(ao0, total), sb.AsSpan(bo0, total), flat.AsSpan(0, total));
                else SplitElements(total, (lo, hi) => BinarySpans(op, sa.AsSpan(ao0 + lo, hi - lo), sb.AsSpan(bo0 + lo, hi - lo), flat.AsSpan(lo, hi - lo)));
                CopyStrided(flat, a.Shape, a.Strides, 0, dst, StridedView.RowMajorStrides(a.Shape), 0);
            }
            finally
            {
                ArrayPool<T>.Shared.Return(flat);
            }
            return;
        }
        if (plan.OuterRank == 0 && total >= ParallelElements && (as_ | bs) <= 1)
        {
            // One long row (contiguous or scalar-broadcast operands): split it over the cores.
            int a0 = plan.Offsets[0], b0 = plan.Offsets[1], y0 = plan.Offsets[2];
            SplitElements(total, (lo, hi) =>
                BinaryRow(op, sa, a0 + lo * as_, as_, sb, b0 + lo * bs, bs, dst.AsSpan(y0 + lo, hi - lo)));
            return;
        }
        if (total >= 4096 && (as_ > 1 || bs > 1) && (a.IsContiguous || b.IsContiguous) && NoBroadcast(a) && NoBroadcast(b))
        {
            // One operand is a permuted view (typically a transposed gradient): gather it with the
            // blocked transpose first, then run the contiguous kernel.
            var strided = a.IsContiguous ? b : a;
            T[] dense = ArrayPool<T>.Shared.Rent(total);
            try
            {
                CopyStrided(Arr<T>(strided.Buffer), strided.Shape, strided.Strides, strided.Offset, dense, StridedView.RowMajorStrides(strided.Shape), 0);
                var left = a.IsContiguous ? sa.AsSpan(a.Offset, total) : dense.AsSpan(0, total);
                var right = a.IsContiguous ? dense.AsSpan(0, total) : sb.AsSpan(b.Offset, total);
                BinarySpans(op, left, right, dst.AsSpan(0, total));
            }
            finally
            {
                ArrayPool<T>.Shared.Return(dense);
            }
            return;
        }
        if (total >= 4096 && n < 256)
        {
            bool rowIsB = a.IsContiguous && bs == 1 && RepeatsOneRow(plan, 1);
            if (rowIsB || b.IsContiguous && as_ == 1 && RepeatsOneRow(plan, 0))
            {
                BinaryRepeatedRow(op, rowIsB ? a : b, rowIsB ? b : a, rowIsB, dst, n);
                return;
            }
        }
        if (plan.OuterRank >= 1 && total >= ParallelElements && (as_ | bs) <= 1)
        {
            // Rows x inner with both inputs unit-stride or broadcast along the row (e.g. adding a
            // bias, per row or per channel plane): rows in parallel, each worker from its own first row.
            int a0 = plan.Offsets[0], b0 = plan.Offsets[1], y0 = plan.Offsets[2];
            CpuLayout.Parallel(plan.Rows, (long)total * 4, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                    BinaryRow(op, sa, plan.RowOffset(0, r, a0), as_, sb, plan.RowOffset(1, r, b0), bs, dst.AsSpan(plan.RowOffset(2, r, y0), n));
            });
            return;
        }
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int ao = plan.Offsets[0], bo = plan.Offsets[1];
            Span<T> row = dst.AsSpan(plan.Offsets[2], n);
            if (as_ == 1 && bs == 1) BinarySpans(op, sa.AsSpan(ao, n), sb.AsSpan(bo, n), row);
            else if (as_ == 1 && bs == 0) BinarySpanScalar(op, sa.AsSpan(ao, n), sb[bo], row);
            else if (as_ == 0 && bs == 1) BinaryScalarSpan(op, sa[ao], sb.AsSpan(bo, n), row);
            else if (as_ == 0 && bs == 0) row.Fill(Scalar.Binary(op, sa[ao], sb[bo]));
            else for (int i = 0; i < n; i++) row[i] = Scalar.Binary(op, sa[ao + i * as_], sb[bo + i * bs]);
        }
    }

    /// <summary>True when the view's elements fill one dense block starting at its offset, in some axis order.</summary>
    private static bool IsPermutedDense(int[] shape, int[] strides)
    {
        Span<int> order = stackalloc int[shape.Length];
        int count = 0;
        for (int d = 0; d < shape.Length; d++)
        {
            if (shape[d] == 1) continue;
            int at = count++;
            // Insertion sort by stride.
            while (at > 0 && strides[order[at - 1]] > strides[d])
            {
                order[at] = order[at - 1];
                at--;
            }
            order[at] = d;
        }
        long expected = 1;
        for (int i = 0; i < count; i++)
        {
            if (strides[order[i]] != expected) return false;
            expected *= shape[order[i]];
        }
        return true;
    }

    private static bool NoBroadcast(in StridedView v)
    {
        for (int d = 0; d < v.Shape.Length; d++)
            if (v.Strides[d] == 0 && v.Shape[d] > 1) return false;
        return true;
    }

    /// <summary>Whether view <paramref name="view"/> of the plan reads the same row for every outer index (a broadcast bias row).</summary>
    private static bool RepeatsOneRow(CpuLayout plan, int view)
    {
        for (int d = 0; d < plan.OuterRank; d++)
            if (plan.OuterStride(view, d) != 0) return false;
        return plan.OuterRank > 0;
    }

    /// <summary>
    /// A contiguous operand combined with one short row repeated down it (e.g. [10000, 50] + [50]):
    /// the row is tiled into a block of whole rows about a thousand elements long, so the kernel runs
    /// on long spans instead of paying its call overhead once per short row.
    /// </summary>
    private static void BinaryRepeatedRow<T>(BinaryOp op, in StridedView full, in StridedView row, bool rowIsB, T[] dst, int n) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T[] src = Arr<T>(full.Buffer), rowData = Arr<T>(row.Buffer);
        int total = full.Length, rows = total / n, perBlock = Math.Max(1, 1024 / n), blocks = (rows + perBlock - 1) / perBlock;
        int fullAt = full.Offset, rowAt = row.Offset;
        T[] tiled = ArrayPool<T>.Shared.Rent(perBlock * n);
        try
        {
            for (int r = 0; r < perBlock; r++) rowData.AsSpan(rowAt, n).CopyTo(tiled.AsSpan(r * n, n));
            CpuLayout.Parallel(blocks, (long)total * 4, (lo, hi) =>
            {
                for (int blk = lo; blk < hi; blk++)
                {
                    int r0 = blk * perBlock, len = (Math.Min(rows, r0 + perBlock) - r0) * n;
                    ReadOnlySpan<T> f = src.AsSpan(fullAt + r0 * n, len), t = tiled.AsSpan(0, len);
                    if (rowIsB) BinarySpans(op, f, t, dst.AsSpan(r0 * n, len));
                    else BinarySpans(op, t, f, dst.AsSpan(r0 * n, len));
                }
            });
        }
        finally
        {
            ArrayPool<T>.Shared.Return(tiled);
        }
    }

    /// <summary>One row of a broadcast binary op; each input is unit-stride (step 1) or one repeated element (step 0).</summary>
    private static void BinaryRow<T>(BinaryOp op, T[] sa, int ao, int as_, T[] sb, int bo, int bs, Span<T> row) where T : unmanaged, IFloatingPointIeee754<T>
    {
        int n = row.Length;
        if (as_ == 1 && bs == 1) BinarySpans(op, sa.AsSpan(ao, n), sb.AsSpan(bo, n), row);
        else if (as_ == 1) BinarySpanScalar(op, sa.AsSpan(ao, n), sb[bo], row);
        else if (bs == 1) BinaryScalarSpan(op, sa[ao], sb.AsSpan(bo, n), row);
        else row.Fill(Scalar.Binary(op, sa[ao], sb[bo]));
    }

    private static void BinarySpans<T>(BinaryOp op, ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, b, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, b, y); break;
            default: Compare(op, a, 1, b, 1, y); break;
        }
    }

    private static void BinarySpanScalar<T>(BinaryOp op, ReadOnlySpan<T> a, T b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Add: TensorPrimitives.Add(a, b, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(a, b, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(a, b, y); break;
            default: Compare(op, a, 1, new ReadOnlySpan<T>(in b), 0, y); break;
        }
    }

    private static void BinaryScalarSpan<T>(BinaryOp op, T a, ReadOnlySpan<T> b, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            // Commutative ops reuse the span-scalar kernels.
            case BinaryOp.Add: TensorPrimitives.Add(b, a, y); break;
            case BinaryOp.Mul: TensorPrimitives.Multiply(b, a, y); break;
            case BinaryOp.Maximum: TensorPrimitives.Max(b, a, y); break;
            case BinaryOp.Minimum: TensorPrimitives.Min(b, a, y); break;
            case BinaryOp.Sub: TensorPrimitives.Subtract(a, b, y); break;
            case BinaryOp.Div: TensorPrimitives.Divide(a, b, y); break;
            case BinaryOp.Pow: TensorPrimitives.Pow(a, b, y); break;
            default: Compare(op, new ReadOnlySpan<T>(in a), 0, b, 1, y); break;
        }
    }

    /// <summary>Comparison producing 1 or 0; a step of 0 repeats that operand's single element.</summary>
    private static void Compare<T>(BinaryOp op, ReadOnlySpan<T> a, int stepA, ReadOnlySpan<T> b, int stepB, Span<T> y) where T : unmanaged, IFloatingPointIeee754<T>
    {
        switch (op)
        {
            case BinaryOp.Equal: Compare<T, EqualOp<T>>(a, stepA, b, stepB, y); break;
            case BinaryOp.NotEqual: Compare<T, NotEqualOp<T>>(a, stepA, b, stepB, y); break;
            case BinaryOp.Less: Compare<T, LessOp<T>>(a, stepA, b, stepB, y); break;
            case BinaryOp.LessEqual: Compare<T, LessEqualOp<T>>(a, stepA, b, stepB, y); break;
            case BinaryOp.Greater: Compare<T, LessOp<T>>(b, stepB, a, stepA, y); break;
            case BinaryOp.GreaterEqual: Compare<T, LessEqualOp<T>>(b, stepB, a, stepA, y); break;
            default: throw new ArgumentOutOfRangeException(nameof(op), op, "unknown binary op");
        }
    }

    /// <summary>A predicate with a vector mask form and a scalar form.</summary>
    private interface IVectorPredicate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        static abstract Vector<T> Mask(Vector<T> a, Vector<T> b);
        static abstract bool Test(T a, T b);
    }

    private readonly struct EqualOp<T> : IVectorPredicate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Mask(Vector<T> a, Vector<T> b) => Vector.Equals(a, b);
        public static bool Test(T a, T b) => a == b;
    }

    private readonly struct NotEqualOp<T> : IVectorPredicate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Mask(Vector<T> a, Vector<T> b) => ~Vector.Equals(a, b);
        public static bool Test(T a, T b) => a != b;
    }

    private readonly struct LessOp<T> : IVectorPredicate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Mask(Vector<T> a, Vector<T> b) => Vector.LessThan(a, b);
        public static bool Test(T a, T b) => a < b;
    }

    private readonly struct LessEqualOp<T> : IVectorPredicate<T> where T : unmanaged, IFloatingPointIeee754<T>
    {
        public static Vector<T> Mask(Vector<T> a, Vector<T> b) => Vector.LessThanOrEqual(a, b);
        public static bool Test(T a, T b) => a <= b;
    }

    private static void Compare<T, TOp>(ReadOnlySpan<T> a, int stepA, ReadOnlySpan<T> b, int stepB, Span<T> y)
        where T : unmanaged, IFloatingPointIeee754<T> where TOp : IVectorPredicate<T>
    {
        int n = y.Length, i = 0;
        ref T ar = ref MemoryMarshal.GetReference(a);
        ref T br = ref MemoryMarshal.GetReference(b);
        ref T yr = ref MemoryMarshal.GetReference(y);
        Vector<T> fixedA = new(ar), fixedB = new(br);
        for (; i <= n - Vector<T>.Count; i += Vector<T>.Count)
        {
            Vector<T> va = stepA == 0 ? fixedA : Vector.LoadUnsafe(ref ar, (nuint)i);
            Vector<T> vb = stepB == 0 ? fixedB : Vector.LoadUnsafe(ref br, (nuint)i);
            Vector.StoreUnsafe(TOp.Mask(va, vb) & Vector<T>.One, ref yr, (nuint)i);
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = TOp.Test(Unsafe.Add(ref ar, i * stepA), Unsafe.Add(ref br, i * stepB)) ? T.One : T.Zero;
    }

    /// <inheritdoc />
    public override void Where(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        Check.WhereArgs(condition, a, b, y);
        int n = a.Length;
        if (!CpuLayout.SafeInPlace(condition, y, n) || !CpuLayout.SafeInPlace(a, y, n) || !CpuLayout.SafeInPlace(b, y, n))
        {
            base.Where(condition, a, b, y);
            return;
        }
        switch (condition.Buffer.DType)
        {
            case DType.Float32: WhereC<float>(condition, a, b, y); break;
            case DType.Float64: WhereC<double>(condition, a, b, y); break;
            default: WhereC<int>(condition, a, b, y); break;
        }
    }

    private static void WhereC<TC>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y) where TC : unmanaged, INumberBase<TC>
    {
        switch (a.Buffer.DType)
        {
            case DType.Float32: WhereT<TC, float>(condition, a, b, y); break;
            case DType.Float64: WhereT<TC, double>(condition, a, b, y); break;
            default: WhereT<TC, int>(condition, a, b, y); break;
        }
    }

    /// <summary>y[i] = c[co + i] != 0 ? a : b, where a and b advance by 1 or stay (stride 0); NaN selects a.</summary>
    private static void WhereRow<T>(T[] c, int co, T[] a, int ao, int as_, T[] b, int bo, int bs, Span<T> y) where T : unmanaged
    {
        int n = y.Length, i = 0, w = Vector<T>.Count;
        ref T cr = ref c[co];
        ref T yr = ref MemoryMarshal.GetReference(y);
        if (Vector.IsHardwareAccelerated)
        {
            var zero = Vector<T>.Zero;
            for (; i <= n - w; i += w)
            {
                var av = as_ == 1 ? Vector.LoadUnsafe(ref a[ao + i]) : new Vector<T>(a[ao]);
                var bv = bs == 1 ? Vector.LoadUnsafe(ref b[bo + i]) : new Vector<T>(b[bo]);
                Vector.StoreUnsafe(Vector.ConditionalSelect(Vector.Equals(Vector.LoadUnsafe(ref cr, (nuint)i), zero), bv, av), ref yr, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref yr, i) = EqualityComparer<T>.Default.Equals(Unsafe.Add(ref cr, i), default) ? b[bo + i * bs] : a[ao + i * as_];
    }

    private static void WhereT<TC, T>(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
        where TC : unmanaged, INumberBase<TC> where T : unmanaged
    {
        if (a.Length == 0) return;
        TC[] c = Arr<TC>(condition.Buffer);
        T[] sa = Arr<T>(a.Buffer), sb = Arr<T>(b.Buffer), dst = Arr<T>(y);
        var plan = CpuLayout.Create(a.Shape, [condition.Strides, a.Strides, b.Strides, StridedView.RowMajorStrides(a.Shape)],
            [condition.Offset, a.Offset, b.Offset, 0]);
        int n = plan.Inner, cs = plan.InnerStrides[0], as_ = plan.InnerStrides[1], bs = plan.InnerStrides[2];
        if (typeof(TC) == typeof(T) && (typeof(T) == typeof(float) || typeof(T) == typeof(double)) && cs == 1 && (as_ | bs) <= 1)
        {
            // Same float type throughout, unit-stride condition (e.g. relu's backward, selected by
            // its output): vector selects, rows in parallel.
            var rowPlan = plan;
            T[] cT = (T[])(object)c;
            if (plan.Rows == 1)
            {
                int c0 = plan.Offsets[0], a0 = plan.Offsets[1], b0 = plan.Offsets[2], y0 = plan.Offsets[3];
                SplitElements(n, (lo, hi) => WhereRow(cT, c0 + lo, sa, a0 + lo * as_, as_, sb, b0 + lo * bs, bs, dst.AsSpan(y0 + lo, hi - lo)));
                return;
            }
            CpuLayout.Parallel(plan.Rows, (long)a.Length * 2, (lo, hi) =>
            {
                for (int r = lo; r < hi; r++)
                    WhereRow(cT, rowPlan.RowOffset(0, r, rowPlan.Offsets[0]), sa, rowPlan.RowOffset(1, r, rowPlan.Offsets[1]), as_,
                        sb, rowPlan.RowOffset(2, r, rowPlan.Offsets[2]), bs, dst.AsSpan(rowPlan.RowOffset(3, r, rowPlan.Offsets[3]), n));
            });
            return;
        }
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int co = plan.Offsets[0], ao = plan.Offsets[1], bo = plan.Offsets[2], yo = plan.Offsets[3];
            // NaN is not zero, so it selects a, as in the reference.
            for (int i = 0; i < n; i++)
                dst[yo + i] = TC.IsZero(c[co + i * cs]) ? sb[bo + i * bs] : sa[ao + i * as_];
        }
    }
}
