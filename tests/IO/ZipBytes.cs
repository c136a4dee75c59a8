using System.Buffers.Binary;
using System.IO.Compression;

namespace TinyGrad.Tests.IO;

/// <summary>Builds small zip archives and patches their header fields (CRC-32, flags) in place.</summary>
internal static class ZipBytes
{
    private const uint LocalSignature = 0x04034b50, CentralSignature = 0x02014b50;

    /// <summary>A zip with one entry per (name, bytes), stored or deflated.</summary>
    public static byte[] Create(bool compress, params (string Name, byte[] Bytes)[] entries)
    {
        var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
        {
            foreach (var (name, bytes) in entries)
            {
                using var s = z.CreateEntry(name, compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression).Open();
                s.Write(bytes);
            }
        }
        return ms.ToArray();
    }

    /// <summary>Offsets of every local (30-byte) and central (46-byte) header.</summary>
    private static IEnumerable<(int At, bool Central)> Headers(byte[] zip)
    {
        for (int i = 0; i + 4 <= zip.Length; i++)
        {
            uint sig = BinaryPrimitives.ReadUInt32LittleEndian(zip.AsSpan(i));
            if (sig == LocalSignature) yield return (i, false);
            else if (sig == CentralSignature) yield return (i, true);
        }
    }

    /// <summary>XORs the stored CRC-32 of every entry (local and central header) with <paramref name="mask"/>.</summary>
    public static byte[] FlipCrc(byte[] zip, uint mask = 1)
    {
        var b = (byte[])zip.Clone();
        foreach (var (at, central) in Headers(zip))
        {
            var field = b.AsSpan(at + (central ? 16 : 14), 4);
            BinaryPrimitives.WriteUInt32LittleEndian(field, BinaryPrimitives.ReadUInt32LittleEndian(field) ^ mask);
        }
        return b;
    }

    /// <summary>Sets general-purpose flag bits (bit 0: encrypted) on every entry.</summary>
    public static byte[] SetFlags(byte[] zip, ushort bits)
    {
        var b = (byte[])zip.Clone();
        foreach (var (at, central) in Headers(zip))
        {
            var field = b.AsSpan(at + (central ? 8 : 6), 2);
            BinaryPrimitives.WriteUInt16LittleEndian(field, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(field) | bits));
        }
        return b;
    }

    /// <summary>Flips one bit of the last occurrence of <paramref name="content"/>'s final byte run inside the archive.</summary>
    public static byte[] FlipBitInside(byte[] zip, byte[] content, int offsetFromEnd = 1)
    {
        var b = (byte[])zip.Clone();
        int at = zip.AsSpan().LastIndexOf(content);
        if (at < 0) throw new ArgumentException("content not found stored in the archive");
        b[at + content.Length - offsetFromEnd] ^= 0x10;
        return b;
    }

    /// <summary>Overwrites the uncompressed size of every entry (local and central header).</summary>
    public static byte[] SetUncompressedSize(byte[] zip, uint size)
    {
        var b = (byte[])zip.Clone();
        foreach (var (at, central) in Headers(zip)) BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at + (central ? 24 : 22), 4), size);
        return b;
    }
}
