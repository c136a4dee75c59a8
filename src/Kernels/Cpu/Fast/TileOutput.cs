using System.Runtime.CompilerServices;

namespace TinyGrad.Kernels.Cpu.Fast;

/// <summary>
/// Where a register tile's accumulators go (inlined into the tile: the tiles make no calls, which
/// would make the JIT spill every accumulator).
/// </summary>
internal interface ITileOutput<T, TVec> where T : unmanaged where TVec : struct, ISimd<TVec, T>
{
    /// <summary>Writes accumulator vector <paramref name="vector"/> of tile row <paramref name="row"/>.</summary>
    void Put(TVec acc, int row, int vector);
}

/// <summary>
/// Row r of the tile at <c>at + r * stride</c>, its first <c>width</c> columns: stored, or added to
/// what is there when <c>accumulate</c>. A vector past the width is stored in part with a masked
/// move (nothing read or written past it), so an edge tile of full rows goes straight to C.
/// </summary>
internal ref struct TileOutput<T, TVec>(ref T at, nuint stride, int width, bool accumulate) : ITileOutput<T, TVec>
    where T : unmanaged where TVec : struct, ISimd<TVec, T>
{
    private readonly ref T at = ref at;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(TVec acc, int row, int vector)
    {
        nuint offset = (nuint)row * stride + (nuint)(vector * TVec.Count);
        int count = width - vector * TVec.Count;
        if (count >= TVec.Count)
        {
            if (accumulate) acc = TVec.Add(acc, TVec.Load(ref at, offset));
            acc.Store(ref at, offset);
        }
        else
        {
            if (accumulate) acc = TVec.Add(acc, TVec.LoadFirst(ref at, offset, count));
            acc.StoreFirst(ref at, offset, count);
        }
    }
}

/// <summary>
/// A whole tile's last K block straight into C with the bias and the epilogue applied in the
/// registers (<c>epilogue(acc (+ C) + bias[column])</c>, the auxiliary input read at C's index): the
/// same operations, in the same order, as storing the tile and then a bias and epilogue pass over
/// it, without that pass's load and store of every output (the pass cost 19-22% of a 10000 x 50 x 50
/// product with the ReLU, and 33-41% with ReluGradient, one core). Whole vectors only: the masked
/// moves of a partial one, added here, made the JIT spill seven accumulators in the tile's loop.
/// </summary>
internal ref struct FinishedTileOutput<T, TVec>(ref T at, nuint stride, bool accumulate, ref T bias, bool add, ref T aux, Epilogue epilogue) : ITileOutput<T, TVec>
    where T : unmanaged where TVec : struct, ISimd<TVec, T>
{
    private readonly ref T at = ref at;
    private readonly ref T bias = ref bias;
    private readonly ref T aux = ref aux;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly void Put(TVec acc, int row, int vector)
    {
        nuint column = (nuint)(vector * TVec.Count), offset = (nuint)row * stride + column;
        if (accumulate) acc = TVec.Add(acc, TVec.Load(ref at, offset));
        if (add) acc = TVec.Add(acc, TVec.Load(ref bias, column));
        if (epilogue == Epilogue.Relu) acc = TVec.Relu(acc);
        else if (epilogue == Epilogue.ReluGradient) acc = TVec.Gate(acc, TVec.Load(ref aux, offset));
        acc.Store(ref at, offset);
    }
}
