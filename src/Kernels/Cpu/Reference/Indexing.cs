namespace TinyGrad.Kernels.Cpu.Reference;

/// <summary>The indexing family: gather and scatter-add along one axis, index elements in row-major order.</summary>
internal static class Indexing
{
    /// <summary><c>destination[i] = source[..index[i]..]</c>, the destination contiguous in the index's shape.</summary>
    public static void Gather(in StridedView source, int axis, in StridedView index, DeviceBuffer destination)
    {
        CpuBuffer src = CpuBuffer.Of(source.Buffer), d = CpuBuffer.Of(destination);
        ReadOnlySpan<int> idx = CpuBuffer.Of(index.Buffer).Span<int>();
        for (int i = 0; i < index.Length; i++) d.Set(i, src.Get(Indexed(source, axis, index, idx, i, "gather")));
    }

    /// <summary><c>destination[..index[i]..] += source[i]</c>, accumulated in index order.</summary>
    public static void ScatterAdd(in StridedView destination, int axis, in StridedView index, in StridedView source)
    {
        CpuBuffer src = CpuBuffer.Of(source.Buffer), d = CpuBuffer.Of(destination.Buffer);
        ReadOnlySpan<int> idx = CpuBuffer.Of(index.Buffer).Span<int>();
        for (int i = 0; i < index.Length; i++)
        {
            int at = Indexed(destination, axis, index, idx, i, "scatter_add");
            d.Set(at, d.Get(at) + src.Get(source.IndexOf(i)));
        }
    }

    /// <summary>Buffer index in <paramref name="data"/> addressed by index element <paramref name="i"/>; checks the index value.</summary>
    private static int Indexed(in StridedView data, int axis, in StridedView index, ReadOnlySpan<int> indexValues, int i, string what)
    {
        int at = data.Offset, rest = i;
        for (int d = index.Rank - 1; d >= 0; d--)
        {
            int coord = rest % index.Shape[d];
            rest /= index.Shape[d];
            if (d == axis)
            {
                int target = indexValues[index.IndexOf(i)];
                if ((uint)target >= (uint)data.Shape[axis])
                    throw new ArgumentOutOfRangeException(nameof(index), target, $"{what}: index {target} out of range for dimension {axis} of size {data.Shape[axis]}");
                coord = target;
            }
            at += coord * data.Strides[d];
        }
        return at;
    }
}
