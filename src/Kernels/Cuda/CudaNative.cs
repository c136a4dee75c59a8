using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.Cuda;

/// <summary>The slice of the CUDA driver API the backend uses, bound by hand (libcuda.so.1).</summary>
internal static unsafe partial class CudaNative
{
    private const string Library = "cuda";

    public const int AttributeComputeCapabilityMajor = 75, AttributeComputeCapabilityMinor = 76;

    [LibraryImport(Library, EntryPoint = "cuInit")]
    public static partial int Init(uint flags);

    [LibraryImport(Library, EntryPoint = "cuDriverGetVersion")]
    public static partial int DriverGetVersion(out int version);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetCount")]
    public static partial int DeviceGetCount(out int count);

    [LibraryImport(Library, EntryPoint = "cuDeviceGet")]
    public static partial int DeviceGet(out int device, int ordinal);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetName")]
    public static partial int DeviceGetName(byte* name, int length, int device);

    [LibraryImport(Library, EntryPoint = "cuDeviceGetAttribute")]
    public static partial int DeviceGetAttribute(out int value, int attribute, int device);

    [LibraryImport(Library, EntryPoint = "cuDeviceTotalMem_v2")]
    public static partial int DeviceTotalMem(out nuint bytes, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRetain")]
    public static partial int DevicePrimaryCtxRetain(out nint context, int device);

    [LibraryImport(Library, EntryPoint = "cuDevicePrimaryCtxRelease_v2")]
    public static partial int DevicePrimaryCtxRelease(int device);

    [LibraryImport(Library, EntryPoint = "cuCtxSetCurrent")]
    public static partial int CtxSetCurrent(nint context);

    [LibraryImport(Library, EntryPoint = "cuCtxSynchronize")]
    public static partial int CtxSynchronize();

    [LibraryImport(Library, EntryPoint = "cuStreamCreate")]
    public static partial int StreamCreate(out nint stream, uint flags);

    [LibraryImport(Library, EntryPoint = "cuStreamSynchronize")]
    public static partial int StreamSynchronize(nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemAlloc_v2")]
    public static partial int MemAlloc(out nint pointer, nuint bytes);

    [LibraryImport(Library, EntryPoint = "cuMemFree_v2")]
    public static partial int MemFree(nint pointer);

    [LibraryImport(Library, EntryPoint = "cuMemcpyHtoDAsync_v2")]
    public static partial int MemcpyHtoDAsync(nint destination, void* source, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuMemcpyDtoHAsync_v2")]
    public static partial int MemcpyDtoHAsync(void* destination, nint source, nuint bytes, nint stream);

    [LibraryImport(Library, EntryPoint = "cuModuleLoadData")]
    public static partial int ModuleLoadData(out nint module, void* image);

    [LibraryImport(Library, EntryPoint = "cuModuleUnload")]
    public static partial int ModuleUnload(nint module);

    [LibraryImport(Library, EntryPoint = "cuModuleGetFunction")]
    public static partial int ModuleGetFunction(out nint function, nint module, byte* name);

    [LibraryImport(Library, EntryPoint = "cuLaunchKernel")]
    public static partial int LaunchKernel(nint function, uint gridX, uint gridY, uint gridZ, uint blockX, uint blockY, uint blockZ,
        uint sharedBytes, nint stream, void** parameters, void** extra);

    [LibraryImport(Library, EntryPoint = "cuGetErrorName")]
    public static partial int GetErrorName(int error, out byte* name);

    /// <summary>Throws naming the call and the CUDA error (e.g. CUDA_ERROR_OUT_OF_MEMORY).</summary>
    public static void Check(int status, string call)
    {
        if (status == 0) return;
        string name = "unknown CUDA error";
        if (GetErrorName(status, out byte* text) == 0 && text != null) name = Marshal.PtrToStringUTF8((nint)text) ?? name;
        throw new InvalidOperationException($"CUDA {call} failed: {name} ({status})");
    }
}
