using System.Text;

namespace TinyGrad.Kernels.Cuda;

/// <summary>One CUDA device.</summary>
public sealed record CudaDeviceInfo(int Index, string Name, int ComputeMajor, int ComputeMinor, long TotalMemoryBytes)
{
    /// <summary>The NVRTC target, e.g. "sm_90".</summary>
    public string Architecture => $"sm_{ComputeMajor}{ComputeMinor}";
}

/// <summary>Enumerates CUDA devices through the driver API.</summary>
public static unsafe class CudaDevices
{
    private const int NoDevice = 100;

    /// <summary>
    /// Every CUDA device (the N of "cuda:N"). Throws <see cref="BackendUnavailableException"/> when the
    /// driver library is missing; a driver without devices gives an empty list.
    /// </summary>
    public static IReadOnlyList<CudaDeviceInfo> List()
    {
        NativeLibraries.Require("cuda", "CUDA driver");
        int status = CudaNative.Init(0);
        if (status == NoDevice) return [];
        CudaNative.Check(status, "cuInit");
        CudaNative.Check(CudaNative.DeviceGetCount(out int count), "cuDeviceGetCount");
        var result = new List<CudaDeviceInfo>();
        var name = new byte[256];
        for (int i = 0; i < count; i++)
        {
            CudaNative.Check(CudaNative.DeviceGet(out int device, i), "cuDeviceGet");
            fixed (byte* n = name) CudaNative.Check(CudaNative.DeviceGetName(n, name.Length, device), "cuDeviceGetName");
            CudaNative.Check(CudaNative.DeviceGetAttribute(out int major, CudaNative.AttributeComputeCapabilityMajor, device), "cuDeviceGetAttribute");
            CudaNative.Check(CudaNative.DeviceGetAttribute(out int minor, CudaNative.AttributeComputeCapabilityMinor, device), "cuDeviceGetAttribute");
            CudaNative.Check(CudaNative.DeviceTotalMem(out nuint bytes, device), "cuDeviceTotalMem");
            result.Add(new CudaDeviceInfo(i, Encoding.UTF8.GetString(name).TrimEnd('\0'), major, minor, (long)bytes));
        }
        return result;
    }
}
