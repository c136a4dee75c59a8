using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// The copy family: strided copies (runs, broadcasts, blocked and 8 x 8 register transposes) and
/// float conversions, and fill. Overlapping views and Int32 conversions go to the reference (see
/// <see cref="CpuBackend.Fallbacks"/>).
/// </summary>
internal static class Copy
{
    /// <summary>Whether <see cref="Run"/> converts <paramref name="from"/> to <paramref name="to"/>: same dtype, or Float32 and Float64.</summary>
    public static bool Converts(DType from, DType to) => from == to || from != DType.Int32 && to != DType.Int32;

    /// <summary>Copies between views that do not overlap, for the dtype pairs of <see cref="Converts"/>.</summary>
    public static void Run(in StridedView source, in StridedView destination)
    {
        switch (source.Buffer.DType, destination.Buffer.DType)
        {
            case (DType.Float32, DType.Float32): Same<float>(source, destination); break;
            case (DType.Float64, DType.Float64): Same<double>(source, destination); break;
            case (DType.Int32, DType.Int32): Same<int>(source, destination); break;
            case (DType.Float32, DType.Float64): Convert<float, double>(source, destination); break;
            case (DType.Float64, DType.Float32): Convert<double, float>(source, destination); break;
            default: throw new ArgumentException($"copy: no fast conversion from {source.Buffer.DType} to {destination.Buffer.DType}");
        }
    }

    /// <summary>Copy between views of one dtype (no checks; the views must not overlap).</summary>
    public static void Same<T>(in StridedView source, in StridedView destination) where T : unmanaged
    {
        T[] src = CpuBuffer.ArrayOf<T>(source.Buffer), dst = CpuBuffer.ArrayOf<T>(destination.Buffer);
        if (source.IsContiguous && destination.IsContiguous)
        {
            int from = source.Offset, to = destination.Offset, n = source.Length;
            if (n < Partition.ParallelElements) src.AsSpan(from, n).CopyTo(dst.AsSpan(to, n));
            else Partition.Elements(n, (lo, hi) => src.AsSpan(from + lo, hi - lo).CopyTo(dst.AsSpan(to + lo, hi - lo)));
            return;
        }
        Strided(src, source.Shape, source.Strides, source.Offset, dst, destination.Strides, destination.Offset);
    }

    /// <summary>Strided copy between host arrays (no checks; the views must not overlap).</summary>
    public static void Strided<T>(T[] src, int[] shape, int[] srcStrides, int srcOffset, T[] dst, int[] dstStrides, int dstOffset)
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
        Partition.Parallel(bands, (long)rows * cols, (lo, hi) =>
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

    /// <summary>Float32 to Float64 or back, row by row (C# conversions: round to nearest).</summary>
    private static void Convert<TS, TD>(in StridedView source, in StridedView destination)
        where TS : unmanaged, INumberBase<TS> where TD : unmanaged, INumberBase<TD>
    {
        TS[] src = CpuBuffer.ArrayOf<TS>(source.Buffer);
        TD[] dst = CpuBuffer.ArrayOf<TD>(destination.Buffer);
        var plan = CpuLayout.Of(source, destination);
        int n = plan.Inner, ss = plan.InnerStrides[0], ds = plan.InnerStrides[1];
        for (int r = 0; r < plan.Rows; r++, plan.Next())
        {
            int so = plan.Offsets[0], d0 = plan.Offsets[1];
            for (int i = 0; i < n; i++) dst[d0 + i * ds] = TD.CreateTruncating(src[so + i * ss]);
        }
    }

    /// <summary>Sets every element of the view to <paramref name="value"/>.</summary>
    public static void Fill<T>(in StridedView destination, T value) where T : unmanaged
    {
        T[] dst = CpuBuffer.ArrayOf<T>(destination.Buffer);
        if (destination.IsContiguous)
        {
            int at = destination.Offset, length = destination.Length;
            if (length < Partition.ParallelElements) dst.AsSpan(at, length).Fill(value);
            else Partition.Elements(length, (lo, hi) => dst.AsSpan(at + lo, hi - lo).Fill(value));
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
}
