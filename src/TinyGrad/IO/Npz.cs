using System.IO.Compression;

namespace TinyGrad.IO;

/// <summary>
/// numpy's .npz format: a zip archive of .npy entries (stored or deflated); keys are entry names without
/// the ".npy" suffix. Reading checks every entry's declared and actual size; entries that are not
/// <c>*.npy</c> are rejected.
/// </summary>
public static class Npz
{
    /// <summary>Reads every array in a .npz file; malformed contents throw <see cref="InvalidDataFileException"/>.</summary>
    public static Dictionary<string, HostArray> Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = File.OpenRead(path);
        long fileLength = fs.Length;
        var result = new Dictionary<string, HostArray>(StringComparer.Ordinal);
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
                long declared = entry.Length;
                // A stored entry cannot be larger than the archive; a deflated one is read growing (zip bombs stop at the declared size).
                if (declared < 0 || declared > DataFile.MaxStreamBytes || (entry.CompressedLength == declared && declared > fileLength))
                    throw DataFile.Fail(entryName, $"an entry size within the {fileLength}-byte archive", $"{declared} bytes declared");
                byte[] bytes;
                using (var es = entry.Open())
                    bytes = DataFile.ReadExactlyGrowing(es, declared, entryName, "the zip entry");
                using var ms = new MemoryStream(bytes, writable: false);
                result.Add(key, Npy.Read(ms, bytes.Length, entryName));
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

    /// <summary>Reads every array of a .npz file as a tensor (dtype mapping as in <see cref="HostArray.ToTensor"/>).</summary>
    public static Dictionary<string, Tensor> ReadTensors(string path, Device? device = null)
    {
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, v) in Read(path)) result.Add(k, Npy.ToTensorChecked(v, $"{path}!{k}.npy", device));
        return result;
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
