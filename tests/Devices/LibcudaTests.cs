using System.Diagnostics;
using NUnit.Framework;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Devices;

/// ILGPU imports the library name `cuda` (the loader's libcuda.so); a container given a GPU usually
/// has only libcuda.so.1. A stub driver built here with gcc, in a folder holding only that name,
/// shows that our probe finds it, that ILGPU's import reaches it (ILGPU lists the stub's device), and
/// that a driver which reports no device is named, with its own cuInit result.
[NonParallelizable]
public sealed class LibcudaTests
{
    // The driver API calls ILGPU makes to list a device, answered for one sm_90 GPU; cuInit returns
    // $STUB_CUINIT, else CUINIT (compiled in; 0: success).
    private const string StubSource = """
        #include <stdlib.h>
        #include <string.h>
        #ifndef CUINIT
        #define CUINIT 0
        #endif
        int cuInit(unsigned int flags) { const char *v = getenv("STUB_CUINIT"); return v ? atoi(v) : CUINIT; }
        int cuDriverGetVersion(int *version) { *version = 13000; return 0; }
        int cuDeviceGetCount(int *count) { *count = 1; return 0; }
        int cuDeviceGet(int *device, int ordinal) { *device = ordinal; return ordinal == 0 ? 0 : 101; }
        int cuDeviceGetName(char *name, int length, int device) { strncpy(name, "TinyGrad stub GPU", length); return 0; }
        int cuDeviceTotalMem_v2(size_t *bytes, int device) { *bytes = (size_t)1 << 34; return 0; }
        int cuDeviceGetAttribute(int *value, int attribute, int device) {
            switch (attribute) {
                case 75: *value = 9; break;   /* compute capability 9.0 */
                case 76: *value = 0; break;
                case 10: *value = 32; break;  /* warp size */
                case 35: *value = 0; break;   /* TCC driver: no */
                default: *value = 1024;
            }
            return 0;
        }
        int cuGetErrorName(int error, const char **name) {
            *name = error == 0 ? "CUDA_SUCCESS" : error == 100 ? "CUDA_ERROR_NO_DEVICE" : "CUDA_ERROR_UNKNOWN";
            return 0;
        }
        int cuGetErrorString(int error, const char **text) { return cuGetErrorName(error, text); }
        """;

    private string _folder = null!;
    private string _noDevice = null!;

    [OneTimeSetUp]
    public void BuildStub()
    {
        _folder = Path.Combine(Path.GetTempPath(), $"tinygrad-libcuda-{Environment.ProcessId}");
        Directory.CreateDirectory(_folder);
        string source = Path.Combine(_folder, "stub.c");
        File.WriteAllText(source, StubSource);
        // Built as libcuda.so.1 only, and without a soname: the loader then matches it by path alone,
        // so loading it here cannot stand in for a real libcuda.so.1 elsewhere in this process.
        var (status, output) = Run("gcc", "-shared", "-fPIC", "-o", Path.Combine(_folder, "libcuda.so.1"), source);
        if (status == -1) TestDevices.Absent("gcc", $"gcc not found: it builds the stub CUDA driver of these tests ({output})");
        Assert.That(status, Is.Zero, output);
        // A driver that finds no GPU (as in a container not given one).
        _noDevice = Directory.CreateDirectory(Path.Combine(_folder, "no-device")).FullName;
        (status, output) = Run("gcc", "-shared", "-fPIC", "-DCUINIT=100", "-o", Path.Combine(_noDevice, "libcuda.so.1"), source);
        Assert.That(status, Is.Zero, output);
    }

    [OneTimeTearDown]
    public void RemoveStub() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void LibcudaSoOneAloneIsFound()
    {
        var found = NativeLibraries.Find(CudaDriver.Names, [_folder], loaderSearch: false);
        Assert.That(found, Is.Not.Null);
        Assert.That(found!.Name, Is.EqualTo("libcuda.so.1"));
        Assert.That(found.Path, Is.EqualTo(Path.Combine(_folder, "libcuda.so.1")), "the path the loader opened");
        Assert.That(CudaDriver.Names, Is.EqualTo(new[] { "libcuda.so.1", "libcuda.so" }), "libcuda.so.1 first, then the development link");
        Assert.That(NativeLibraries.Find(CudaDriver.Names, [Path.GetTempPath()], loaderSearch: false), Is.Null, "a folder without the driver");
    }

    [Test]
    public void LibcudaResolverHandsIlgpuTheProbedLibraryForItsImportOnly()
    {
        var ilgpu = typeof(ILGPU.Context).Assembly;
        Assert.That(CudaDriver.Resolution, Does.StartWith("our resolver on ILGPU's assembly: 'cuda'"));
        // No libcuda on this machine: the import falls back to the loader (zero), as does any other name.
        Assert.That(CudaDriver.Library, Is.Null, "this machine has no CUDA driver");
        Assert.That(CudaDriver.Resolve("cuda", ilgpu, null), Is.EqualTo(IntPtr.Zero));
        Assert.That(CudaDriver.Resolve("OpenCL", ilgpu, null), Is.EqualTo(IntPtr.Zero));
        Assert.That(IlgpuDevices.WhyNoDevices(IlgpuKind.Cuda), Does.StartWith("CUDA driver not found (looked for libcuda.so.1, libcuda.so in the loader's search path"));
    }

    [Test]
    public void LibcudaDriverAnswerNamesTheLibraryAndCuInitResult()
    {
        var noDevice = NativeLibraries.Find(CudaDriver.Names, [_noDevice], loaderSearch: false)!;
        Assert.That(CudaDriver.Why(noDevice, 0), Is.EqualTo(
            $"{Path.Combine(_noDevice, "libcuda.so.1")} loaded; driver version 13.0; cuInit(0) returned 100 (CUDA_ERROR_NO_DEVICE)"));
        var found = NativeLibraries.Find(CudaDriver.Names, [_folder], loaderSearch: false)!;
        Assert.That(CudaDriver.Why(found, 0), Does.Contain("cuInit(0) returned 0 (CUDA_SUCCESS); cuDeviceGetCount: 1 device(s), but ILGPU listed 0"));
    }

    [Test]
    public void LibcudaSoOneOnlyContainerListsTheDeviceThroughIlgpu()
    {
        // A fresh process whose loader path holds only the stub's libcuda.so.1, as a GPU container's does.
        var (status, output) = Child(new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = _folder });
        Assert.That(status, Is.Zero, output);
        Assert.That(output, Does.Contain($"library {Path.Combine(_folder, "libcuda.so.1")}"));
        Assert.That(output, Does.Contain("cuda:0 usable: TinyGrad stub GPU (SM_90, 16384 MiB, 1024 SMs)"), "ILGPU's import reached the stub");
    }

    [Test]
    public void LibcudaWithNoDeviceSaysWhy()
    {
        var (status, output) = Child(new Dictionary<string, string> { ["LD_LIBRARY_PATH"] = _folder, ["STUB_CUINIT"] = "100" });
        Assert.That(status, Is.Zero, output);
        Assert.That(output, Does.Contain(
            $"no CUDA device listed: {Path.Combine(_folder, "libcuda.so.1")} loaded; driver version 13.0; cuInit(0) returned 100 (CUDA_ERROR_NO_DEVICE)"));
    }

    /// <summary>The child process's report (<c>cuda-devices</c> mode): the library, each device, or why none.</summary>
    public static void PrintCudaDevices()
    {
        Console.WriteLine($"library {CudaDriver.Library?.Path ?? "none"}");
        Console.WriteLine($"resolution {CudaDriver.Resolution}");
        var devices = IlgpuDevices.List(IlgpuKind.Cuda);
        foreach (var d in devices) Console.WriteLine($"{d.Name} {(d.Unusable is null ? "usable" : "unusable")}: {d.Description}");
        if (devices.Count == 0) Console.WriteLine(IlgpuDevices.WhyNoDevices(IlgpuKind.Cuda));
    }

    private static (int Status, string Output) Child(Dictionary<string, string> environment)
    {
        using var child = ChildProcess.Start(environment, "cuda-devices");
        string output = child.StandardOutput.ReadToEnd() + child.StandardError.ReadToEnd();
        Assert.That(child.WaitForExit(60_000), Is.True, "the child finished");
        return (child.ExitCode, output);
    }

    private static (int Status, string Output) Run(string program, params string[] args)
    {
        var psi = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) psi.ArgumentList.Add(a);
        try
        {
            using var process = Process.Start(psi)!;
            string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, output);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (-1, e.Message);
        }
    }
}
