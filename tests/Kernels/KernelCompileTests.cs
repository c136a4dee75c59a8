using System.Reflection;
using ILGPU.Backends;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.OpenCL;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;
using ILGPU.Runtime.OpenCL;
using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Kernels.Ilgpu;

namespace TinyGrad.Tests.Kernels;

/// Every kernel of the ILGPU backend compiles to PTX (Ampere and Hopper) and to OpenCL C without
/// a device, so a kernel that only a GPU would reject fails here, named, on every submission.
/// With TINYGRAD_PTX_DIR set, the PTX test also writes each kernel's PTX there, with its launch
/// sizes, for NVIDIA's assembler (bench/gpu/static.sh).
public sealed class KernelCompileTests
{
    /// Every instantiation the backend can launch: kernels are the static methods named *Kernel of
    /// the family classes; generic ones are closed over every type argument their constraints allow.
    public static IEnumerable<TestCaseData> Kernels()
    {
        var families = typeof(IlgpuBackend).Assembly.GetTypes().Where(t => t.Namespace == typeof(IlgpuBackend).Namespace);
        foreach (var family in families)
        foreach (var method in family.GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly))
        {
            if (!method.Name.EndsWith("Kernel", StringComparison.Ordinal)) continue;
            foreach (var closed in Close(method))
                yield return new TestCaseData(closed).SetArgDisplayNames($"{family.Name}.{method.Name}<{string.Join(",", closed.GetGenericArguments().Select(a => a.Name))}>");
        }
    }

    private static IEnumerable<MethodInfo> Close(MethodInfo method)
    {
        if (!method.IsGenericMethodDefinition)
        {
            yield return method;
            yield break;
        }
        // Element types for element parameters, the GPU tilings for a tiling (TileSim runs only on the
        // simulator, in every parity test there), Cast for a conversion, every op of the elementwise table for an op.
        var choices = method.GetGenericArguments().Select(p => p.GetGenericParameterConstraints() switch
        {
            var c when c.Contains(typeof(IGemmTile)) => new[] { typeof(Tile128), typeof(Tile64) },
            var c when c.Any(t => t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ICast<,>)) => [typeof(Cast)],
            var c when c.FirstOrDefault(t => t.IsGenericType && t.Namespace == typeof(IUnaryOp<>).Namespace && t.Name.StartsWith('I')) is { } op =>
                ElementwiseTable.Implementing(op.GetGenericTypeDefinition()).ToArray(),
            _ => [typeof(float), typeof(double), typeof(int)],
        }).ToArray();
        foreach (var combination in Combinations(choices, choices.Length))
        {
            MethodInfo? closed = null;
            try
            {
                closed = method.MakeGenericMethod(combination);
            }
            catch (ArgumentException)
            {
                // A constraint is not met: not an instantiation the backend launches.
            }
            if (closed is not null) yield return closed;
        }
    }

    /// The launch hints the backend loads a kernel with: a tiled kernel's (group size, groups per
    /// multiprocessor), none for the others.
    private static KernelSpecialization Specialization(MethodInfo kernel)
    {
        var args = kernel.IsGenericMethod ? kernel.GetGenericArguments() : [];
        var tile = args.FirstOrDefault(a => typeof(IGemmTile).IsAssignableFrom(a));
        if (tile is null) return default;
        var element = args.First(a => a == typeof(float) || a == typeof(double));
        return (KernelSpecialization)typeof(GemmLaunch).GetMethod(nameof(GemmLaunch.For))!.MakeGenericMethod(element, tile).Invoke(null, null)!;
    }

    private static IEnumerable<Type[]> Combinations(Type[][] choices, int count) =>
        count == 0 ? [[]] : Combinations(choices, count - 1).SelectMany(prefix => choices[count - 1].Select(c => prefix.Append(c).ToArray()));

    [Test]
    public void EveryFamilyHasKernels()
    {
        var kernels = Kernels().Select(k => (MethodInfo)k.Arguments[0]!).ToList();
        Assert.That(kernels.Select(k => k.DeclaringType!.Name).Distinct().Order(),
            Is.EqualTo(new[] { "Conv", "Copy", "Elementwise", "Gemm", "Indexing", "Optim", "Pool", "Random", "Reduce" }));
        // The 9 copy and 9 where dtype pairs, 3 fills, 2 x 2 GEMMs (GPU tiles), 2 of each float kernel, gather and
        // scatter-add for 3 dtypes, and each elementwise op for its dtypes.
        Assert.That(kernels.Count(k => k.Name == "CopyKernel"), Is.EqualTo(9));
        Assert.That(kernels.Count(k => k.Name == "WhereKernel"), Is.EqualTo(9));
        Assert.That(kernels.Count(k => k.Name == "GemmKernel"), Is.EqualTo(4));
        Assert.That(kernels.Count(k => k.Name == "UnaryKernel"), Is.EqualTo(2 * ElementwiseTable.Unary.Count));
        Assert.That(kernels.Count(k => k.Name == "BinaryKernel"), Is.EqualTo(2 * ElementwiseTable.Binary.Count));
        Assert.That(kernels.Count(k => k.Name == "CompareKernel"), Is.EqualTo(3 * ElementwiseTable.Comparisons.Count));
        // The convolutions run on the GEMM tiles: forward, backward-input and backward-weight, 2 dtypes x 2 tiles.
        var conv = kernels.Where(k => k.DeclaringType == typeof(Conv)).ToList();
        Assert.That(conv, Has.Count.EqualTo(12));
        Assert.That(conv.All(k => k.GetGenericArguments().Any(a => typeof(IGemmTile).IsAssignableFrom(a))), "a conv kernel not on the GEMM tiles");
        Assert.That(kernels, Has.Count.GreaterThanOrEqualTo(60));
    }

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToPtxForAmpereAndHopper(MethodInfo kernel)
    {
        foreach (var (arch, isa) in new[] { (CudaArchitecture.SM_80, CudaInstructionSet.ISA_70), (CudaArchitecture.SM_90, CudaInstructionSet.ISA_80) })
        {
            using var backend = new PTXBackend(IlgpuDevices.Context, new CudaCapabilityContext(arch), arch, isa, nvvmAPI: null);
            var ptx = ((PTXCompiledKernel)Compile(backend, kernel, $"PTX {arch}")).PTXAssembly;
            Assert.That(ptx, Does.Contain(".entry"), $"{kernel.Name}: no entry point in the {arch} PTX");
            if (Environment.GetEnvironmentVariable("TINYGRAD_PTX_DIR") is { Length: > 0 } dir) Export(dir, kernel, arch, ptx);
        }
    }

    /// Writes <c>Family.Method.Args.sm_XX.ptx</c> and, once, <c>Family.Method.Args.launch</c>: the
    /// kernel's name, element size and the threads per group a GPU launch uses (a GEMM tile's own
    /// count, else the grid-stride group). A kernel with dynamic shared memory gets one element per
    /// thread (the reduce kernels' request), so the report can count it.
    private static void Export(string dir, MethodInfo kernel, CudaArchitecture arch, string ptx)
    {
        Directory.CreateDirectory(dir);
        var args = kernel.IsGenericMethod ? kernel.GetGenericArguments() : [];
        string name = $"{kernel.DeclaringType!.Name}.{kernel.Name}<{string.Join(",", args.Select(a => a.Name))}>";
        string stem = Path.Combine(dir, $"{kernel.DeclaringType!.Name}.{kernel.Name}{string.Concat(args.Select(a => "." + a.Name))}");
        File.WriteAllText($"{stem}.sm_{arch.Major}{arch.Minor}.ptx", ptx);
        var tile = args.FirstOrDefault(a => typeof(IGemmTile).IsAssignableFrom(a));
        int threads = tile is null ? KernelHost.GpuGroup : (int)tile.GetProperty(nameof(IGemmTile.Threads))!.GetValue(null)!;
        var element = args.FirstOrDefault(a => a == typeof(float) || a == typeof(double) || a == typeof(int));
        int size = element is null ? 0 : System.Runtime.InteropServices.Marshal.SizeOf(element);
        int dynamicShared = ptx.Contains(".extern .shared", StringComparison.Ordinal) ? threads * size : 0;
        File.WriteAllText($"{stem}.launch", $"name={name}\nelement_bytes={size}\nthreads={threads}\ndynamic_shared={dynamicShared}\n");
    }

    [TestCaseSource(nameof(Kernels))]
    public void CompilesToOpenClC(MethodInfo kernel)
    {
        var capabilities = new CLCapabilityContext(false, true, true, true, false);
        using var backend = new CLBackend(IlgpuDevices.Context, capabilities, CLDeviceVendor.Other, CLCVersion.CL30);
        var source = ((CLCompiledKernel)Compile(backend, kernel, "OpenCL C")).Source;
        Assert.That(source, Does.Contain("kernel void"), $"{kernel.Name}: no kernel in the OpenCL C");
    }

    private static CompiledKernel Compile(ILGPU.Backends.Backend backend, MethodInfo kernel, string target)
    {
        var entry = kernel.GetParameters().FirstOrDefault()?.ParameterType == typeof(ILGPU.Index1D)
            ? EntryPointDescription.FromImplicitlyGroupedKernel(kernel)
            : EntryPointDescription.FromExplicitlyGroupedKernel(kernel);
        try
        {
            return backend.Compile(entry, Specialization(kernel));
        }
        catch (Exception e)
        {
            Assert.Fail($"{kernel.DeclaringType!.Name}.{kernel.Name}<{string.Join(",", kernel.GetGenericArguments().Select(a => a.Name))}> does not compile to {target}: {e.GetBaseException().Message}");
            throw;
        }
    }
}
