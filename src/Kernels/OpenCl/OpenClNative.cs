using System.Runtime.InteropServices;

namespace TinyGrad.Kernels.OpenCl;

/// <summary>The slice of the OpenCL 1.2 C API the backend uses, bound by hand.</summary>
internal static unsafe partial class OpenClNative
{
    private const string Library = "OpenCL";

    public const uint PlatformName = 0x0902, PlatformVersion = 0x0901;
    public const ulong DeviceTypeAll = 0xFFFFFFFF, DeviceTypeGpu = 1 << 2;
    public const uint DeviceTypeInfo = 0x1000, DeviceName = 0x102B, DeviceVersion = 0x102F, DriverVersion = 0x102D,
        DeviceDoubleFpConfig = 0x1032, DeviceMaxWorkGroupSize = 0x1004, DeviceGlobalMemSize = 0x101F;
    public const ulong MemReadWrite = 1;
    public const uint ProgramBuildLog = 0x1183, ProgramBinarySizes = 0x1165, ProgramBinaries = 0x1166;

    [LibraryImport(Library, EntryPoint = "clGetPlatformIDs")]
    public static partial int GetPlatformIDs(uint entries, nint* platforms, out uint count);

    [LibraryImport(Library, EntryPoint = "clGetPlatformInfo")]
    public static partial int GetPlatformInfo(nint platform, uint param, nuint size, void* value, out nuint sizeRet);

    [LibraryImport(Library, EntryPoint = "clGetDeviceIDs")]
    public static partial int GetDeviceIDs(nint platform, ulong type, uint entries, nint* devices, out uint count);

    [LibraryImport(Library, EntryPoint = "clGetDeviceInfo")]
    public static partial int GetDeviceInfo(nint device, uint param, nuint size, void* value, out nuint sizeRet);

    [LibraryImport(Library, EntryPoint = "clCreateContext")]
    public static partial nint CreateContext(nint* properties, uint deviceCount, nint* devices, nint notify, nint userData, out int error);

    [LibraryImport(Library, EntryPoint = "clCreateCommandQueue")]
    public static partial nint CreateCommandQueue(nint context, nint device, ulong properties, out int error);

    [LibraryImport(Library, EntryPoint = "clCreateBuffer")]
    public static partial nint CreateBuffer(nint context, ulong flags, nuint size, nint hostPointer, out int error);

    [LibraryImport(Library, EntryPoint = "clEnqueueWriteBuffer")]
    public static partial int EnqueueWriteBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* source, uint waitCount, nint waitList, nint evt);

    [LibraryImport(Library, EntryPoint = "clEnqueueReadBuffer")]
    public static partial int EnqueueReadBuffer(nint queue, nint buffer, uint blocking, nuint offset, nuint size, void* destination, uint waitCount, nint waitList, nint evt);

    [LibraryImport(Library, EntryPoint = "clCreateProgramWithSource")]
    public static partial nint CreateProgramWithSource(nint context, uint count, byte** strings, nuint* lengths, out int error);

    [LibraryImport(Library, EntryPoint = "clCreateProgramWithBinary")]
    public static partial nint CreateProgramWithBinary(nint context, uint deviceCount, nint* devices, nuint* lengths, byte** binaries, int* status, out int error);

    [LibraryImport(Library, EntryPoint = "clBuildProgram")]
    public static partial int BuildProgram(nint program, uint deviceCount, nint* devices, byte* options, nint notify, nint userData);

    [LibraryImport(Library, EntryPoint = "clGetProgramBuildInfo")]
    public static partial int GetProgramBuildInfo(nint program, nint device, uint param, nuint size, void* value, out nuint sizeRet);

    [LibraryImport(Library, EntryPoint = "clGetProgramInfo")]
    public static partial int GetProgramInfo(nint program, uint param, nuint size, void* value, out nuint sizeRet);

    [LibraryImport(Library, EntryPoint = "clCreateKernel")]
    public static partial nint CreateKernel(nint program, byte* name, out int error);

    [LibraryImport(Library, EntryPoint = "clSetKernelArg")]
    public static partial int SetKernelArg(nint kernel, uint index, nuint size, void* value);

    [LibraryImport(Library, EntryPoint = "clEnqueueNDRangeKernel")]
    public static partial int EnqueueNDRangeKernel(nint queue, nint kernel, uint dimensions, nuint* offset, nuint* global, nuint* local, uint waitCount, nint waitList, nint evt);

    [LibraryImport(Library, EntryPoint = "clFinish")]
    public static partial int Finish(nint queue);

    [LibraryImport(Library, EntryPoint = "clReleaseMemObject")]
    public static partial int ReleaseMemObject(nint memory);

    [LibraryImport(Library, EntryPoint = "clReleaseKernel")]
    public static partial int ReleaseKernel(nint kernel);

    [LibraryImport(Library, EntryPoint = "clReleaseProgram")]
    public static partial int ReleaseProgram(nint program);

    [LibraryImport(Library, EntryPoint = "clReleaseCommandQueue")]
    public static partial int ReleaseCommandQueue(nint queue);

    [LibraryImport(Library, EntryPoint = "clReleaseContext")]
    public static partial int ReleaseContext(nint context);

    /// <summary>Throws naming the call and the status when an OpenCL call failed.</summary>
    public static void Check(int status, string call)
    {
        if (status != 0) throw new InvalidOperationException($"OpenCL {call} failed: {ErrorName(status)} ({status})");
    }

    /// <summary>The symbolic name of an OpenCL status code.</summary>
    public static string ErrorName(int status) => status switch
    {
        0 => "CL_SUCCESS",
        -1 => "CL_DEVICE_NOT_FOUND",
        -2 => "CL_DEVICE_NOT_AVAILABLE",
        -3 => "CL_COMPILER_NOT_AVAILABLE",
        -4 => "CL_MEM_OBJECT_ALLOCATION_FAILURE",
        -5 => "CL_OUT_OF_RESOURCES",
        -6 => "CL_OUT_OF_HOST_MEMORY",
        -11 => "CL_BUILD_PROGRAM_FAILURE",
        -30 => "CL_INVALID_VALUE",
        -32 => "CL_INVALID_PLATFORM",
        -33 => "CL_INVALID_DEVICE",
        -34 => "CL_INVALID_CONTEXT",
        -36 => "CL_INVALID_COMMAND_QUEUE",
        -38 => "CL_INVALID_MEM_OBJECT",
        -42 => "CL_INVALID_BINARY",
        -43 => "CL_INVALID_BUILD_OPTIONS",
        -44 => "CL_INVALID_PROGRAM",
        -45 => "CL_INVALID_PROGRAM_EXECUTABLE",
        -46 => "CL_INVALID_KERNEL_NAME",
        -48 => "CL_INVALID_KERNEL",
        -49 => "CL_INVALID_ARG_INDEX",
        -50 => "CL_INVALID_ARG_VALUE",
        -51 => "CL_INVALID_ARG_SIZE",
        -52 => "CL_INVALID_KERNEL_ARGS",
        -53 => "CL_INVALID_WORK_DIMENSION",
        -54 => "CL_INVALID_WORK_GROUP_SIZE",
        -55 => "CL_INVALID_WORK_ITEM_SIZE",
        -59 => "CL_INVALID_OPERATION",
        -61 => "CL_INVALID_BUFFER_SIZE",
        -63 => "CL_INVALID_GLOBAL_WORK_SIZE",
        -1001 => "CL_PLATFORM_NOT_FOUND_KHR",
        _ => "unknown OpenCL error",
    };
}
