using System.Diagnostics;
using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

/// The shared kernel sources must be valid CUDA C++ even where no GPU is present: g++ checks them
/// under the CUDA prelude with host stand-ins for the built-ins.
public sealed class KernelSourceTests
{
    [TestCase(DType.Float32)]
    [TestCase(DType.Float64)]
    [TestCase(DType.Int32)]
    public void SourcesCompileAsCudaCpp(DType dtype)
    {
        string mock = Path.Combine(TestContext.CurrentContext.TestDirectory, "Kernels", "Assets", "cuda_host_mock.h");
        string file = Path.Combine(Path.GetTempPath(), $"tinygrad-cuda-{dtype}-{Guid.NewGuid():N}.cpp");
        File.WriteAllText(file, $"#include \"{mock}\"\n" + KernelSources.Program("prelude_cuda.h", dtype, hasFloat64: true));
        try
        {
            var start = new ProcessStartInfo("g++", ["-std=c++17", "-fsyntax-only", "-Wall", "-Wno-unused-function", file])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            Process? process;
            try
            {
                process = Process.Start(start);
            }
            catch (System.ComponentModel.Win32Exception)
            {
                Assert.Ignore("g++ is not installed");
                return;
            }
            string errors = process!.StandardError.ReadToEnd();
            process.WaitForExit();
            Assert.That(process.ExitCode, Is.EqualTo(0), errors);
            Assert.That(errors, Is.Empty, "no warnings either");
        }
        finally
        {
            File.Delete(file);
        }
    }
}
