using System.Security.Cryptography;
using System.Text;
using TinyGrad.Kernels.Gpu;

namespace TinyGrad.Kernels.Cuda;

/// <summary>
/// The CUDA backend: the shared kernel sources compiled by NVRTC straight to CUBIN for the device's
/// sm_XX (cached on disk by hash(source, arch, NVRTC version, options)), loaded with the driver API
/// into the device's primary context, launched on one stream with the arguments packed into one
/// block (cuLaunchKernel's `extra`: no allocation per launch). Memory comes from a caching allocator.
/// </summary>
public sealed unsafe class CudaBackend : KernelBackend, IDisposable
{
    private const int DefaultBlock = 256;
    private readonly CudaDeviceInfo info;
    private readonly int device;
    private readonly nint context, stream;
    private readonly string nvrtcVersion;
    private readonly Dictionary<DType, nint> modules = [];
    private readonly Dictionary<(DType, string), nint> functions = [];
    private readonly DevicePool pool;
    private bool disposed;

    /// <summary>Opens device <paramref name="index"/> of <see cref="CudaDevices.List"/>.</summary>
    public CudaBackend(int index = 0)
    {
        var devices = CudaDevices.List();
        if (devices.Count == 0) throw new BackendUnavailableException("CUDA driver found but it reports no devices");
        if (index < 0 || index >= devices.Count)
            throw new BackendUnavailableException($"CUDA device {index} not found: {devices.Count} device(s) present");
        info = devices[index];
        nvrtcVersion = Nvrtc.VersionText();
        CudaNative.Check(CudaNative.DeviceGet(out device, index), "cuDeviceGet");
        CudaNative.Check(CudaNative.DevicePrimaryCtxRetain(out context, device), "cuDevicePrimaryCtxRetain");
        MakeCurrent();
        CudaNative.Check(CudaNative.StreamCreate(out stream, 0), "cuStreamCreate");
        Name = $"cuda:{index}";
        pool = new DevicePool(bytes =>
        {
            MakeCurrent();
            CudaNative.Check(CudaNative.MemAlloc(out nint pointer, (nuint)bytes), $"cuMemAlloc ({bytes} bytes)");
            return pointer;
        }, pointer => CudaNative.MemFree(pointer));
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string Description => $"{info.Name} ({info.Architecture}, {info.TotalMemoryBytes >> 20} MiB, NVRTC {nvrtcVersion})";

    /// <inheritdoc />
    public override bool SupportsFloat64 => true;

    /// <summary>The device's properties.</summary>
    public CudaDeviceInfo Info => info;

    /// <summary>The primary context must be current on whichever thread calls in.</summary>
    private void MakeCurrent() => CudaNative.Check(CudaNative.CtxSetCurrent(context), "cuCtxSetCurrent");

    /// <inheritdoc />
    public override DeviceBuffer Allocate(DType dtype, int length) => pool.Rent(this, dtype, length);

    private nint Ptr(DeviceBuffer buffer) =>
        buffer is PooledBuffer b && b.Backend == this ? b.Handle : throw new ArgumentException($"buffer belongs to device '{buffer.Backend.Name}', not to {Name}");

    /// <inheritdoc />
    protected override nint Handle(DeviceBuffer buffer) => Ptr(buffer);

    /// <inheritdoc />
    public override void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0)
    {
        Check.Buffer(destination, DTypeInfo.Of<T>(), offset + source.Length, "upload");
        if (source.IsEmpty) return;
        MakeCurrent();
        fixed (T* s = source)
        {
            CudaNative.Check(CudaNative.MemcpyHtoDAsync(Ptr(destination) + offset * sizeof(T), s, (nuint)(source.Length * sizeof(T)), stream), "cuMemcpyHtoDAsync");
            CudaNative.Check(CudaNative.StreamSynchronize(stream), "cuStreamSynchronize"); // the span may not outlive this call
        }
    }

    /// <inheritdoc />
    public override void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0)
    {
        Check.Buffer(source, DTypeInfo.Of<T>(), offset + destination.Length, "download");
        if (destination.IsEmpty) return;
        MakeCurrent();
        fixed (T* d = destination)
        {
            CudaNative.Check(CudaNative.MemcpyDtoHAsync(d, Ptr(source) + offset * sizeof(T), (nuint)(destination.Length * sizeof(T)), stream), "cuMemcpyDtoHAsync");
            CudaNative.Check(CudaNative.StreamSynchronize(stream), "cuStreamSynchronize");
        }
    }

    /// <inheritdoc />
    public override void Synchronize()
    {
        MakeCurrent();
        CudaNative.Check(CudaNative.StreamSynchronize(stream), "cuStreamSynchronize");
    }

    /// <inheritdoc />
    protected override void Launch(DType dtype, string kernel, ReadOnlySpan<int> global, ReadOnlySpan<int> local, KernelArgs arguments)
    {
        MakeCurrent();
        nint function = Function(dtype, kernel);
        Span<uint> block = [1, 1, 1];
        Span<uint> grid = [1, 1, 1];
        for (int d = 0; d < global.Length; d++)
        {
            uint b = local.IsEmpty ? (d == 0 ? DefaultBlock : 1u) : (uint)local[d];
            block[d] = b;
            grid[d] = ((uint)global[d] + b - 1) / b;
        }
        var packed = arguments.Packed;
        nuint size = (nuint)packed.Length;
        fixed (byte* p = packed)
        {
            // CU_LAUNCH_PARAM_BUFFER_POINTER, p, CU_LAUNCH_PARAM_BUFFER_SIZE, &size, CU_LAUNCH_PARAM_END
            void** extra = stackalloc void*[5];
            extra[0] = (void*)1;
            extra[1] = p;
            extra[2] = (void*)2;
            extra[3] = &size;
            extra[4] = null;
            CudaNative.Check(CudaNative.LaunchKernel(function, grid[0], grid[1], grid[2], block[0], block[1], block[2], 0, stream, null, extra), $"cuLaunchKernel({kernel})");
        }
    }

    private nint Function(DType dtype, string name)
    {
        if (functions.TryGetValue((dtype, name), out var f)) return f;
        if (!modules.TryGetValue(dtype, out var module))
        {
            var cubin = Compile(KernelSources.Program("prelude_cuda.h", dtype, hasFloat64: true), $"tinygrad_{KernelSources.CType(dtype)}");
            fixed (byte* image = cubin) CudaNative.Check(CudaNative.ModuleLoadData(out module, image), "cuModuleLoadData");
            modules[dtype] = module;
        }
        var bytes = Encoding.ASCII.GetBytes(name + "\0");
        fixed (byte* n = bytes) CudaNative.Check(CudaNative.ModuleGetFunction(out f, module, n), $"cuModuleGetFunction({name})");
        functions[(dtype, name)] = f;
        return f;
    }

    /// <summary>
    /// NVRTC to CUBIN for this device's architecture, from the disk cache when the same
    /// hash(source, arch, NVRTC version, options) was compiled before. Failures carry the log.
    /// </summary>
    internal byte[] Compile(string source, string name)
    {
        string[] options = [$"--gpu-architecture={info.Architecture}", "-default-device"];
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{source}\n{info.Architecture}\n{nvrtcVersion}\n{string.Join(' ', options)}")));
        string path = Path.Combine(KernelCache.Directory("cuda"), key + ".cubin");
        if (File.Exists(path)) return File.ReadAllBytes(path);
        var cubin = Nvrtc.CompileToCubin(source, name + ".cu", options);
        KernelCache.TryStore(path, cubin);
        return cubin;
    }

    /// <summary>Releases the stream, modules and cached memory, and the primary context.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (disposed) return;
            disposed = true;
            MakeCurrent();
            CudaNative.StreamSynchronize(stream);
            pool.Close();
            foreach (var m in modules.Values) CudaNative.ModuleUnload(m);
            CudaNative.DevicePrimaryCtxRelease(device);
        }
    }
}
