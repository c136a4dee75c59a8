using System.Formats.Tar;
using TinyGrad.IO;

namespace TinyGrad.Data;

/// <summary>
/// CIFAR-10 from the binary version: data_batch_1..5.bin (train) and test_batch.bin, each a sequence of
/// 3073-byte records (label byte 0..9, then 3072 pixel bytes in CHW order, 32x32 per channel), either
/// loose or inside cifar-10-binary.tar.gz (read in place with System.Formats.Tar; only the expected
/// entries are read, and nothing is extracted). Images are [N, 3, 32, 32], read as value/255.
/// </summary>
public static class Cifar10
{
    /// <summary>Bytes per record: one label byte and 3 x 32 x 32 pixels.</summary>
    public const int RecordSize = 3073;

    /// <summary>Records in each file of the official release.</summary>
    public const int RecordsPerFile = 10_000;

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"];

    /// <summary>The archive, with its SHA-256 and the URL to fetch it from.</summary>
    public static RemoteFile Archive { get; } = new(
        "cifar-10-binary.tar.gz",
        "c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd",
        ["https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "http://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"]);

    /// <summary>Names of the batch files of a split.</summary>
    public static IReadOnlyList<string> BatchFiles(bool train) =>
        train ? ["data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"] : ["test_batch.bin"];

    /// <summary>
    /// Loads a split from <paramref name="folder"/>: the .bin files in the folder or in its
    /// cifar-10-batches-bin subfolder, else the archive. Missing data is downloaded when
    /// <paramref name="download"/> is set; otherwise <see cref="DataUnavailableException"/> says what to put where.
    /// </summary>
    public static Dataset Load(string folder, bool train, bool download = false, HttpClient? client = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        var names = BatchFiles(train);
        foreach (string dir in new[] { Path.Combine(folder, "cifar-10-batches-bin"), folder })
            if (names.All(n => File.Exists(Path.Combine(dir, n))))
                return ReadBatches([.. names.Select(n => Path.Combine(dir, n))], Name(train));
        string archive = Path.Combine(folder, Archive.FileName);
        if (!File.Exists(archive))
        {
            if (!download)
                throw new DataUnavailableException($"CIFAR-10 not found. Put {Archive.FileName} (from {Archive.Urls[0]}) or its cifar-10-batches-bin folder ({string.Join(", ", names)}) into {Path.GetFullPath(folder)}, or pass download: true to fetch it.");
            Downloader.EnsureFiles(folder, [Archive], client);
        }
        return ReadArchive(archive, train);
    }

    /// <summary>Reads batch files (each a positive multiple of 3073 bytes, labels 0..9) into one dataset.</summary>
    public static Dataset ReadBatches(IReadOnlyList<string> paths, string name = "CIFAR-10")
    {
        ArgumentNullException.ThrowIfNull(paths);
        var chunks = new List<(string Path, byte[] Bytes)>();
        long total = 0;
        foreach (string p in paths)
        {
            long len = new FileInfo(p).Length;
            CheckLength(p, len);
            chunks.Add((p, File.ReadAllBytes(p)));
            total += len / RecordSize;
        }
        return Assemble(chunks, total, name);
    }

    /// <summary>Reads a split straight from cifar-10-binary.tar.gz (only the expected entries, size-checked).</summary>
    public static Dataset ReadArchive(string archivePath, bool train)
    {
        ArgumentNullException.ThrowIfNull(archivePath);
        var wanted = BatchFiles(train);
        var found = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        using var gz = GzipInput.Open(archivePath);
        try
        {
            using var tar = new TarReader(gz);
            TarEntry? entry;
            while ((entry = tar.GetNextEntry()) is not null)
            {
                string n = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                const string dir = "cifar-10-batches-bin/";
                if (!n.StartsWith(dir, StringComparison.Ordinal) || !wanted.Contains(n[dir.Length..])) continue;
                string file = n[dir.Length..];
                string where = $"{archivePath}!{n}";
                if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
                    throw new InvalidDataFileException(where, "a regular file entry", entry.EntryType.ToString());
                if (found.ContainsKey(file)) throw new InvalidDataFileException(where, "one entry per batch file", "a duplicate");
                CheckLength(where, entry.Length);
                if (entry.DataStream is null) throw new InvalidDataFileException(where, $"{entry.Length} bytes of data", "no data");
                found.Add(file, DataFile.ReadDeclared(entry.DataStream, entry.Length, entry.Length, where, "archive entry data", "the tar header's size", gz));
            }
            DrainAfterTar(gz, archivePath);
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or ArgumentException or EndOfStreamException or OverflowException)
        {
            throw new InvalidDataFileException(archivePath, "a gzip-compressed tar archive", $"a corrupt tar archive ({e.Message}){gz.EndNote}", e);
        }
        var chunks = new List<(string, byte[])>();
        long total = 0;
        foreach (string w in wanted)
        {
            if (!found.TryGetValue(w, out var bytes))
                throw new InvalidDataFileException(archivePath, $"an entry cifar-10-batches-bin/{w}", "none" + gz.EndNote);
            chunks.Add(($"{archivePath}!cifar-10-batches-bin/{w}", bytes));
            total += bytes.Length / RecordSize;
        }
        return Assemble(chunks, total, Name(train));
    }

    /// <summary>
    /// Reads the end of the gzip data after the tar's end marker (tar pads to its record size), so that
    /// the gzip trailer is checked; more than 1 MiB there is not a CIFAR-10 archive.
    /// </summary>
    private static void DrainAfterTar(Stream gz, string archivePath)
    {
        const int Limit = 1 << 20;
        var chunk = new byte[1 << 16];
        long rest = 0;
        int n;
        while ((n = gz.Read(chunk, 0, chunk.Length)) > 0)
            if ((rest += n) > Limit) throw new InvalidDataFileException(archivePath, $"at most {Limit} bytes after the end of the tar archive", "more");
    }

    private static void CheckLength(string path, long len)
    {
        if (len <= 0 || len % RecordSize != 0 || len / RecordSize > RecordsPerFile)
            throw new InvalidDataFileException(path, $"a positive multiple of {RecordSize} bytes (at most {RecordsPerFile} records)", $"{len} bytes");
    }

    private static Dataset Assemble(List<(string Path, byte[] Bytes)> chunks, long total, string name)
    {
        const int pixels = RecordSize - 1;
        var data = new byte[total * pixels];
        var labels = new int[total];
        int r = 0;
        foreach (var (path, bytes) in chunks)
        {
            int n = bytes.Length / RecordSize;
            for (int i = 0; i < n; i++, r++)
            {
                byte label = bytes[i * RecordSize];
                if (label > 9) throw new InvalidDataFileException(path, "labels 0..9", $"label {label} in record {i}");
                labels[r] = label;
                Buffer.BlockCopy(bytes, i * RecordSize + 1, data, r * pixels, pixels);
            }
        }
        return Dataset.FromBytes(name, data, [3, 32, 32], labels, 10, synthetic: false);
    }

    private static string Name(bool train) => train ? "CIFAR-10 train" : "CIFAR-10 test";
}
