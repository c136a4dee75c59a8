using TinyGrad.IO;

namespace TinyGrad.Data;

/// <summary>
/// MNIST (handwritten digits) from its IDX files (train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],
/// t10k-...): images as [N, 1, 28, 28] bytes read as value/255, labels 0..9. Normalize with <see cref="Normalization.Mnist"/>.
/// </summary>
public static class Mnist
{
    private static readonly IdxImageSet Set = new("MNIST",
        // The PyTorch mirror first; the original site often refuses downloads.
        ["https://ossci-datasets.s3.amazonaws.com/mnist/", "https://storage.googleapis.com/cvdf-datasets/mnist/", "http://yann.lecun.com/exdb/mnist/"],
        [
            ("train-images-idx3-ubyte.gz", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
            ("train-labels-idx1-ubyte.gz", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
            ("t10k-images-idx3-ubyte.gz", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
            ("t10k-labels-idx1-ubyte.gz", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
        ]);

    /// <summary>Mirrors tried in order (the PyTorch mirror first; the original site often refuses downloads).</summary>
    public static IReadOnlyList<string> BaseUrls => Set.BaseUrls;

    /// <summary>The four files with their SHA-256 sums.</summary>
    public static IReadOnlyList<RemoteFile> Files => Set.Files;

    /// <summary>
    /// Loads the train (60k) or test (10k) split, named "MNIST train" / "MNIST test", from <paramref name="folder"/>,
    /// which holds the IDX files gzipped or not. Missing files are downloaded when <paramref name="download"/> is
    /// set; otherwise, or when that fails, <see cref="DataUnavailableException"/> says which files to put there.
    /// </summary>
    public static Dataset Load(string folder, bool train, bool download = false, HttpClient? client = null) => Set.Load(folder, train, download, client);

    /// <summary>Reads an image file and a label file (validating 28x28 images, equal counts and labels 0..9).</summary>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, string name = "MNIST") => IdxImageSet.LoadFiles(imagesPath, labelsPath, name);
}
