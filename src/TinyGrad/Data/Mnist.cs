using TinyGrad.IO;

namespace TinyGrad.Data;

/// <summary>
/// MNIST from its IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz], t10k-...):
/// images as [N, 1, 28, 28] bytes read as value/255, labels 0..9.
/// </summary>
public static class Mnist
{
    /// <summary>Mirrors tried in order (the PyTorch mirror first; the original site often refuses downloads).</summary>
    public static IReadOnlyList<string> BaseUrls { get; } =
    [
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
        "http://yann.lecun.com/exdb/mnist/",
    ];

    /// <summary>The four files with their SHA-256 sums.</summary>
    public static IReadOnlyList<RemoteFile> Files { get; } =
    [
        Remote("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
        Remote("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
        Remote("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
        Remote("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
    ];

    /// <summary>
    /// Loads the train (60k) or test (10k) split from <paramref name="folder"/>, which holds the IDX files
    /// gzipped or not. Missing files are downloaded when <paramref name="download"/> is set; otherwise, or
    /// when that fails, <see cref="DataUnavailableException"/> says which files to put there.
    /// </summary>
    public static Dataset Load(string folder, bool train, bool download = false, HttpClient? client = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        string prefix = train ? "train" : "t10k";
        string images = $"{prefix}-images-idx3-ubyte", labels = $"{prefix}-labels-idx1-ubyte";
        string? ip = Find(folder, images), lp = Find(folder, labels);
        if (ip is null || lp is null)
        {
            var needed = Files.Where(f => f.FileName.StartsWith(prefix, StringComparison.Ordinal)).ToList();
            if (!download)
                throw new DataUnavailableException($"MNIST {(train ? "train" : "test")} files not found. Put {string.Join(" and ", needed.Select(f => f.FileName))} (gzipped or not) into {Path.GetFullPath(folder)}; they are at {BaseUrls[0]}, or allow downloading.");
            Downloader.EnsureFiles(folder, needed, client);
            ip = Find(folder, images)!;
            lp = Find(folder, labels)!;
        }
        return LoadFiles(ip, lp, $"MNIST {(train ? "train" : "test")}");
    }

    /// <summary>Reads an image file and a label file (validating 28x28 images, equal counts and labels 0..9).</summary>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, string name = "MNIST")
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

    private static RemoteFile Remote(string name, string sha) =>
        new(name, sha, [.. BaseUrls.Select(u => u + name)]);
}
