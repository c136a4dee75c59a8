using TinyGrad.IO;

namespace TinyGrad.Data;

/// <summary>
/// Fashion-MNIST (Zalando's article images, 10 classes, a drop-in replacement of MNIST) from its IDX files,
/// which have MNIST's format and file names: images as [N, 1, 28, 28] bytes read as value/255, labels 0..9
/// (see <see cref="ClassNames"/>). Keep them in a folder of their own. Normalize with
/// <see cref="Normalization.FashionMnist"/>.
/// </summary>
public static class FashionMnist
{
    private static readonly IdxImageSet Set = new("Fashion-MNIST",
        // The dataset's own mirror (as torchvision uses), then its repository.
        ["http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/", "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/"],
        [
            ("train-images-idx3-ubyte.gz", "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"),
            ("train-labels-idx1-ubyte.gz", "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"),
            ("t10k-images-idx3-ubyte.gz", "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"),
            ("t10k-labels-idx1-ubyte.gz", "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"),
        ]);

    /// <summary>The class names, by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Mirrors tried in order.</summary>
    public static IReadOnlyList<string> BaseUrls => Set.BaseUrls;

    /// <summary>The four files with their SHA-256 sums.</summary>
    public static IReadOnlyList<RemoteFile> Files => Set.Files;

    /// <summary>
    /// Loads the train (60k) or test (10k) split, named "Fashion-MNIST train" / "Fashion-MNIST test", from
    /// <paramref name="folder"/>, which holds the IDX files gzipped or not. Missing files are downloaded when
    /// <paramref name="download"/> is set; otherwise, or when that fails, <see cref="DataUnavailableException"/>
    /// says which files to put there.
    /// </summary>
    public static Dataset Load(string folder, bool train, bool download = false, HttpClient? client = null) => Set.Load(folder, train, download, client);

    /// <summary>Reads an image file and a label file (validating 28x28 images, equal counts and labels 0..9).</summary>
    public static Dataset LoadFiles(string imagesPath, string labelsPath, string name = "Fashion-MNIST") => IdxImageSet.LoadFiles(imagesPath, labelsPath, name);
}
