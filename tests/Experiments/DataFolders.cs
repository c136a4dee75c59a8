namespace TinyGrad.Tests.Experiments;

/// <summary>
/// Small data folders in the real file formats, written by the tests: MNIST as IDX files and CIFAR-10 as binary batches,
/// of random pixels with labels cycling 0..9 (the experiments train on them; no accuracy is expected).
/// </summary>
public static class DataFolders
{
    /// <summary>Writes MNIST's four IDX files (uncompressed) into <c><paramref name="dataDir"/>/mnist</c>.</summary>
    public static void WriteMnist(string dataDir, int train = 300, int test = 100, int seed = 5)
    {
        string folder = Path.Combine(dataDir, "mnist");
        Directory.CreateDirectory(folder);
        var rng = new Random(seed);
        foreach (var (prefix, n) in new[] { ("train", train), ("t10k", test) })
        {
            var images = new byte[n * 28 * 28];
            rng.NextBytes(images);
            WriteIdx(Path.Combine(folder, $"{prefix}-images-idx3-ubyte"), 0x803, [n, 28, 28], images);
            WriteIdx(Path.Combine(folder, $"{prefix}-labels-idx1-ubyte"), 0x801, [n], Labels(n));
        }
    }

    /// <summary>Writes CIFAR-10's five train batches and its test batch, <paramref name="records"/> images each, into <c><paramref name="dataDir"/>/cifar10</c>.</summary>
    public static void WriteCifar(string dataDir, int records = 40, int seed = 7)
    {
        string folder = Path.Combine(dataDir, "cifar10");
        Directory.CreateDirectory(folder);
        var rng = new Random(seed);
        foreach (string name in new[] { "data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch" })
        {
            var bytes = new byte[records * 3073];
            rng.NextBytes(bytes);
            var labels = Labels(records);
            for (int r = 0; r < records; r++) bytes[r * 3073] = labels[r];
            File.WriteAllBytes(Path.Combine(folder, name + ".bin"), bytes);
        }
    }

    private static byte[] Labels(int n) => [.. Enumerable.Range(0, n).Select(i => (byte)(i % 10))];

    private static void WriteIdx(string path, int magic, int[] dims, byte[] data)
    {
        using var f = File.Create(path);
        void Int(int v) => f.Write([(byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v]);
        Int(magic);
        foreach (int d in dims) Int(d);
        f.Write(data);
    }
}
