using System.Runtime.InteropServices;
using System.Text;

namespace TinyGrad.Kernels.Cuda;

/// <summary>NVRTC, CUDA's run-time compiler, bound by hand: CUDA C source straight to CUBIN.</summary>
internal static unsafe partial class Nvrtc
{
    private const string Library = "nvrtc";

    [LibraryImport(Library, EntryPoint = "nvrtcVersion")]
    private static partial int Version(out int major, out int minor);

    [LibraryImport(Library, EntryPoint = "nvrtcCreateProgram")]
    private static partial int CreateProgram(out nint program, byte* source, byte* name, int headerCount, byte** headers, byte** includeNames);

    [LibraryImport(Library, EntryPoint = "nvrtcCompileProgram")]
    private static partial int CompileProgram(nint program, int optionCount, byte** options);

    [LibraryImport(Library, EntryPoint = "nvrtcGetProgramLogSize")]
    private static partial int GetProgramLogSize(nint program, out nuint size);

    [LibraryImport(Library, EntryPoint = "nvrtcGetProgramLog")]
    private static partial int GetProgramLog(nint program, byte* log);

    [LibraryImport(Library, EntryPoint = "nvrtcGetCUBINSize")]
    private static partial int GetCubinSize(nint program, out nuint size);

    [LibraryImport(Library, EntryPoint = "nvrtcGetCUBIN")]
    private static partial int GetCubin(nint program, byte* cubin);

    [LibraryImport(Library, EntryPoint = "nvrtcDestroyProgram")]
    private static partial int DestroyProgram(ref nint program);

    [LibraryImport(Library, EntryPoint = "nvrtcGetErrorString")]
    private static partial byte* GetErrorString(int result);

    /// <summary>"major.minor" of the NVRTC library (part of the CUBIN cache key).</summary>
    public static string VersionText()
    {
        NativeLibraries.Require("nvrtc", "NVRTC library");
        Check(Version(out int major, out int minor), "nvrtcVersion");
        return $"{major}.{minor}";
    }

    /// <summary>Compiles <paramref name="source"/> to a CUBIN; a failure throws <see cref="KernelBuildException"/> with the log.</summary>
    public static byte[] CompileToCubin(string source, string name, IReadOnlyList<string> options)
    {
        NativeLibraries.Require("nvrtc", "NVRTC library");
        var src = Encoding.UTF8.GetBytes(source + "\0");
        var nm = Encoding.UTF8.GetBytes(name + "\0");
        nint program;
        fixed (byte* s = src)
        fixed (byte* n = nm)
            Check(CreateProgram(out program, s, n, 0, null, null), "nvrtcCreateProgram");
        try
        {
            var encoded = options.Select(o => Encoding.UTF8.GetBytes(o + "\0")).ToArray();
            var handles = encoded.Select(e => GCHandle.Alloc(e, GCHandleType.Pinned)).ToArray();
            int status;
            try
            {
                var pointers = stackalloc byte*[encoded.Length];
                for (int i = 0; i < encoded.Length; i++) pointers[i] = (byte*)handles[i].AddrOfPinnedObject();
                status = CompileProgram(program, encoded.Length, pointers);
            }
            finally
            {
                foreach (var h in handles) h.Free();
            }
            if (status != 0)
            {
                string log = Log(program);
                throw new KernelBuildException($"NVRTC compile of '{name}' failed: {ErrorText(status)}\n{log}") { Log = log };
            }
            Check(GetCubinSize(program, out nuint size), "nvrtcGetCUBINSize");
            var cubin = new byte[(int)size];
            fixed (byte* c = cubin) Check(GetCubin(program, c), "nvrtcGetCUBIN");
            return cubin;
        }
        finally
        {
            DestroyProgram(ref program);
        }
    }

    private static string Log(nint program)
    {
        if (GetProgramLogSize(program, out nuint size) != 0 || size == 0) return "";
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) GetProgramLog(program, b);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    private static string ErrorText(int result) => Marshal.PtrToStringUTF8((nint)GetErrorString(result)) ?? $"NVRTC error {result}";

    private static void Check(int result, string call)
    {
        if (result != 0) throw new InvalidOperationException($"{call} failed: {ErrorText(result)} ({result})");
    }
}
