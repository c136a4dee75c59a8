using System.Numerics;
using ILGPU;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>
/// An input of the tiled product as the tile loader reads it: A (rows = M) or B (rows = N), each
/// element addressed by (batch, row, k). Dense matrices and the convolutions' implicit im2col views
/// implement it, so the convolutions run on the GEMM tiles.
/// </summary>
internal interface IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    /// <summary>Whether the four elements of a fetch run along K (else along the rows); the direction in which memory is contiguous.</summary>
    bool AlongK { get; }

    /// <summary>
    /// Elements (row, k) .. (row, k + 3) when <see cref="AlongK"/>, else (row, k) .. (row + 3, k);
    /// zero past the last row and at k &gt;= <paramref name="kEnd"/> (the end of this group's K slice).
    /// </summary>
    Quad<T> Fetch(int batch, int row, int k, int kEnd);
}

/// <summary>
/// A dense row-major operand: element (row, k) at Offset + batch * Stride + row * Ld + k, or
/// k * Ld + row when stored transposed (then contiguous along the rows). With <see cref="Vector"/>
/// (set when offset, Ld and Stride are multiples of 4 and the buffer is 16-byte aligned) whole
/// quads are one vector load.
/// </summary>
internal struct DenseOperand<T> : IGemmOperand<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> Data;
    public ArrayView<Quad<T>> Quads;
    public int Offset, Ld, Stride, Rows, Transposed, Vector;

    public DenseOperand(ArrayView<T> data, int offset, int ld, int stride, int rows, bool transposed, int batch)
    {
        Data = data;
        Quads = data.Cast<Quad<T>>();
        (Offset, Ld, Stride, Rows, Transposed) = (offset, ld, stride, rows, transposed ? 1 : 0);
        Vector = GemmOutput<T>.Aligned(data, offset, ld, batch > 1 ? stride : 0) ? 1 : 0;
    }

    public readonly bool AlongK => Transposed == 0;

    public readonly Quad<T> Fetch(int batch, int row, int k, int kEnd)
    {
        // Selects rather than branches on the layout: one address, one count of valid elements.
        bool alongK = Transposed == 0;
        int at = Offset + batch * Stride + (alongK ? row * Ld + k : k * Ld + row);
        int valid = alongK ? (row < Rows ? kEnd - k : 0) : (k < kEnd ? Rows - row : 0);
        return Load(Data, Quads, at, valid, Vector);
    }

    /// <summary>
    /// Elements at .. at + 3 of <paramref name="data"/>, the first <paramref name="valid"/> of them
    /// (zero after): one vector load when all four are valid and the quad is aligned.
    /// </summary>
    public static Quad<T> Load(ArrayView<T> data, ArrayView<Quad<T>> quads, int at, int valid, int vector)
    {
        if (valid >= 4 && vector != 0) return quads[at >> 2];
        T zero = T.Zero;
        return new Quad<T>(valid > 0 ? data[at] : zero, valid > 1 ? data[at + 1] : zero, valid > 2 ? data[at + 2] : zero, valid > 3 ? data[at + 3] : zero);
    }
}

/// <summary>
/// Where a tiled product writes: C at Offset + batch * Stride + row * Ld + col, as alpha times the
/// sum, plus beta C (read only when beta != 0), plus the bias of the column (or of the row, for
/// convolutions: one bias per output channel) added as a separate add would round it, then the
/// epilogue (ReLU: <see cref="Relu"/> != 0).
/// </summary>
internal struct GemmOutput<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    public ArrayView<T> Data, Bias;
    public ArrayView<Quad<T>> Quads;
    public int Offset, Ld, Stride, Rows, Cols, HasBias, BiasPerRow, Relu, Vector;
    public T Alpha, Beta;

    public GemmOutput(ArrayView<T> data, int offset, int ld, int stride, int rows, int cols, int batch, T alpha, T beta, ArrayView<T> bias, bool hasBias, bool biasPerRow,
        Epilogue epilogue = Epilogue.None)
    {
        (Data, Quads, Bias) = (data, data.Cast<Quad<T>>(), bias);
        (Offset, Ld, Stride, Rows, Cols, Alpha, Beta) = (offset, ld, stride, rows, cols, alpha, beta);
        (HasBias, BiasPerRow, Relu) = (hasBias ? 1 : 0, biasPerRow ? 1 : 0, epilogue == Epilogue.Relu ? 1 : 0);
        Vector = Aligned(data, offset, ld, batch > 1 ? stride : 0) ? 1 : 0;
    }

    /// <summary>A plain output: the sums themselves (split-K partial products).</summary>
    public static GemmOutput<T> Plain(ArrayView<T> data, int rows, int cols, int batch) =>
        new(data, 0, cols, rows * cols, rows, cols, batch, T.One, T.Zero, data, false, false);

    /// <summary>Whether quads at offset + i * ld + j * stride (i, j whole, offset 4-aligned) are 16-byte aligned in memory.</summary>
    public static bool Aligned(ArrayView<T> data, int offset, int ld, int stride) =>
        offset % 4 == 0 && ld % 4 == 0 && stride % 4 == 0 && data.Length > 0 && (data.LoadEffectiveAddressAsPtr().ToInt64() & 15) == 0;

    /// <summary>Stores columns col .. col + 3 of a row (those inside C): one vector store where aligned.</summary>
    public readonly void Store(int batch, int row, int col, Quad<T> sums)
    {
        int valid = Cols - col;
        if (row >= Rows || valid <= 0) return;
        int at = Offset + batch * Stride + row * Ld + col;
        if (valid >= 4 && Vector != 0)
        {
            var c = Beta != T.Zero ? Quads[at >> 2] : default;
            Quads[at >> 2] = new Quad<T>(Final(row, col, sums.X, c.X), Final(row, col + 1, sums.Y, c.Y), Final(row, col + 2, sums.Z, c.Z), Final(row, col + 3, sums.W, c.W));
            return;
        }
        Put(at, row, col, sums.X);
        if (valid > 1) Put(at + 1, row, col + 1, sums.Y);
        if (valid > 2) Put(at + 2, row, col + 2, sums.Z);
        if (valid > 3) Put(at + 3, row, col + 3, sums.W);
    }

    /// <summary>Stores one element (row and col inside C).</summary>
    public readonly void Store(int batch, int row, int col, T sum) => Put(Offset + batch * Stride + row * Ld + col, row, col, sum);

    private readonly void Put(int at, int row, int col, T sum) => Data[at] = Final(row, col, sum, Beta != T.Zero ? Data[at] : T.Zero);

    private readonly T Final(int row, int col, T sum, T c)
    {
        T v = Alpha * sum;
        if (Beta != T.Zero) v += Beta * c;
        if (HasBias != 0) v += Bias[BiasPerRow != 0 ? row : col];
        // ReLU as the relu op writes it: 0 below 0, NaN and -0 kept.
        if (Relu != 0 && v < T.Zero) v = T.Zero;
        return v;
    }
}
