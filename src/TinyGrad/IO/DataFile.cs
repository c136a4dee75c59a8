using System.Buffers.Binary;

namespace TinyGrad.IO;

/// <summary>Shared validation helpers of the readers: exact reads, checked sizes and bounded buffering.</summary>
internal static class DataFile
{
    /// <summary>Largest payload a reader will buffer from a stream of unknown length (a sanity bound, 8 GiB).</summary>
    public const long MaxStreamBytes = 8L << 30;

    public static InvalidDataFileException Fail(string path, string expected, string found, Exception? inner = null) =>
        new(path, expected, found, inner);

    /// <summary>Reads exactly buffer.Length bytes or throws naming what was being read.</summary>
    public static void ReadExact(Stream stream, Span<byte> buffer, string path, string what)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) throw Fail(path, $"{buffer.Length} bytes of {what}", $"end of file after {total}{EndNote(stream)}");
            total += n;
        }
    }

    public static uint ReadUInt32BigEndian(Stream stream, string path, string what)
    {
        Span<byte> b = stackalloc byte[4];
        ReadExact(stream, b, path, what);
        return BinaryPrimitives.ReadUInt32BigEndian(b);
    }

    /// <summary>Product of dims times element size in checked long arithmetic; overflow is a file error.</summary>
    public static long CheckedBytes(string path, ReadOnlySpan<long> dims, long elementSize, string what)
    {
        try
        {
            long n = elementSize;
            foreach (long d in dims)
            {
                if (d < 0) throw Fail(path, $"non-negative dimensions for {what}", $"{d}");
                n = checked(n * d);
            }
            return n;
        }
        catch (OverflowException e)
        {
            throw Fail(path, $"dimensions of {what} whose product fits in 64 bits", $"[{string.Join(", ", dims.ToArray())}] (overflow)", e);
        }
    }

    /// <summary>deflate's largest expansion: 258 bytes per 2 bits of compressed data (zlib's "1032:1").</summary>
    public const int MaxDeflateRatio = 1032;

    /// <summary>The most bytes <paramref name="compressedBytes"/> of deflate data can inflate to (plus a little slack).</summary>
    public static long MaxInflatedBytes(long compressedBytes) =>
        compressedBytes > (long.MaxValue >> 11) ? long.MaxValue : compressedBytes * MaxDeflateRatio + 4096;

    /// <summary>
    /// Reads the <paramref name="declared"/> bytes a header announced from a stream of unknown length
    /// (gzip, zip member, tar entry). The size is checked first, against <see cref="MaxStreamBytes"/> and
    /// against <paramref name="possible"/> (what the compressed input can hold, <paramref name="why"/>);
    /// then the result is allocated once (uninitialized: pages the data never reaches are not written),
    /// filled, and the stream must end right there. Peak memory: the payload, never a grown copy.
    /// <paramref name="source"/> is the gzip file beneath <paramref name="stream"/>, to explain an early end.
    /// </summary>
    public static byte[] ReadDeclared(Stream stream, long declared, long possible, string path, string what, string why, GzipInput? source = null)
    {
        long cap = Math.Min(MaxStreamBytes, Array.MaxLength);
        if (declared > cap) throw Fail(path, $"{what} of at most {cap} bytes", $"{declared} bytes declared");
        if (declared > possible)
            throw Fail(path, $"{what} of at most {possible} bytes ({why})", $"{declared} bytes declared (a decompression bomb or a corrupt header)");
        var buffer = GC.AllocateUninitializedArray<byte>((int)declared);
        int filled = 0;
        try
        {
            while (filled < buffer.Length)
            {
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) throw Fail(path, $"{declared} bytes of {what}", $"end of data after {filled} bytes{EndNote(source ?? stream)}");
                filled += n;
            }
            Span<byte> probe = stackalloc byte[1];
            if (stream.Read(probe) != 0) throw Fail(path, $"exactly {declared} bytes of {what}", "more data after the declared end");
        }
        catch (InvalidDataException e)
        {
            throw Fail(path, $"a valid compressed stream ({what})", e.Message, e);
        }
        return buffer;
    }

    /// <summary>Why a stream ended early, when it knows (a truncated gzip file); else empty.</summary>
    public static string EndNote(Stream stream) => stream is GzipInput gz ? gz.EndNote : "";

    /// <summary>True when the file starts with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(string path)
    {
        using var fs = File.OpenRead(path);
        Span<byte> b = stackalloc byte[2];
        return fs.Read(b) == 2 && b[0] == 0x1f && b[1] == 0x8b;
    }

    /// <summary>Opens a file, transparently decompressing gzip (by magic, not by name; see <see cref="GzipInput"/>).</summary>
    public static Stream OpenMaybeGzip(string path, out bool compressed)
    {
        compressed = IsGzip(path);
        return compressed ? GzipInput.Open(path) : File.OpenRead(path);
    }
}
