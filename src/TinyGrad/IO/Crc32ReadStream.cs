using System.IO.Hashing;

namespace TinyGrad.IO;

/// <summary>A read-only pass-through stream that counts the bytes read through it and computes their CRC-32.</summary>
internal sealed class Crc32ReadStream(Stream inner) : ReadOnlyStream
{
    private readonly Crc32 crc = new();

    /// <summary>Bytes read so far.</summary>
    public long BytesRead { get; private set; }

    /// <summary>CRC-32 (zip/gzip polynomial) of the bytes read so far.</summary>
    public uint Crc => crc.GetCurrentHashAsUInt32();

    public override int Read(Span<byte> buffer)
    {
        int n = inner.Read(buffer);
        crc.Append(buffer[..n]);
        BytesRead += n;
        return n;
    }

    public override long Position
    {
        get => BytesRead;
        set => throw new NotSupportedException();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
