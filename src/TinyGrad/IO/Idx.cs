namespace TinyGrad.IO;

/// <summary>An unsigned-byte IDX array (the MNIST file format): its dimensions and row-major bytes.</summary>
/// <param name="Dims">Extent of each dimension (big-endian in the file).</param>
/// <param name="Data">The bytes, row-major.</param>
public sealed record IdxArray(int[] Dims, byte[] Data);

/// <summary>
/// Reader of IDX files of unsigned bytes (type code 0x08), plain or gzip-compressed (detected by the
/// gzip magic, so a decompressed file keeping its .gz name still reads). A gzip file's declared size is
/// checked against what its compressed bytes can inflate to before the one buffer is allocated. The magic is
/// 0x00 0x00 0x08 ndims; dimensions are big-endian uint32; the data length must match exactly.
/// </summary>
public static class Idx
{
    /// <summary>Magic of an MNIST image file (ubyte, 3 dims).</summary>
    public const int ImagesMagic = 2051;

    /// <summary>Magic of an MNIST label file (ubyte, 1 dim).</summary>
    public const int LabelsMagic = 2049;

    /// <summary>
    /// Reads an IDX ubyte file whose magic must be <paramref name="expectedMagic"/> (e.g. <see cref="ImagesMagic"/>).
    /// Malformed contents throw <see cref="InvalidDataFileException"/>.
    /// </summary>
    public static IdxArray Read(string path, int expectedMagic)
    {
        ArgumentNullException.ThrowIfNull(path);
        if ((expectedMagic & ~0xFF) != 0x0800 || (expectedMagic & 0xFF) is 0 or > 8)
            throw new ArgumentOutOfRangeException(nameof(expectedMagic), expectedMagic, "expected 0x0800 + ndims (ubyte IDX)");
        long fileLength = new FileInfo(path).Length;
        using var stream = DataFile.OpenMaybeGzip(path, out bool compressed);
        try
        {
            uint magic = DataFile.ReadUInt32BigEndian(stream, path, "the IDX magic");
            if (magic != (uint)expectedMagic)
                throw DataFile.Fail(path, $"IDX magic {expectedMagic} (0x{expectedMagic:X8})", $"{magic} (0x{magic:X8})");
            int ndims = expectedMagic & 0xFF;
            var dims = new long[ndims];
            for (int i = 0; i < ndims; i++) dims[i] = DataFile.ReadUInt32BigEndian(stream, path, $"IDX dimension {i}");
            long bytes = DataFile.CheckedBytes(path, dims, 1, "the IDX array");
            long header = 4 + 4L * ndims;
            byte[] data;
            if (!compressed)
            {
                if (header + bytes != fileLength)
                    throw DataFile.Fail(path, $"{header + bytes} bytes for dims [{string.Join(", ", dims)}]", $"{fileLength} bytes");
                data = new byte[bytes];
                DataFile.ReadExact(stream, data, path, "IDX data");
            }
            else
            {
                long compressedBytes = ((GzipInput)stream).CompressedLength;
                data = DataFile.ReadDeclared(stream, bytes, DataFile.MaxInflatedBytes(compressedBytes) - header, path,
                    $"IDX data for dims [{string.Join(", ", dims)}]", $"{compressedBytes} bytes of deflate data inflate to at most {DataFile.MaxDeflateRatio}x that");
            }
            var intDims = new int[ndims];
            for (int i = 0; i < ndims; i++)
            {
                if (dims[i] > int.MaxValue) throw DataFile.Fail(path, "IDX dimensions below 2^31", $"{dims[i]}");
                intDims[i] = (int)dims[i];
            }
            return new IdxArray(intDims, data);
        }
        catch (InvalidDataException e)
        {
            throw DataFile.Fail(path, "a valid gzip stream", e.Message, e);
        }
    }

    /// <summary>Writes an IDX ubyte file (uncompressed, atomically); used to make test fixtures and exports.</summary>
    public static void Write(string path, IdxArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, s =>
        {
            Span<byte> b = stackalloc byte[4];
            System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b, 0x0800 + array.Dims.Length);
            s.Write(b);
            foreach (int d in array.Dims)
            {
                System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(b, d);
                s.Write(b);
            }
            s.Write(array.Data);
        });
    }
}
