using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using TinyGrad.IO;

namespace TinyGrad.Bench;

/// <summary>
/// Peak memory of the readers on compressed input, the decompression bombs of issue 13 included:
/// <c>bombs [folder]</c> writes the files (streamed, so the writer never holds a payload) and reads
/// each in a fresh child process (<c>bomb-read &lt;file&gt;</c>), which reports its peak resident set
/// (VmHWM) and what the reader did. A tiny file gives the runtime's own footprint.
/// </summary>
public static class Bombs
{
    private const long Mb = 1 << 20;

    private sealed record Case(string File, string What, long PayloadBytes, Action<string> Write);

    private static readonly Case[] Cases =
    [
        new("tiny-idx3-ubyte.gz", "valid gzip IDX, 10 images (runtime baseline)", 10 * 784, p => GzipIdx(p, 10, 10 * 784, 0)),
        new("bomb-idx3-ubyte.gz", "gzip IDX claiming 2,000,000 images (1.57 GB), 400 MiB inside", 400 * Mb, p => GzipIdx(p, 2_000_000, 400 * Mb, 0)),
        new("plausible-idx3-ubyte.gz", "gzip IDX claiming 1,300,000 images (1.02 GB), 1 MiB random + 399 MiB zeros inside", 400 * Mb, p => GzipIdx(p, 1_300_000, 400 * Mb, Mb)),
        new("valid-idx3-ubyte.gz", "valid gzip IDX, 510,204 images (400 MB)", 510_204 * 784L, p => GzipIdx(p, 510_204, 510_204 * 784L, 0)),
        new("valid.npz", "valid .npz, one deflated float64 member of 400 MB", 400_000_000, p => Npz(p, 50_000_000)),
    ];

    public static int Run(string folder)
    {
        Directory.CreateDirectory(folder);
        foreach (var c in Cases)
        {
            string path = Path.Combine(folder, c.File);
            if (!File.Exists(path)) c.Write(path);
            string line = PeakRss.Child("bomb-read", path);
            Console.WriteLine($"{c.File} ({new FileInfo(path).Length / 1024} KiB): {c.What}; payload {c.PayloadBytes / (double)Mb:F0} MiB; {line}");
        }
        return 0;
    }

    /// <summary>Reads one file (by its extension) and prints the peak resident set and the outcome.</summary>
    public static int Read(string path)
    {
        string outcome;
        object? result = null;
        try
        {
            result = path.EndsWith(".npz", StringComparison.Ordinal) ? TinyGrad.IO.Npz.Read(path) : Idx.Read(path, Idx.ImagesMagic);
            outcome = "read";
        }
        catch (InvalidDataFileException e)
        {
            outcome = "rejected: " + e.Found;
        }
        Console.WriteLine($"peak_rss_mib={PeakRss.Mib():F0} {outcome}");
        GC.KeepAlive(result);
        return 0;
    }

    /// <summary>gzip of an IDX image header for <paramref name="n"/> images and <paramref name="bytes"/> bytes: <paramref name="random"/> random, then zeros.</summary>
    private static void GzipIdx(string path, int n, long bytes, long random)
    {
        using var fs = File.Create(path);
        using var gz = new GZipStream(fs, CompressionLevel.SmallestSize);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, Idx.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], n);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 28);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 28);
        gz.Write(header);
        WriteChunks(gz, bytes, random);
    }

    /// <summary>A .npz with one deflated member x.npy: float64 zeros of length <paramref name="count"/>.</summary>
    private static void Npz(string path, long count)
    {
        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        using var es = zip.CreateEntry("x.npy", CompressionLevel.SmallestSize).Open();
        string dict = $"{{'descr': '<f8', 'fortran_order': False, 'shape': ({count},), }}";
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var head = new byte[10];
        head[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(head, 1);
        head[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)(total - 10));
        es.Write(head);
        es.Write(Encoding.ASCII.GetBytes(dict.PadRight(total - 10 - 1) + "\n"));
        WriteChunks(es, count * 8, 0);
    }

    private static void WriteChunks(Stream s, long bytes, long random)
    {
        var chunk = new byte[1 << 20];
        var rng = new Random(1);
        for (long done = 0; done < bytes; done += chunk.Length)
        {
            if (done < random) rng.NextBytes(chunk);
            else if (done - chunk.Length < random) Array.Clear(chunk);
            s.Write(chunk, 0, (int)Math.Min(chunk.Length, bytes - done));
        }
    }
}
