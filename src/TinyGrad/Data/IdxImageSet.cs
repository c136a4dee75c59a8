using TinyGrad.IO;

namespace TinyGrad.Data;

/// <summary>
/// A dataset published in MNIST's format, as <see cref="Mnist"/> and <see cref="FashionMnist"/> are: four IDX
/// files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-...; plain or .gz) of 28x28 byte images,
/// read as value/255 into [N, 1, 28, 28], and labels 0..9. Each has its own name, files, mirrors and checksums.
/// </summary>
internal sealed class IdxImageSet
{
    private const string Download = "pass download: true to fetch them";

    public IdxImageSet(string name, IReadOnlyList<string> baseUrls, IReadOnlyList<(string File, string Sha256)> files)
    {
        Name = name;
        BaseUrls = baseUrls;
        Files = [.. files.Select(f => new RemoteFile(f.File, f.Sha256, [.. baseUrls.Select(u => u + f.File)]))];
    }

    /// <summary>The dataset's name in messages and in <see cref="Dataset.Name"/>, e.g. "Fashion-MNIST".</summary>
    public string Name { get; }

    /// <summary>Mirrors tried in order.</summary>
    public IReadOnlyList<string> BaseUrls { get; }

    /// <summary>The four gzipped files with their SHA-256 sums.</summary>
    public IReadOnlyList<RemoteFile> Files { get; }

    /// <summary>Loads the train or test split from <paramref name="folder"/>, downloading missing files when allowed.</summary>
    public Dataset Load(string folder, bool train, bool download, HttpClient? client)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string prefix = train ? "train" : "t10k", split = $"{Name} {(train ? "train" : "test")}";
        string images = $"{prefix}-images-idx3-ubyte", labels = $"{prefix}-labels-idx1-ubyte";
        string? ip = Find(folder, images), lp = Find(folder, labels);
        if (ip is null || lp is null)
        {
            var needed = Files.Where(f => f.FileName.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (!download)
                throw new DataUnavailableException($"{split} files not found. Put {string.Join(" and ", needed.Select(f => f.FileName))} (gzipped or not) " +
                    $"into {Path.GetFullPath(folder)}; they are at {BaseUrls[0]}, or {Download}.");
            Downloader.EnsureFiles(folder, needed, client);
            ip = Find(folder, images)!;
            lp = Find(folder, labels)!;
        }
        return LoadFiles(ip, lp, split);
    }

    /// <summary>Reads an image file and a label file (validating 28x28 images, equal counts and labels 0..9).</summary>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, string name)
    {
        var img = Idx.Read(imagesPath, Idx.ImagesMagic);
        if (img.Dims[1] != 28 || img.Dims[2] != 28)
            throw new InvalidDataFileException(imagesPath, "28x28 images", $"{img.Dims[1]}x{img.Dims[2]}");
        var lab = Idx.Read(labelsPath, Idx.LabelsMagic);
        if (lab.Dims[0] != img.Dims[0])
            throw new InvalidDataFileException(labelsPath, $"{img.Dims[0]} labels (one per image in {imagesPath})", $"{lab.Dims[0]}");
        var labels = new int[lab.Data.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            byte b = lab.Data[i];
            if (b > 9) throw new InvalidDataFileException(labelsPath, "labels 0..9", $"label {b} at index {i}");
            labels[i] = b;
        }
        return Dataset.FromBytes(name, img.Data, [1, 28, 28], labels, 10, synthetic: false);
    }

    private static string? Find(string folder, string stem)
    {
        string plain = Path.Combine(folder, stem), gz = plain + ".gz";
        return File.Exists(plain) ? plain : File.Exists(gz) ? gz : null;
    }
}
