namespace TinyGrad.Kernels;

/// <summary>Argument checks shared by the backends: a bad view or size throws before any kernel runs.</summary>
internal static class Check
{
    /// <summary>Throws unless every element the view addresses lies inside its buffer.</summary>
    public static void InBounds(in StridedView view, string what)
    {
        if (view.Length == 0) return;
        var (lo, hi) = view.Reach();
        if (lo < 0 || hi >= view.Buffer.Length)
            throw new ArgumentException($"{what}: view [{string.Join(", ", view.Shape)}] with strides [{string.Join(", ", view.Strides)}] at offset {view.Offset} reaches elements {lo}..{hi} of a buffer of {view.Buffer.Length}");
    }

    /// <summary>Throws unless the two shapes are equal.</summary>
    public static void SameShape(int[] a, int[] b, string what)
    {
        if (!a.AsSpan().SequenceEqual(b))
            throw new ArgumentException($"{what}: shapes [{string.Join(", ", a)}] and [{string.Join(", ", b)}] differ");
    }

    /// <summary>Throws unless the buffer has the dtype and at least <paramref name="length"/> elements.</summary>
    public static void Buffer(DeviceBuffer buffer, DType dtype, int length, string what)
    {
        if (buffer.DType != dtype)
            throw new ArgumentException($"{what}: expected a {dtype} buffer, got {buffer.DType}");
        if (buffer.Length < length)
            throw new ArgumentException($"{what}: buffer of {buffer.Length} elements is smaller than the {length} needed");
    }

    /// <summary>Throws unless the dtype is Float32 or Float64.</summary>
    public static void Float(DType dtype, string what)
    {
        if (!dtype.IsFloat())
            throw new NotSupportedException($"{what} needs Float32 or Float64 data, got {dtype}");
    }

    /// <summary>Checks of a strided copy: equal shapes, both views inside their buffers.</summary>
    public static void CopyArgs(in StridedView source, in StridedView destination)
    {
        Check.SameShape(source.Shape, destination.Shape, "copy");
        Check.InBounds(source, "copy source");
        Check.InBounds(destination, "copy destination");
    }

    /// <summary>Checks of a unary map: a float input inside its buffer and an output that holds it.</summary>
    public static void UnaryArgs(string op, in StridedView x, DeviceBuffer y)
    {
        Check.Float(x.Buffer.DType, $"unary {op}");
        Check.InBounds(x, $"unary {op}");
        Check.Buffer(y, x.Buffer.DType, x.Length, $"unary {op} output");
    }

    /// <summary>Checks of argmax: a float input, an axis of it, Int32 indices, both views inside their buffers.</summary>
    public static void ArgMaxArgs(in StridedView x, int axis, in StridedView indices)
    {
        Check.Float(x.Buffer.DType, "argmax");
        if ((uint)axis >= (uint)x.Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"argmax: axis out of range for rank {x.Rank}");
        if (indices.Buffer.DType != DType.Int32) throw new ArgumentException($"argmax: indices must be Int32, got {indices.Buffer.DType}");
        Check.InBounds(x, "argmax input");
        Check.InBounds(indices, "argmax indices");
    }

    /// <summary>Argument checks of a binary map or comparison: equal dtypes (float ones for a map) and shapes, views inside their buffers.</summary>
    public static void BinaryArgs(string op, in StridedView a, in StridedView b, DeviceBuffer y, bool floatOnly)
    {
        if (floatOnly) Check.Float(a.Buffer.DType, $"binary {op}");
        if (a.Buffer.DType != b.Buffer.DType)
            throw new ArgumentException($"binary {op}: dtypes {a.Buffer.DType} and {b.Buffer.DType} differ");
        Check.SameShape(a.Shape, b.Shape, $"binary {op}");
        Check.InBounds(a, $"binary {op} left");
        Check.InBounds(b, $"binary {op} right");
        Check.Buffer(y, a.Buffer.DType, a.Length, $"binary {op} output");
    }

    /// <summary>Argument checks of <see cref="Backend.Reduce"/>.</summary>
    public static void ReduceArgs(ReduceOp op, in StridedView x, in StridedView y)
    {
        Check.Float(x.Buffer.DType, $"reduce {op}");
        if (x.Rank != y.Rank) throw new ArgumentException($"reduce {op}: input rank {x.Rank} and output rank {y.Rank} differ");
        for (int d = 0; d < x.Rank; d++)
            if (y.Shape[d] != x.Shape[d] && y.Shape[d] != 1)
                throw new ArgumentException($"reduce {op}: output shape [{string.Join(", ", y.Shape)}] does not fit input [{string.Join(", ", x.Shape)}]");
        if (y.Buffer.DType != x.Buffer.DType) throw new ArgumentException($"reduce {op}: output dtype {y.Buffer.DType}, input {x.Buffer.DType}");
        Check.InBounds(x, $"reduce {op} input");
        Check.InBounds(y, $"reduce {op} output");
    }

    /// <summary>Argument checks of <see cref="Backend.Gemm"/>: dtypes and the last element each operand reaches.</summary>
    public static void GemmArgs(in GemmArgs g, DeviceBuffer a, DeviceBuffer b, DeviceBuffer c)
    {
        Check.Float(a.DType, "gemm");
        if (b.DType != a.DType || c.DType != a.DType) throw new ArgumentException($"gemm: dtypes {a.DType}, {b.DType}, {c.DType} differ");
        if (g.Batch < 0 || g.M < 0 || g.N < 0 || g.K < 0) throw new ArgumentException($"gemm: negative size in {g}");
        if (g.Batch == 0 || g.M == 0 || g.N == 0) return;
        (int rowsA, int colsA) = g.TransA ? (g.K, g.M) : (g.M, g.K);
        (int rowsB, int colsB) = g.TransB ? (g.N, g.K) : (g.K, g.N);
        Reach(a, g.OffsetA, g.Lda, g.BatchStrideA, rowsA, colsA, g.Batch, "gemm A");
        Reach(b, g.OffsetB, g.Ldb, g.BatchStrideB, rowsB, colsB, g.Batch, "gemm B");
        Reach(c, g.OffsetC, g.Ldc, g.BatchStrideC, g.M, g.N, g.Batch, "gemm C");

        static void Reach(DeviceBuffer buf, int offset, int ld, int batchStride, int rows, int cols, int batch, string what)
        {
            if (rows == 0 || cols == 0) return;
            if (ld < cols) throw new ArgumentException($"{what}: leading dimension {ld} is smaller than the {cols} columns");
            long last = offset + (long)(batch - 1) * batchStride + (long)(rows - 1) * ld + cols - 1;
            if (offset < 0 || batchStride < 0 || last >= buf.Length)
                throw new ArgumentException($"{what}: reaches element {last} of a buffer of {buf.Length}");
        }
    }

    /// <summary>Argument checks of the convolution primitives.</summary>
    public static void ConvArgs(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, DeviceBuffer y, string what)
    {
        ConvInputs(g, x, w, what);
        Check.Buffer(y, x.DType, g.Sizes.Y, $"{what} y");
    }

    /// <summary>A convolution's geometry, input and weights (its output is checked by the caller).</summary>
    public static void ConvInputs(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer w, string what)
    {
        Check.Float(x.DType, what);
        if (g.N < 0 || g.C <= 0 || g.O <= 0 || g.KH <= 0 || g.KW <= 0 || g.StrideH <= 0 || g.StrideW <= 0
            || g.PadH < 0 || g.PadW < 0 || g.DilationH <= 0 || g.DilationW <= 0 || g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"{what}: invalid geometry {g}");
        var (nx, nw, _) = g.Sizes;
        Check.Buffer(x, x.DType, nx, $"{what} x");
        Check.Buffer(w, x.DType, nw, $"{what} w");
    }

    /// <summary>Checks a matrix product's optional bias: N elements of the operands' dtype.</summary>
    public static void GemmBias(in GemmArgs g, DeviceBuffer a, DeviceBuffer? bias)
    {
        if (bias is not null) Check.Buffer(bias, a.DType, g.N, "gemm bias");
    }

    /// <summary>Checks that <paramref name="epilogue"/> is one this engine knows.</summary>
    public static void KnownEpilogue(Epilogue epilogue, string what)
    {
        if (!Enum.IsDefined(epilogue)) throw new ArgumentOutOfRangeException(nameof(epilogue), epilogue, $"{what}: unknown epilogue {(int)epilogue}");
    }

    /// <summary>
    /// Checks a GEMM's epilogue and its auxiliary input: <see cref="Epilogue.ReluGradient"/> needs one
    /// of C's dtype covering a dense C (offset 0, ldc = N, batch stride M x N), the others take none.
    /// </summary>
    public static void GemmEpilogue(in GemmArgs g, DeviceBuffer c, Epilogue epilogue, DeviceBuffer? aux)
    {
        KnownEpilogue(epilogue, "gemm");
        if (epilogue != Epilogue.ReluGradient)
        {
            if (aux is not null) throw new ArgumentException($"gemm: epilogue {epilogue} takes no auxiliary input");
            return;
        }
        if (aux is null) throw new ArgumentException("gemm: epilogue ReluGradient needs the ReLU's output as its auxiliary input");
        if (g.OffsetC != 0 || g.Ldc != g.N || (g.Batch > 1 && g.BatchStrideC != g.M * g.N))
            throw new ArgumentException($"gemm: epilogue ReluGradient needs a dense C (offset 0, ldc {g.N}, batch stride {g.M * g.N}), got {g}");
        Check.Buffer(aux, c.DType, g.Batch * g.M * g.N, "gemm ReluGradient input");
    }

    /// <summary>Checks a convolution's epilogue: a known one, and not <see cref="Epilogue.ReluGradient"/> (a GEMM's only).</summary>
    public static void ConvEpilogue(Epilogue epilogue, string what)
    {
        KnownEpilogue(epilogue, what);
        if (epilogue == Epilogue.ReluGradient) throw new ArgumentException($"{what}: epilogue ReluGradient is a GEMM's only");
    }

    /// <summary>Checks a convolution's optional bias: O elements of the input's dtype.</summary>
    public static void ConvBias(in Conv2dGeometry g, DeviceBuffer x, DeviceBuffer? bias, string what)
    {
        if (bias is not null) Check.Buffer(bias, x.DType, g.O, $"{what} bias");
    }

    /// <summary>Argument checks of the pooling primitives.</summary>
    public static void PoolArgs(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, string what)
    {
        Check.Float(x.DType, what);
        PoolGeometry(g, what);
        Check.Buffer(x, x.DType, g.N * g.C * g.H * g.W, $"{what} input");
        Check.Buffer(y, x.DType, g.N * g.C * g.OutH * g.OutW, $"{what} output");
    }

    /// <summary>A pooling window that fits its input, its padding at most half the window.</summary>
    public static void PoolGeometry(in Pool2dGeometry g, string what)
    {
        if (g.N < 0 || g.C < 0 || g.KH <= 0 || g.KW <= 0 || g.StrideH <= 0 || g.StrideW <= 0 || g.PadH < 0 || g.PadW < 0
            || 2 * g.PadH > g.KH || 2 * g.PadW > g.KW || g.H + 2 * g.PadH < g.KH || g.W + 2 * g.PadW < g.KW || g.OutH <= 0 || g.OutW <= 0)
            throw new ArgumentException($"{what}: invalid geometry {g} (the window must fit the padded input, the padding be at most half the window)");
    }

    /// <summary>Argument checks of max pooling: the pooling checks and Int32 indices of the output's size.</summary>
    public static void MaxPoolArgs(in Pool2dGeometry g, DeviceBuffer x, DeviceBuffer y, DeviceBuffer indices, string what = "max_pool2d")
    {
        PoolArgs(g, x, y, what);
        Buffer(indices, DType.Int32, g.N * g.C * g.OutH * g.OutW, $"{what} indices");
    }

    /// <summary>
    /// Argument checks of a convolution whose output is max pooled in the same call: the
    /// convolution's, and a pooling of exactly its output into y and Int32 indices.
    /// </summary>
    public static void ConvMaxPoolArgs(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer w, DeviceBuffer? bias, Epilogue epilogue, DeviceBuffer y, DeviceBuffer indices, string what)
    {
        ConvInputs(conv, x, w, what);
        ConvBias(conv, x, bias, what);
        ConvEpilogue(epilogue, what);
        PoolOfConv(conv, pool, what);
        int pooled = pool.N * pool.C * pool.OutH * pool.OutW;
        Check.Buffer(y, x.DType, pooled, $"{what} output");
        Buffer(indices, DType.Int32, pooled, $"{what} indices");
    }

    /// <summary>
    /// Argument checks of a convolution's weight (and bias) gradients from the gradient of its max
    /// pooled output: the convolution's, a pooling of exactly its output, the pooled gradient, the
    /// forward's Int32 indices and the gate in the pooling's output shape.
    /// </summary>
    public static void ConvOfMaxPoolGradientArgs(in Conv2dGeometry conv, in Pool2dGeometry pool, DeviceBuffer x, DeviceBuffer dy, DeviceBuffer indices, DeviceBuffer? gate, DeviceBuffer dw, DeviceBuffer? dbias, string what)
    {
        ConvInputs(conv, x, dw, what);
        ConvBias(conv, x, dbias, what);
        PoolOfConv(conv, pool, what);
        int pooled = pool.N * pool.C * pool.OutH * pool.OutW;
        Check.Buffer(dy, x.DType, pooled, $"{what} pooled gradient");
        Buffer(indices, DType.Int32, pooled, $"{what} indices");
        if (gate is not null) Check.Buffer(gate, x.DType, pooled, $"{what} gate");
    }

    /// <summary>Throws unless <paramref name="pool"/> is a valid pooling of exactly the convolution's output.</summary>
    private static void PoolOfConv(in Conv2dGeometry conv, in Pool2dGeometry pool, string what)
    {
        if (pool.N != conv.N || pool.C != conv.O || pool.H != conv.OutH || pool.W != conv.OutW)
            throw new ArgumentException($"{what}: the pooling's input [{pool.N}, {pool.C}, {pool.H}, {pool.W}] is not the convolution's output [{conv.N}, {conv.O}, {conv.OutH}, {conv.OutW}]");
        PoolGeometry(pool, what);
    }

    /// <summary>Argument checks of gather and scatter-add.</summary>
    public static void IndexingArgs(in StridedView data, int axis, in StridedView index, in StridedView other, string what)
    {
        if ((uint)axis >= (uint)data.Rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"{what}: axis out of range for rank {data.Rank}");
        if (index.Buffer.DType != DType.Int32) throw new ArgumentException($"{what}: index must be Int32, got {index.Buffer.DType}");
        if (index.Rank != data.Rank) throw new ArgumentException($"{what}: index rank {index.Rank} differs from data rank {data.Rank}");
        for (int d = 0; d < data.Rank; d++)
            if (d != axis && index.Shape[d] > data.Shape[d])
                throw new ArgumentException($"{what}: index shape [{string.Join(", ", index.Shape)}] exceeds data shape [{string.Join(", ", data.Shape)}] in dimension {d}");
        Check.SameShape(index.Shape, other.Shape, what);
        if (other.Buffer.DType != data.Buffer.DType) throw new ArgumentException($"{what}: dtypes {data.Buffer.DType} and {other.Buffer.DType} differ");
        Check.InBounds(data, $"{what} data");
        Check.InBounds(index, $"{what} index");
        Check.InBounds(other, what);
    }

    /// <summary>Argument checks of the optimizer steps.</summary>
    public static void StepArgs(DeviceBuffer param, string what, params DeviceBuffer?[] others)
    {
        Check.Float(param.DType, what);
        foreach (var other in others)
            if (other is not null) Check.Buffer(other, param.DType, param.Length, what);
    }

    /// <summary>Argument checks of <see cref="Backend.Where"/>.</summary>
    public static void WhereArgs(in StridedView condition, in StridedView a, in StridedView b, DeviceBuffer y)
    {
        SameShape(condition.Shape, a.Shape, "where");
        SameShape(a.Shape, b.Shape, "where");
        if (a.Buffer.DType != b.Buffer.DType) throw new ArgumentException($"where: dtypes {a.Buffer.DType} and {b.Buffer.DType} differ");
        InBounds(condition, "where condition");
        InBounds(a, "where left");
        InBounds(b, "where right");
        Buffer(y, a.Buffer.DType, a.Length, "where output");
    }
}
