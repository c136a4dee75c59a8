using System.Diagnostics;
using System.IO.Compression;
using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>Temp folders, small valid fixtures of every format, and a python3/numpy runner.</summary>
internal static class TestFiles
{
    public static string NewDir()
    {
        string d = Path.Combine(Path.GetTempPath(), "tinygrad-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        return d;
    }

    public static byte[] IdxImages(int n, int rows = 28, int cols = 28, int seed = 1)
    {
        var data = new byte[n * rows * cols];
        new Random(seed).NextBytes(data);
        using var ms = new MemoryStream();
        WriteBe(ms, 2051); WriteBe(ms, n); WriteBe(ms, rows); WriteBe(ms, cols);
        ms.Write(data);
        return ms.ToArray();
    }

    public static byte[] IdxLabels(int n, int seed = 2)
    {
        var r = new Random(seed);
        using var ms = new MemoryStream();
        WriteBe(ms, 2049); WriteBe(ms, n);
        for (int i = 0; i < n; i++) ms.WriteByte((byte)r.Next(10));
        return ms.ToArray();
    }

    public static void WriteBe(Stream s, int v)
    {
        Span<byte> b = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b, v);
        s.Write(b);
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true)) gz.Write(data);
        return ms.ToArray();
    }

    public static byte[] CifarBatch(int records, int seed = 3)
    {
        var r = new Random(seed);
        var b = new byte[records * Cifar10.RecordSize];
        r.NextBytes(b);
        for (int i = 0; i < records; i++) b[i * Cifar10.RecordSize] = (byte)r.Next(10);
        return b;
    }

    public static byte[] CifarTarGz(int records, bool train = false, bool includeExtra = true)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        using (var tar = new System.Formats.Tar.TarWriter(gz, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            if (includeExtra) AddTar(tar, "cifar-10-batches-bin/batches.meta.txt", "airplane\n"u8.ToArray());
            int k = 0;
            foreach (string f in Cifar10.BatchFiles(train)) AddTar(tar, "cifar-10-batches-bin/" + f, CifarBatch(records, 10 + k++));
        }
        return ms.ToArray();
    }

    private static void AddTar(System.Formats.Tar.TarWriter tar, string name, byte[] data)
    {
        var e = new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) };
        tar.WriteEntry(e);
    }

    public static byte[] Npy(HostArray a)
    {
        using var ms = new MemoryStream();
        TinyGrad.IO.Npy.Write(ms, a);
        return ms.ToArray();
    }

    public static HostArray SmallF32() => HostArray.Create(new float[] { 1.5f, -2, 3.25f, 0, float.MaxValue, float.Epsilon }, 2, 3);

    public static byte[] NpzBytes(bool compress)
    {
        string dir = NewDir();
        string p = Path.Combine(dir, "a.npz");
        TinyGrad.IO.Npz.Write(p, new Dictionary<string, HostArray>
        {
            ["w"] = SmallF32(),
            ["idx"] = HostArray.Create(new long[] { 1, 2, 3 }, 3),
        }, compress);
        return File.ReadAllBytes(p);
    }

    public static byte[] SafeTensorsBytes()
    {
        using var ms = new MemoryStream();
        TinyGrad.IO.SafeTensors.Write(ms, new Dictionary<string, HostArray>
        {
            ["a"] = SmallF32(),
            ["b"] = HostArray.Create(new int[] { 7, -8 }, 2),
        }, new Dictionary<string, string> { ["note"] = "hi" });
        return ms.ToArray();
    }

    public static byte[] CheckpointBytes()
    {
        string dir = NewDir();
        string p = Path.Combine(dir, "c.safetensors");
        Checkpoint.Save(p, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2]) },
            new Dictionary<string, string> { ["step"] = "3" });
        return File.ReadAllBytes(p);
    }

    // ---- python3 + numpy ----

    private static string? pythonProblem;
    private static bool pythonChecked;

    public static void RequireNumpy()
    {
        if (!pythonChecked)
        {
            pythonChecked = true;
            if (!File.Exists("/usr/bin/python3")) pythonProblem = "/usr/bin/python3 is not installed";
            else
            {
                var (code, _, err) = RunPython("import numpy");
                if (code != 0) pythonProblem = "numpy is not importable by /usr/bin/python3 (install python3-numpy): " + err.Trim();
            }
        }
        if (pythonProblem is not null) Assert.Ignore(pythonProblem);
    }

    public static (int Code, string Out, string Err) RunPython(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("/usr/bin/python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var so = p.StandardOutput.ReadToEndAsync();
        var se = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(60_000))
        {
            p.Kill();
            Assert.Fail("python3 timed out");
        }
        return (p.ExitCode, so.Result, se.Result);
    }

    public static string Python(string script, params string[] args)
    {
        var (code, o, e) = RunPython(script, args);
        Assert.That(code, Is.EqualTo(0), $"python3 failed:\n{e}");
        return o;
    }
}
