using System.Text;

namespace TinyGrad.Kernels.OpenCl;

/// <summary>One OpenCL device as enumerated across all platforms.</summary>
public sealed record OpenClDeviceInfo(int Index, string Name, string Platform, string Version, string Driver, bool IsGpu, bool HasFloat64, long GlobalMemoryBytes)
{
    internal nint Handle { get; init; }
}

/// <summary>Enumerates the OpenCL devices of every installed platform (ICD).</summary>
public static unsafe class OpenClDevices
{
    /// <summary>
    /// Every device, numbered in platform order (the N of "opencl:N"). Throws
    /// <see cref="BackendUnavailableException"/> when libOpenCL is missing; an ICD loader without
    /// platforms gives an empty list.
    /// </summary>
    public static IReadOnlyList<OpenClDeviceInfo> List()
    {
        NativeLibraries.Require("OpenCL", "OpenCL runtime");
        int status = OpenClNative.GetPlatformIDs(0, null, out uint platformCount);
        if (status == -1001 || platformCount == 0) return [];
        OpenClNative.Check(status, "clGetPlatformIDs");
        var platforms = new nint[platformCount];
        fixed (nint* p = platforms) OpenClNative.Check(OpenClNative.GetPlatformIDs(platformCount, p, out _), "clGetPlatformIDs");
        var result = new List<OpenClDeviceInfo>();
        foreach (var platform in platforms)
        {
            status = OpenClNative.GetDeviceIDs(platform, OpenClNative.DeviceTypeAll, 0, null, out uint deviceCount);
            if (status == -1 || deviceCount == 0) continue;
            OpenClNative.Check(status, "clGetDeviceIDs");
            var devices = new nint[deviceCount];
            fixed (nint* d = devices) OpenClNative.Check(OpenClNative.GetDeviceIDs(platform, OpenClNative.DeviceTypeAll, deviceCount, d, out _), "clGetDeviceIDs");
            string platformName = PlatformString(platform, OpenClNative.PlatformName);
            foreach (var device in devices)
            {
                result.Add(new OpenClDeviceInfo(
                    result.Count,
                    DeviceString(device, OpenClNative.DeviceName),
                    platformName,
                    DeviceString(device, OpenClNative.DeviceVersion),
                    DeviceString(device, OpenClNative.DriverVersion),
                    (DeviceValue(device, OpenClNative.DeviceTypeInfo) & OpenClNative.DeviceTypeGpu) != 0,
                    DeviceValue(device, OpenClNative.DeviceDoubleFpConfig) != 0,
                    (long)DeviceValue(device, OpenClNative.DeviceGlobalMemSize)) { Handle = device });
            }
        }
        return result;
    }

    private static string PlatformString(nint platform, uint param)
    {
        OpenClNative.Check(OpenClNative.GetPlatformInfo(platform, param, 0, null, out nuint size), "clGetPlatformInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) OpenClNative.Check(OpenClNative.GetPlatformInfo(platform, param, size, b, out _), "clGetPlatformInfo");
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    private static string DeviceString(nint device, uint param)
    {
        OpenClNative.Check(OpenClNative.GetDeviceInfo(device, param, 0, null, out nuint size), "clGetDeviceInfo");
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) OpenClNative.Check(OpenClNative.GetDeviceInfo(device, param, size, b, out _), "clGetDeviceInfo");
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0').Trim();
    }

    /// <summary>A numeric device property (cl_ulong, cl_bitfield or size_t; read as 8 bytes, zero-extended).</summary>
    internal static ulong DeviceValue(nint device, uint param)
    {
        ulong value = 0;
        OpenClNative.Check(OpenClNative.GetDeviceInfo(device, param, 8, &value, out nuint size), "clGetDeviceInfo");
        return size == 4 ? value & 0xFFFFFFFF : value;
    }
}
