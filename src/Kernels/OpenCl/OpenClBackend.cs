using System.Security.Cryptography;
using System.Text;
using TinyGrad.Kernels.Gpu;

namespace TinyGrad.Kernels.OpenCl;

/// <summary>
/// The OpenCL backend: our own kernels (the shared C dialect, Sources/*.c) compiled per element type,
/// device memory from a size-bucketed pool, one in-order queue. Kernel launches are asynchronous;
/// downloads and <see cref="Synchronize"/> wait. Programs are cached on disk by
/// hash(source, device, driver, options).
/// </summary>
public sealed unsafe class OpenClBackend : KernelBackend, IDisposable
{
    private readonly nint device, context, queue;
    private readonly Dictionary<DType, nint> programs = [];
    private readonly Dictionary<(DType, string), nint> kernels = [];
    private readonly DevicePool pool;
    private readonly OpenClDeviceInfo info;
    private bool disposed;

    /// <summary>Opens device <paramref name="index"/> of <see cref="OpenClDevices.List"/>.</summary>
    public OpenClBackend(int index = 0)
    {
        var devices = OpenClDevices.List();
        if (devices.Count == 0) throw new BackendUnavailableException("no OpenCL platform or device found (the ICD loader libOpenCL.so.1 is present but lists no devices)");
        if (index < 0 || index >= devices.Count)
            throw new BackendUnavailableException($"OpenCL device {index} not found: {devices.Count} device(s) present ({string.Join("; ", devices.Select(d => $"{d.Index}: {d.Name}"))})");
        info = devices[index];
        device = info.Handle;
        nint d = device;
        context = OpenClNative.CreateContext(null, 1, &d, 0, 0, out int error);
        OpenClNative.Check(error, "clCreateContext");
        queue = OpenClNative.CreateCommandQueue(context, device, 0, out error);
        OpenClNative.Check(error, "clCreateCommandQueue");
        Name = $"opencl:{index}";
        pool = new DevicePool(bytes =>
        {
            nint memory = OpenClNative.CreateBuffer(context, OpenClNative.MemReadWrite, (nuint)bytes, 0, out int status);
            OpenClNative.Check(status, $"clCreateBuffer ({bytes} bytes)");
            return memory;
        }, memory => OpenClNative.ReleaseMemObject(memory));
    }

    /// <inheritdoc />
    public override string Name { get; }

    /// <inheritdoc />
    public override string Description => $"{info.Name} ({info.Platform}, {info.Version}{(info.IsGpu ? ", GPU" : "")})";

    /// <inheritdoc />
    public override bool SupportsFloat64 => info.HasFloat64;

    /// <summary>The device's properties.</summary>
    public OpenClDeviceInfo Info => info;

    /// <inheritdoc />
    public override DeviceBuffer Allocate(DType dtype, int length) => pool.Rent(this, dtype, length);

    private nint Mem(DeviceBuffer buffer) =>
        buffer is PooledBuffer b && b.Backend == this ? b.Handle : throw new ArgumentException($"buffer belongs to device '{buffer.Backend.Name}', not to {Name}");

    /// <inheritdoc />
    protected override nint Handle(DeviceBuffer buffer) => Mem(buffer);

    /// <inheritdoc />
    protected override void Launch(DType dtype, string kernel, ReadOnlySpan<int> global, ReadOnlySpan<int> local, KernelArgs arguments)
    {
        nint k = Kernel(dtype, kernel);
        for (int i = 0; i < arguments.Count; i++)
        {
            var arg = arguments.Arg(i);
            fixed (byte* value = arg)
                OpenClNative.Check(OpenClNative.SetKernelArg(k, (uint)i, (nuint)arg.Length, value), $"clSetKernelArg({kernel}, {i})");
        }
        var g = stackalloc nuint[3];
        var l = stackalloc nuint[3];
        for (int d = 0; d < global.Length; d++)
        {
            g[d] = (nuint)global[d];
            if (!local.IsEmpty) l[d] = (nuint)local[d];
        }
        OpenClNative.Check(OpenClNative.EnqueueNDRangeKernel(queue, k, (uint)global.Length, null, g, local.IsEmpty ? null : l, 0, 0, 0), $"clEnqueueNDRangeKernel({kernel})");
    }

    /// <inheritdoc />
    public override void Upload<T>(ReadOnlySpan<T> source, DeviceBuffer destination, int offset = 0)
    {
        Check.Buffer(destination, DTypeInfo.Of<T>(), offset + source.Length, "upload");
        if (source.IsEmpty) return;
        fixed (T* s = source)
            OpenClNative.Check(OpenClNative.EnqueueWriteBuffer(queue, Mem(destination), 1, (nuint)(offset * sizeof(T)), (nuint)(source.Length * sizeof(T)), s, 0, 0, 0), "clEnqueueWriteBuffer");
    }

    /// <inheritdoc />
    public override void Download<T>(DeviceBuffer source, Span<T> destination, int offset = 0)
    {
        Check.Buffer(source, DTypeInfo.Of<T>(), offset + destination.Length, "download");
        if (destination.IsEmpty) return;
        fixed (T* d = destination)
            OpenClNative.Check(OpenClNative.EnqueueReadBuffer(queue, Mem(source), 1, (nuint)(offset * sizeof(T)), (nuint)(destination.Length * sizeof(T)), d, 0, 0, 0), "clEnqueueReadBuffer");
    }

    /// <inheritdoc />
    public override void Synchronize() => OpenClNative.Check(OpenClNative.Finish(queue), "clFinish");

    /// <summary>Releases the queue, context, programs and pooled memory.</summary>
    public void Dispose()
    {
        lock (Gate)
        {
            if (disposed) return;
            disposed = true;
            OpenClNative.Finish(queue);
            foreach (var k in kernels.Values) OpenClNative.ReleaseKernel(k);
            foreach (var p in programs.Values) OpenClNative.ReleaseProgram(p);
            pool.Close();
            OpenClNative.ReleaseCommandQueue(queue);
            OpenClNative.ReleaseContext(context);
        }
    }

    // ---- programs -------------------------------------------------------------------------

    private nint Kernel(DType dtype, string name)
    {
        lock (Gate)
        {
            if (kernels.TryGetValue((dtype, name), out var k)) return k;
            if (!programs.TryGetValue(dtype, out var program))
            {
                if (dtype == DType.Float64 && !SupportsFloat64) throw new NotSupportedException($"{Name} ({info.Name}) has no Float64 support");
                program = programs[dtype] = Build(KernelSources.Program("prelude_opencl.h", dtype, SupportsFloat64), "-cl-std=CL1.2");
            }
            var bytes = Encoding.ASCII.GetBytes(name + "\0");
            fixed (byte* n = bytes) k = OpenClNative.CreateKernel(program, n, out int error);
            if (k == 0) throw new InvalidOperationException($"OpenCL kernel '{name}' ({dtype}): clCreateKernel failed");
            kernels[(dtype, name)] = k;
            return k;
        }
    }

    /// <summary>
    /// Compiles a program for this device, from the on-disk binary cache when an entry for the same
    /// hash(source, device, driver, options) exists. A build failure throws with the compiler's log.
    /// </summary>
    internal nint Build(string source, string options)
    {
        string key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes($"{source}\n{info.Name}\n{info.Version}\n{info.Driver}\n{options}")));
        string cacheFile = Path.Combine(KernelCache.Directory("opencl"), key + ".bin");
        nint d = device;
        if (File.Exists(cacheFile))
        {
            var binary = File.ReadAllBytes(cacheFile);
            fixed (byte* b = binary)
            {
                nuint length = (nuint)binary.Length;
                byte* pb = b;
                int status;
                nint program = OpenClNative.CreateProgramWithBinary(context, 1, &d, &length, &pb, &status, out int error);
                if (error == 0 && status == 0 && BuildStatus(program, options) == 0) return program;
                if (program != 0) OpenClNative.ReleaseProgram(program);
            }
        }
        var text = Encoding.UTF8.GetBytes(source);
        nint built;
        fixed (byte* t = text)
        {
            byte* pt = t;
            nuint length = (nuint)text.Length;
            built = OpenClNative.CreateProgramWithSource(context, 1, &pt, &length, out int error);
            OpenClNative.Check(error, "clCreateProgramWithSource");
        }
        int buildStatus = BuildStatus(built, options);
        if (buildStatus != 0)
        {
            string log = BuildLog(built);
            OpenClNative.ReleaseProgram(built);
            throw new KernelBuildException($"OpenCL build failed on {info.Name}: {OpenClNative.ErrorName(buildStatus)}\n{log}") { Log = log };
        }
        TryStoreBinary(built, cacheFile);
        return built;
    }

    private int BuildStatus(nint program, string options)
    {
        nint d = device;
        var opts = Encoding.ASCII.GetBytes(options + "\0");
        fixed (byte* o = opts) return OpenClNative.BuildProgram(program, 1, &d, o, 0, 0);
    }

    private string BuildLog(nint program)
    {
        OpenClNative.GetProgramBuildInfo(program, device, OpenClNative.ProgramBuildLog, 0, null, out nuint size);
        var bytes = new byte[(int)size];
        fixed (byte* b = bytes) OpenClNative.GetProgramBuildInfo(program, device, OpenClNative.ProgramBuildLog, size, b, out _);
        return Encoding.UTF8.GetString(bytes).TrimEnd('\0');
    }

    /// <summary>Stores the device binary of a built program in the cache (best effort).</summary>
    private static void TryStoreBinary(nint program, string path)
    {
        nuint size = 0;
        if (OpenClNative.GetProgramInfo(program, OpenClNative.ProgramBinarySizes, (nuint)sizeof(nuint), &size, out _) != 0 || size == 0) return;
        var binary = new byte[(int)size];
        fixed (byte* b = binary)
        {
            byte* pb = b;
            if (OpenClNative.GetProgramInfo(program, OpenClNative.ProgramBinaries, (nuint)sizeof(nint), &pb, out _) != 0) return;
        }
        KernelCache.TryStore(path, binary);
    }
}
