using System.Runtime.InteropServices;
using ILGPU.Runtime.Cuda;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Bench;

/// <summary>
/// Where cuBLAS comes from. ILGPU.Algorithms' binding imports <c>libcublas.so.12</c>; the GPU
/// machines have PyTorch's <c>nvidia-cublas</c> wheel with <c>libcublas.so.13</c> in its
/// site-packages folder (run.sh passes that folder in <c>TINYGRAD_CUBLAS_DIRS</c>). A resolver on
/// ILGPU.Algorithms' assembly loads whichever of <see cref="Names"/> exists.
/// </summary>
internal static class CuBlasLibrary
{
    /// <summary>The file names tried, in order.</summary>
    public static readonly string[] Names = ["libcublas.so.12", "libcublas.so.13"];

    private static readonly Lazy<NativeLibraryFile?> Found = new(() => NativeLibraries.Find(Names, Folders()));
    private static readonly Lazy<string> Installed = new(Install);

    /// <summary>Folders searched after the loader's own search: run.sh's (PyTorch's wheel), then the CUDA toolkit's.</summary>
    public static string[] Folders() =>
    [
        .. (Environment.GetEnvironmentVariable("TINYGRAD_CUBLAS_DIRS") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries),
        "/usr/local/cuda/lib64", "/usr/local/cuda/targets/x86_64-linux/lib", "/usr/lib/x86_64-linux-gnu",
    ];

    /// <summary>The cuBLAS library this process would use, or null.</summary>
    public static NativeLibraryFile? Find() => Found.Value;

    /// <summary>Installs the resolver (once) and says how the import is resolved.</summary>
    public static string Resolution => Installed.Value;

    private static string Install()
    {
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(CuBlas).Assembly, (name, _, _) =>
                name == Names[0] && Find() is { } library ? library.Handle : IntPtr.Zero);
            return $"'{Names[0]}' -> {Find()?.Path ?? "none found"}";
        }
        catch (InvalidOperationException)
        {
            return "left alone: ILGPU.Algorithms' assembly already had a DllImportResolver";
        }
    }
}
