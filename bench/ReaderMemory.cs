using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;
using TinyGrad.IO;

namespace TinyGrad.Bench;

/// <summary>
/// Peak memory of reading files into tensors on <c>cpu</c> (issue 23): <c>readers [folder]</c> writes one
/// 400 MB float32 array as .npy, as a stored and a deflated .npz member, as safetensors and as a checkpoint,
/// then reads each in a fresh process (<c>reader-read &lt;how&gt; &lt;file&gt;</c>) that reports its peak resident
/// set (VmHWM). "tensor" is the tensor reader (ReadTensor(s), Checkpoint.Load); "array+copy" reads a host array
/// and copies it into a tensor (HostArray.ToTensor), which is what the tensor readers did before. A tiny file
/// gives the runtime's own footprint.
/// </summary>
public static class ReaderMemory
{
    private const long Count = 100_000_000;
    private const long PayloadBytes = Count * 4;
    private const int Chunk = 1 << 20;

    private sealed record Case(string File, string What, Action<string> Write);

    private static readonly Case[] Cases =
    [
        new("tiny.npy", "10 floats (runtime baseline)", p => Npy(p, 10)),
        new("f32.npy", ".npy, float32 [100000000]", p => Npy(p, Count)),
        new("f32-stored.npz", ".npz, one stored float32 member", p => Npz(p, CompressionLevel.NoCompression)),
        new("f32-deflated.npz", ".npz, one deflated float32 member", p => Npz(p, CompressionLevel.Fastest)),
        new("f32.safetensors", "safetensors, one F32 tensor", p => SafeTensorsFile(p, checkpoint: false)),
        new("f32.ckpt.safetensors", "checkpoint (safetensors + CRC-32), one F32 tensor", p => SafeTensorsFile(p, checkpoint: true)),
    ];

    public static int Run(string folder)
    {
        Directory.CreateDirectory(folder);
        double baseline = double.NaN;
        const double mib = 1 << 20;
        Console.WriteLine($"payload {PayloadBytes / mib:F0} MiB; peak resident set of a fresh process that reads the file on cpu");
        foreach (var c in Cases)
        {
            string path = Path.Combine(folder, c.File);
            if (!File.Exists(path)) c.Write(path);
            foreach (string how in c.File == "tiny.npy" ? ["tensor"] : new[] { "tensor", "array+copy" })
            {
                string line = PeakRss.Child("reader-read", how, path);
                double peak = double.Parse(line.Split(' ')[0]["peak_rss_mib=".Length..], CultureInfo.InvariantCulture);
                if (c.File == "tiny.npy") baseline = peak;
                string ratio = c.File == "tiny.npy" ? "" : $"  (peak - runtime) / payload = {(peak - baseline) / (PayloadBytes / mib):F2}";
                Console.WriteLine($"{c.File,-22} {how,-10} {c.What,-50} {line}{ratio}");
            }
        }
        return 0;
    }

    /// <summary>Reads one file the way <paramref name="how"/> says and prints the peak resident set.</summary>
    public static int Read(string how, string path)
    {
        var cpu = Device.Cpu;
        bool tensor = how == "tensor";
        long numel = 0;
        IEnumerable<Tensor> result = path switch
        {
            _ when path.EndsWith(".npy", StringComparison.Ordinal) => [tensor ? TinyGrad.IO.Npy.ReadTensor(path, cpu) : TinyGrad.IO.Npy.Read(path).ToTensor(cpu)],
            _ when path.EndsWith(".npz", StringComparison.Ordinal) => tensor ? TinyGrad.IO.Npz.ReadTensors(path, cpu).Values : [.. TinyGrad.IO.Npz.Read(path).Values.Select(a => a.ToTensor(cpu))],
            _ when path.EndsWith(".ckpt.safetensors", StringComparison.Ordinal) => tensor ? Checkpoint.Load(path, cpu).Tensors.Values : [.. SafeTensors.Read(path).Tensors.Values.Select(a => a.ToTensor(cpu))],
            _ => tensor ? SafeTensors.ReadTensors(path, cpu).Values : [.. SafeTensors.Read(path).Tensors.Values.Select(a => a.ToTensor(cpu))],
        };
        foreach (var t in result) numel += t.Numel;
        Console.WriteLine($"peak_rss_mib={PeakRss.Mib():F0} elements={numel}");
        GC.KeepAlive(result);
        return 0;
    }

    private static byte[] NpyHeader(long count)
    {
        string dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': ({count},), }}";
        int total = (10 + dict.Length + 1 + 63) / 64 * 64;
        var head = new byte[total];
        head[0] = 0x93;
        Encoding.ASCII.GetBytes("NUMPY").CopyTo(head, 1);
        head[6] = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)(total - 10));
        Encoding.ASCII.GetBytes(dict.PadRight(total - 10 - 1) + "\n").CopyTo(head, 10);
        return head;
    }

    /// <summary>A .npy of float32 zeros; the data is a sparse hole (reads as zeros, costs no disk).</summary>
    private static void Npy(string path, long count)
    {
        using var fs = File.Create(path);
        var head = NpyHeader(count);
        fs.Write(head);
        fs.SetLength(head.Length + count * 4);
    }

    private static void Npz(string path, CompressionLevel level)
    {
        using var fs = File.Create(path);
        using var zip = new ZipArchive(fs, ZipArchiveMode.Create);
        using var es = zip.CreateEntry("x.npy", level).Open();
        es.Write(NpyHeader(Count));
        var zeros = new byte[Chunk];
        for (long done = 0; done < PayloadBytes; done += Chunk) es.Write(zeros, 0, (int)Math.Min(Chunk, PayloadBytes - done));
    }

    /// <summary>One F32 tensor "x" of zeros; as a checkpoint, with the format marker and the payload's CRC-32.</summary>
    private static void SafeTensorsFile(string path, bool checkpoint)
    {
        string meta = "";
        if (checkpoint)
        {
            var crc = new Crc32();
            var zeros = new byte[Chunk];
            for (long done = 0; done < PayloadBytes; done += Chunk) crc.Append(zeros.AsSpan(0, (int)Math.Min(Chunk, PayloadBytes - done)));
            meta = $"\"__metadata__\":{{\"{Checkpoint.FormatKey}\":\"{Checkpoint.FormatValue}\",\"{Checkpoint.ChecksumKeyPrefix}x\":\"{crc.GetCurrentHashAsUInt32():x8}\"}},";
        }
        string json = $"{{{meta}\"x\":{{\"dtype\":\"F32\",\"shape\":[{Count}],\"data_offsets\":[0,{PayloadBytes}]}}}}";
        json = json.PadRight((json.Length + 7) / 8 * 8);
        using var fs = File.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)json.Length);
        fs.Write(length);
        fs.Write(Encoding.ASCII.GetBytes(json));
        fs.SetLength(8 + json.Length + PayloadBytes);
    }
}
