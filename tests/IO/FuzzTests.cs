using System.Diagnostics;
using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// 10,000 seeded random mutations (byte and bit flips, truncations, insertions, deletions, overwrites with
/// boundary values) of small valid files of every format: each read either succeeds or throws
/// <see cref="InvalidDataFileException"/>, and no single read hangs.
/// </summary>
public sealed class FuzzTests
{
    private const int Total = 10_000;

    private sealed record Format(string Name, string FileName, byte[] Valid, Action<string> Read);

    private static List<Format> Formats() =>
    [
        new("idx", "img-idx3-ubyte", TestFiles.IdxImages(2, 4, 4), p => Idx.Read(p, Idx.ImagesMagic)),
        new("idx.gz", "lab-idx1-ubyte.gz", TestFiles.Gzip(TestFiles.IdxLabels(20)), p => Idx.Read(p, Idx.LabelsMagic)),
        new("cifar", "test_batch.bin", TestFiles.CifarBatch(2), p => Cifar10.ReadBatches([p])),
        new("cifar.tar.gz", "c.tar.gz", TestFiles.CifarTarGz(1, includeExtra: false), p => Cifar10.ReadArchive(p, train: false)),
        new("npy", "a.npy", TestFiles.Npy(TestFiles.SmallF32()), p => Npy.Read(p)),
        new("npz", "a.npz", TestFiles.NpzBytes(compress: false), p => Npz.Read(p)),
        new("npz-deflate", "b.npz", TestFiles.NpzBytes(compress: true), p => Npz.Read(p)),
        new("safetensors", "a.safetensors", TestFiles.SafeTensorsBytes(), p => SafeTensors.Read(p)),
        new("checkpoint", "c.safetensors", TestFiles.CheckpointBytes(), p => Checkpoint.Load(p)),
    ];

    [Test]
    public void RandomMutationsOnlyThrowInvalidDataFileException()
    {
        var formats = Formats();
        string dir = TestFiles.NewDir();
        var rng = new Random(12345);
        var failures = new List<string>();
        var counts = new int[3];
        var total = Stopwatch.StartNew();
        double worstMs = 0;
        try
        {
            foreach (var f in formats) f.Read(Write(dir, f.FileName, f.Valid)); // the seeds themselves are valid
            for (int iter = 0; iter < Total; iter++)
            {
                var f = formats[iter % formats.Count];
                byte[] mutated = Mutate(f.Valid, rng);
                string path = Write(dir, f.FileName, mutated);
                var sw = Stopwatch.StartNew();
                try
                {
                    f.Read(path);
                    counts[0]++;
                }
                catch (InvalidDataFileException e)
                {
                    counts[1]++;
                    if (!e.Message.Contains(path, StringComparison.Ordinal)) failures.Add($"{f.Name} #{iter}: message lacks the path: {e.Message}");
                }
                catch (Exception e)
                {
                    counts[2]++;
                    if (failures.Count < 20) failures.Add($"{f.Name} #{iter}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
                }
                worstMs = Math.Max(worstMs, sw.Elapsed.TotalMilliseconds);
            }
        }
        finally
        {
            Directory.Delete(dir, true);
        }
        TestContext.Out.WriteLine($"ok {counts[0]}, rejected {counts[1]}, other {counts[2]}; {total.Elapsed.TotalSeconds:F1} s, slowest read {worstMs:F0} ms");
        Assert.That(failures, Is.Empty, string.Join("\n\n", failures));
        Assert.That(worstMs, Is.LessThan(5000), "no read hangs");
        Assert.That(counts[1], Is.GreaterThan(Total / 2), "most mutations are caught");
    }

    private static string Write(string dir, string name, byte[] bytes)
    {
        string p = Path.Combine(dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static byte[] Mutate(byte[] valid, Random rng)
    {
        var b = new List<byte>(valid);
        int ops = 1 + rng.Next(3);
        for (int k = 0; k < ops && b.Count > 0; k++)
        {
            int pos = rng.Next(b.Count);
            switch (rng.Next(6))
            {
                case 0: b[pos] = (byte)rng.Next(256); break;
                case 1: b[pos] ^= (byte)(1 << rng.Next(8)); break;
                case 2: b.RemoveRange(pos, b.Count - pos); break;
                case 3:
                {
                    var ins = new byte[1 + rng.Next(8)];
                    rng.NextBytes(ins);
                    b.InsertRange(pos, ins);
                    break;
                }
                case 4: b.RemoveRange(pos, Math.Min(b.Count - pos, 1 + rng.Next(16))); break;
                default:
                {
                    byte v = (byte)(rng.Next(3) switch { 0 => 0xFF, 1 => 0x00, _ => 0x7F });
                    for (int i = pos; i < Math.Min(b.Count, pos + 4 + rng.Next(5)); i++) b[i] = v;
                    break;
                }
            }
        }
        return [.. b];
    }
}
