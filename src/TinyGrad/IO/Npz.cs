using System.IO.Compression;

namespace TinyGrad.IO;

/// <summary>
/// numpy's .npz format: a zip archive of .npy entries (stored or deflated); keys are entry names without
/// the ".npy" suffix. Reading rejects entries that are not <c>*.npy</c> or are encrypted, checks each
/// entry's declared size against the archive (a deflated entry inflates at most 1032:1) before anything
/// is allocated, streams the entry straight into its one array, and verifies its CRC-32.
/// </summary>
public static class Npz
{
    /// <summary>Reads every array in a .npz file; malformed contents throw <see cref="InvalidDataFileException"/>.</summary>
    public static Dictionary<string, HostArray> Read(string path) => ReadMembers(path, Npy.Read);

    /// <summary>
    /// Reads every array of a .npz file as a tensor (dtype mapping as in <see cref="HostArray.ToTensor"/>), each
    /// member streamed straight into its tensor's memory: no second copy of the payload.
    /// </summary>
    public static Dictionary<string, Tensor> ReadTensors(string path, Device? device = null)
    {
        var on = device ?? Device.Default;
        return ReadMembers(path, (stream, length, name) => Npy.ReadTensor(stream, length, name, on));
    }

    /// <summary>Every member, read by <paramref name="read"/>(member stream, declared size, name for messages).</summary>
    private static Dictionary<string, T> ReadMembers<T>(string path, Func<Stream, long, string, T> read)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = File.OpenRead(path);
        long fileLength = fs.Length;
        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        try
        {
            using var zip = new ZipArchive(fs, ZipArchiveMode.Read);
            foreach (var entry in zip.Entries)
            {
                string entryName = $"{path}!{entry.FullName}";
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    throw DataFile.Fail(path, "only *.npy entries", $"entry '{entry.FullName}'");
                string key = entry.FullName[..^4];
                if (result.ContainsKey(key)) throw DataFile.Fail(path, "unique entry names", $"'{entry.FullName}' twice");
                result.Add(key, ReadEntry(entry, entryName, fileLength, read));
            }
        }
        catch (InvalidDataException e)
        {
            throw DataFile.Fail(path, "a valid zip archive", e.Message, e);
        }
        catch (NotSupportedException e)
        {
            throw DataFile.Fail(path, "stored or deflated zip entries", e.Message, e);
        }
        catch (ArgumentException e)
        {
            // ZipArchive reports some corrupt name/extra fields this way.
            throw DataFile.Fail(path, "a valid zip archive", e.Message, e);
        }
        catch (IOException e) when (e is not InvalidDataFileException and not FileNotFoundException and not DirectoryNotFoundException)
        {
            throw DataFile.Fail(path, "a valid zip archive", e.Message, e);
        }
        return result;
    }

    /// <summary>Reads one member: sizes checked first, then parsed while streaming, then its CRC-32 compared.</summary>
    private static T ReadEntry<T>(ZipArchiveEntry entry, string entryName, long fileLength, Func<Stream, long, string, T> read)
    {
        if (entry.IsEncrypted) throw DataFile.Fail(entryName, "an unencrypted member", "an encrypted member (zip encryption is not supported)");
        long declared = entry.Length, compressed = entry.CompressedLength;
        if (compressed < 0 || compressed > fileLength)
            throw DataFile.Fail(entryName, $"a compressed size within the {fileLength}-byte archive", $"{compressed} bytes");
        long possible = Math.Min(DataFile.MaxStreamBytes, DataFile.MaxInflatedBytes(compressed));
        if (declared < 0 || declared > possible)
            throw DataFile.Fail(entryName, $"a member of at most {possible} bytes ({compressed} compressed bytes inflate to at most {DataFile.MaxDeflateRatio}x that)",
                $"{declared} bytes declared (a decompression bomb or a corrupt directory)");
        using var es = new Crc32ReadStream(entry.Open());
        T array;
        try
        {
            // The reader allocates its result once, from the header checked against the declared size.
            array = read(es, declared, entryName);
            Span<byte> probe = stackalloc byte[1];
            if (es.Read(probe) != 0) throw DataFile.Fail(entryName, $"exactly {declared} bytes (the declared size)", "more data after the declared end");
        }
        catch (InvalidDataException e)
        {
            // zlib says "unsupported compression method" for any data error.
            throw DataFile.Fail(entryName, "valid deflate data", $"corrupt deflate data after {es.BytesRead} bytes of output", e);
        }
        if (es.Crc != entry.Crc32)
            throw DataFile.Fail(entryName, $"data with the CRC-32 {entry.Crc32:x8} recorded in the archive", $"CRC-32 {es.Crc:x8}: the member is corrupt");
        return array;
    }

    /// <summary>
    /// Writes a .npz file atomically; <paramref name="compress"/> chooses deflated entries (np.savez_compressed)
    /// over stored ones (np.savez).
    /// </summary>
    public static void Write(string path, IReadOnlyDictionary<string, HostArray> arrays, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        AtomicFile.Write(path, s =>
        {
            using var zip = new ZipArchive(s, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (key, array) in arrays.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                var entry = zip.CreateEntry(key + ".npy", compress ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var es = entry.Open();
                Npy.Write(es, array);
            }
        });
    }

    /// <summary>Writes Float32/Float64/Int32 tensors as a .npz file.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, bool compress = false)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var arrays = new Dictionary<string, HostArray>(StringComparer.Ordinal);
        foreach (var (k, t) in tensors) arrays.Add(k, HostArray.FromTensor(t));
        Write(path, arrays, compress);
    }
}
