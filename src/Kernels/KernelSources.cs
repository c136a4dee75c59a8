using System.Reflection;
using System.Text;

namespace TinyGrad.Kernels;

/// <summary>
/// The kernel sources of the shared C dialect (embedded resources), assembled into one program
/// text per runtime: the runtime's prelude, the element type, common.h, then the kernel files.
/// </summary>
public static class KernelSources
{
    /// <summary>Kernel files valid for every element type (copy, fill, where, gather, scatter-add).</summary>
    public static readonly string[] DataFiles = ["data.c", "indexing.c"];

    /// <summary>Kernel files for floating-point element types (after the data files).</summary>
    public static readonly string[] FloatFiles = ["elementwise.c", "random.c", "reduce.c", "gemm.c", "conv.c", "pool.c", "optim.c"];

    /// <summary>The text of one embedded source file.</summary>
    public static string Read(string file)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("TinyGrad.Kernels.Sources." + file)
            ?? throw new FileNotFoundException($"kernel source '{file}' is not embedded in TinyGrad.Kernels");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>
    /// A complete program for <paramref name="prelude"/> ("prelude_opencl.h" or "prelude_cuda.h") with
    /// T = the C type of <paramref name="dtype"/>, and HAS_FP64 when the device computes in double.
    /// </summary>
    public static string Program(string prelude, DType dtype, bool hasFloat64)
    {
        var text = new StringBuilder();
        if (hasFloat64) text.AppendLine("#define HAS_FP64 1");
        text.AppendLine(Read(prelude));
        text.Append("#define T ").AppendLine(CType(dtype));
        text.AppendLine(Read("common.h"));
        foreach (var file in DataFiles) text.AppendLine(Read(file));
        if (dtype.IsFloat())
            foreach (var file in FloatFiles) text.AppendLine(Read(file));
        return text.ToString();
    }

    /// <summary>The C spelling of an element type.</summary>
    public static string CType(DType dtype) => dtype switch
    {
        DType.Float32 => "float",
        DType.Float64 => "double",
        DType.Int32 => "int",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unknown dtype"),
    };
}
