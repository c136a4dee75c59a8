using System.Buffers.Binary;
using System.IO.Compression;

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
            if (n == 0) throw Fail(path, $"{buffer.Length} bytes of {what}", $"end of file after {total}");
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

    /// <summary>
    /// Reads the rest of a stream of unknown length (gzip, deflate, archive entry), expecting exactly
    /// <paramref name="expected"/> bytes. The buffer grows only as data really arrives, so a header that
    /// claims a huge size cannot make us allocate more than what the stream actually holds.
    /// </summary>
    public static byte[] ReadExactlyGrowing(Stream stream, long expected, string path, string what)
    {
        if (expected > MaxStreamBytes || expected > Array.MaxLength)
            throw Fail(path, $"{what} of at most {Math.Min(MaxStreamBytes, Array.MaxLength)} bytes", $"{expected} bytes declared");
        var buffer = new byte[(int)Math.Min(expected, 1 << 20)];
        int filled = 0;
        try
        {
            while (filled < expected)
            {
                if (filled == buffer.Length)
                {
                    long next = Math.Min(expected, (long)buffer.Length * 2);
                    Array.Resize(ref buffer, (int)next);
                }
                int n = stream.Read(buffer, filled, buffer.Length - filled);
                if (n == 0) throw Fail(path, $"{expected} bytes of {what}", $"end of data after {filled}");
                filled += n;
            }
            Span<byte> probe = stackalloc byte[1];
            if (stream.Read(probe) != 0)
                throw Fail(path, $"exactly {expected} bytes of {what}", "more data after the end");
        }
        catch (InvalidDataException e)
        {
            throw Fail(path, $"a valid compressed stream ({what})", e.Message, e);
        }
        return buffer;
    }

    /// <summary>Reads a whole stream of unknown length up to <paramref name="limit"/> bytes (growing as data arrives).</summary>
    public static byte[] ReadAllBounded(Stream stream, long limit, string path, string what)
    {
        var ms = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            while (true)
            {
                int n = stream.Read(chunk, 0, chunk.Length);
                if (n == 0) break;
                if (ms.Length + n > limit) throw Fail(path, $"{what} of at most {limit} bytes", "more data");
                ms.Write(chunk, 0, n);
            }
        }
        catch (InvalidDataException e)
        {
            throw Fail(path, $"a valid compressed stream ({what})", e.Message, e);
        }
        return ms.ToArray();
    }

    /// <summary>True when the file starts with the gzip magic 1f 8b.</summary>
    public static bool IsGzip(string path)
    {
        using var fs = File.OpenRead(path);
        Span<byte> b = stackalloc byte[2];
        return fs.Read(b) == 2 && b[0] == 0x1f && b[1] == 0x8b;
    }

    /// <summary>Opens a file, transparently decompressing gzip (by magic, not by name).</summary>
    public static Stream OpenMaybeGzip(string path, out bool compressed)
    {
        compressed = IsGzip(path);
        var fs = File.OpenRead(path);
        return compressed ? new GZipStream(fs, CompressionMode.Decompress) : fs;
    }
}
