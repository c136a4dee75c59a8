using System.Diagnostics;
using TinyGrad.IO;

namespace TinyGrad.Tests;

/// <summary>
/// The test assembly doubles as the child process of tests that kill a process in the middle of an
/// operation or that need another environment: <c>dotnet TinyGrad.Tests.dll &lt;mode&gt; &lt;args&gt;</c>
/// (the test SDK's generated entry point is off).
/// </summary>
public static class ChildProcess
{
    /// <summary>
    /// Child modes: <c>hang-in-save path</c> (prints "writing" mid-save, then waits), <c>save-loop path
    /// megabytes</c>, <c>kernel-bits</c> (hashes of threaded CPU kernels' outputs, see <see cref="Kernels.KernelBits"/>)
    /// and <c>cuda-devices</c> (the CUDA devices ILGPU lists, or why none, see <see cref="Devices.LibcudaTests"/>).
    /// </summary>
    public static int Main(string[] args)
    {
        if (args is ["kernel-bits"])
        {
            Kernels.KernelBits.Print();
            return 0;
        }
        if (args is ["cuda-devices"])
        {
            Devices.LibcudaTests.PrintCudaDevices();
            return 0;
        }
        if (args.Length < 2) return 2;
        switch (args[0])
        {
            case "hang-in-save":
                AtomicFile.Write(args[1], s =>
                {
                    SafeTensors.Write(s, new Dictionary<string, HostArray> { ["w"] = HostArray.Create(new float[1 << 16], 1 << 16) });
                    s.Flush();
                    Console.Out.WriteLine("writing");
                    Console.Out.Flush();
                    Thread.Sleep(Timeout.Infinite);
                });
                return 0;
            case "save-loop":
                var w = Tensor.Zeros([int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) << 18]);
                Console.Out.WriteLine("saving");
                Console.Out.Flush();
                for (int step = 0; ; step++)
                    Checkpoint.Save(args[1], new Dictionary<string, Tensor> { ["w"] = w }, new Dictionary<string, string> { ["step"] = step.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            default:
                return 2;
        }
    }

    /// <summary>Starts this assembly as a child process in <paramref name="args"/>[0]'s mode, with stdout redirected.</summary>
    public static Process Start(params string[] args) => Start(new Dictionary<string, string>(), args);

    /// <summary>As <see cref="Start(string[])"/>, with <paramref name="environment"/> added to the child's environment.</summary>
    public static Process Start(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        string host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } h && File.Exists(h) ? h : "dotnet";
        var psi = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (name, value) in environment) psi.Environment[name] = value;
        psi.ArgumentList.Add(typeof(ChildProcess).Assembly.Location);
        foreach (string a in args) psi.ArgumentList.Add(a);
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {host}");
    }
}
