using System.Buffers;
using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;
using System.Text;

namespace TinyGrad.IO;

/// <summary>
/// A gzip file opened for reading whose failures say what is wrong, naming the file: not gzip data, an
/// unsupported method or flags, a truncated header, corrupt deflate data, a CRC or length mismatch with
/// the trailer, truncation. The header is checked here; .NET's GZipStream inflates (and checks the
/// trailer). zlib reports every data error alike, so when it rejects the data a second, raw-deflate pass
/// over the file (bounded, constant memory) tells corrupt deflate data from a wrong trailer.
/// </summary>
internal sealed class GzipInput : ReadOnlyStream
{
    /// <summary>Bytes of the fixed header (10) and the trailer (8): the shortest gzip file.</summary>
    private const int FixedHeader = 10, Trailer = 8;

    private readonly string path;
    private readonly FileStream file;
    private readonly Crc32ReadStream data;
    private readonly long headerLength;
    private bool ended;

    private GzipInput(string path, FileStream file, long headerLength)
    {
        this.path = path;
        this.file = file;
        this.headerLength = headerLength;
        file.Position = 0;
        data = new Crc32ReadStream(new GZipStream(file, CompressionMode.Decompress, leaveOpen: true));
    }

    /// <summary>Opens <paramref name="path"/>, checking the gzip header (magic, method, flags, optional fields).</summary>
    public static GzipInput Open(string path)
    {
        var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return new GzipInput(path, fs, ReadHeader(fs, path));
        }
        catch
        {
            fs.Dispose();
            throw;
        }
    }

    /// <summary>Bytes of deflate data (all members together) between the first header and the last trailer.</summary>
    public long CompressedLength => file.Length - headerLength - Trailer;

    /// <summary>
    /// True once the data has ended without a trailer that matches it at the end of the file: a truncated
    /// file (or a multi-member one: used only to explain data that ends too early).
    /// </summary>
    public bool EndedEarly { get; private set; }

    /// <summary>Why the data ended early, for a reader's message; empty when it did not.</summary>
    public string EndNote => EndedEarly ? " (truncated gzip data: the file ends without the trailer of this data)" : "";

    public override int Read(Span<byte> buffer)
    {
        int n;
        try
        {
            n = data.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw DataFile.Fail(path, "valid gzip data", Diagnose(), e);
        }
        if (n == 0 && buffer.Length > 0 && !ended)
        {
            ended = true;
            EndedEarly = !TrailerMatches(data.Crc, data.BytesRead);
        }
        return n;
    }

    /// <summary>Parses the header (RFC 1952) and returns its length.</summary>
    private static long ReadHeader(FileStream fs, string path)
    {
        long length = fs.Length;
        Span<byte> h = stackalloc byte[FixedHeader];
        int got = fs.ReadAtLeast(h, FixedHeader, throwOnEndOfStream: false);
        if (got < 2 || h[0] != 0x1f || h[1] != 0x8b)
            throw DataFile.Fail(path, "gzip data (magic 1f 8b)", $"not gzip data: {Describe(h[..got], length)}");
        if (got < FixedHeader || length < FixedHeader + Trailer)
            throw DataFile.Fail(path, $"a {FixedHeader}-byte gzip header and an {Trailer}-byte trailer", $"a truncated gzip header ({length}-byte file)");
        if (h[2] != 8) throw DataFile.Fail(path, "gzip compression method 8 (deflate)", $"unsupported gzip compression method {h[2]}");
        byte flags = h[3];
        if ((flags & 0xE0) != 0) throw DataFile.Fail(path, "gzip header flags without reserved bits", $"a corrupt gzip header: reserved flag bits 0x{flags & 0xE0:x2} set");
        if ((flags & 0x04) != 0)
        {
            Span<byte> xlen = stackalloc byte[2];
            if (fs.ReadAtLeast(xlen, 2, throwOnEndOfStream: false) < 2) throw TruncatedHeader(path, "extra field length");
            fs.Seek(BinaryPrimitives.ReadUInt16LittleEndian(xlen), SeekOrigin.Current);
        }
        if ((flags & 0x08) != 0) SkipZeroTerminated(fs, path, "file name");
        if ((flags & 0x10) != 0) SkipZeroTerminated(fs, path, "comment");
        if ((flags & 0x02) != 0) fs.Seek(2, SeekOrigin.Current);
        if (fs.Position + Trailer > length) throw TruncatedHeader(path, "header fields");
        return fs.Position;
    }

    private static void SkipZeroTerminated(FileStream fs, string path, string what)
    {
        int b;
        while ((b = fs.ReadByte()) > 0)
        {
        }
        if (b < 0) throw TruncatedHeader(path, what);
    }

    private static InvalidDataFileException TruncatedHeader(string path, string what) =>
        DataFile.Fail(path, $"a complete gzip header ({what})", "a truncated gzip header");

    /// <summary>The first bytes of a file that is not gzip, as hex and, when printable, as text.</summary>
    private static string Describe(ReadOnlySpan<byte> head, long length)
    {
        if (length == 0) return "the file is empty";
        var start = head[..Math.Min(head.Length, 8)];
        string text = Encoding.ASCII.GetString(start);
        bool printable = text.All(c => c is >= ' ' and <= '~');
        return $"the file starts with {Convert.ToHexString(start)}" + (printable ? $" ('{text}')" : "");
    }

    /// <summary>Whether the file's last 8 bytes are the trailer of <paramref name="size"/> bytes with CRC-32 <paramref name="crc"/>.</summary>
    private bool TrailerMatches(uint crc, long size)
    {
        var (storedCrc, storedSize) = ReadTrailer();
        return storedCrc == crc && storedSize == (uint)size;
    }

    private (uint Crc, uint Size) ReadTrailer()
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        Span<byte> t = stackalloc byte[Trailer];
        fs.Position = fs.Length - Trailer;
        fs.ReadExactly(t);
        return (BinaryPrimitives.ReadUInt32LittleEndian(t), BinaryPrimitives.ReadUInt32LittleEndian(t[4..]));
    }

    /// <summary>
    /// Why zlib rejected the data. Raw-inflates the first member again, up to a little past where the
    /// first pass failed: a deflate error there is corrupt data; a clean end means the trailer disagrees.
    /// </summary>
    private string Diagnose()
    {
        long limit = data.BytesRead + (4 << 20);
        var crc = new Crc32();
        long produced = 0;
        byte[] chunk = ArrayPool<byte>.Shared.Rent(1 << 16);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            fs.Position = headerLength;
            using var deflate = new DeflateStream(fs, CompressionMode.Decompress);
            int n;
            while ((n = deflate.Read(chunk, 0, chunk.Length)) > 0)
            {
                crc.Append(chunk.AsSpan(0, n));
                produced += n;
                if (produced > limit) return $"corrupt gzip data after {data.BytesRead} bytes of output";
            }
            var (storedCrc, storedSize) = ReadTrailer();
            uint actual = crc.GetCurrentHashAsUInt32();
            if (storedCrc != actual) return $"corrupt gzip data: CRC mismatch (the trailer says {storedCrc:x8}, the {produced} bytes of data give {actual:x8})";
            if (storedSize != (uint)produced) return $"corrupt gzip data: length mismatch (the trailer says {storedSize} bytes, the data has {produced})";
            return $"corrupt gzip data after the first member ({produced} bytes)";
        }
        catch (InvalidDataException)
        {
            return $"corrupt gzip data: invalid deflate data after {produced} bytes of output";
        }
        catch (IOException e)
        {
            return $"corrupt gzip data ({e.Message})";
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    public override long Position
    {
        get => data.BytesRead;
        set => throw new NotSupportedException();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            data.Dispose();
            file.Dispose();
        }
        base.Dispose(disposing);
    }
}
