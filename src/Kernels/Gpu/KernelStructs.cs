using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Gpu;

/// <summary>The kernel dialect's View struct (common.h), passed to kernels by value.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct ViewArg
{
    public const int MaxRank = 8;
    public int Rank;
    public int Offset;
    public fixed int Shape[MaxRank];
    public fixed int Strides[MaxRank];

    public static ViewArg From(in StridedView view) => From(view.Shape, view.Strides, view.Offset);

    public static ViewArg From(ReadOnlySpan<int> shape, ReadOnlySpan<int> strides, int offset)
    {
        if (shape.Length > MaxRank) throw new NotSupportedException($"GPU kernels take views of at most {MaxRank} dimensions, got {shape.Length}");
        var v = new ViewArg { Rank = shape.Length, Offset = offset };
        for (int d = 0; d < shape.Length; d++)
        {
            v.Shape[d] = shape[d];
            v.Strides[d] = strides[d];
        }
        return v;
    }
}

/// <summary>conv.c's ConvShape.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct ConvShapeArg(int N, int C, int H, int W, int O, int KH, int KW, int SH, int SW, int PH, int PW, int DH, int DW, int OH, int OW)
{
    public static ConvShapeArg From(in Conv2dGeometry g) =>
        new(g.N, g.C, g.H, g.W, g.O, g.KH, g.KW, g.StrideH, g.StrideW, g.PadH, g.PadW, g.DilationH, g.DilationW, g.OutH, g.OutW);
}

/// <summary>pool.c's PoolShape.</summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct PoolShapeArg(int N, int C, int H, int W, int KH, int KW, int SH, int SW, int PH, int PW, int OH, int OW)
{
    public static PoolShapeArg From(in Pool2dGeometry g) =>
        new(g.N, g.C, g.H, g.W, g.KH, g.KW, g.StrideH, g.StrideW, g.PadH, g.PadW, g.OutH, g.OutW);
}
