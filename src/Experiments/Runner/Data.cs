using TinyGrad.Data;

namespace TinyGrad.Experiments.Runner;

/// <summary>Loads MNIST / CIFAR-10 from --data-dir, or the embedded synthetic stand-ins, at the size a preset asks for.</summary>
public static class DataSources
{
    /// <summary>
    /// <paramref name="count"/> digit images (MNIST from --data-dir when given, else synthetic digits), a seeded random
    /// subset when the real set is larger.
    /// </summary>
    public static Dataset Digits(ExperimentScope ctx, bool train, int count) =>
        Load(ctx, train, count, "mnist", "mnist", (folder, t) => Mnist.Load(folder, t), SyntheticDigits.Generate, "digits");

    /// <summary><paramref name="count"/> CIFAR-10 images from --data-dir when given, else synthetic CIFAR.</summary>
    public static Dataset Cifar(ExperimentScope ctx, bool train, int count) =>
        Load(ctx, train, count, "cifar10", "cifar", (folder, t) => Cifar10.Load(folder, t), SyntheticCifar.Generate, "cifar");

    /// <summary>
    /// The real set from <c>--data-dir</c> (or its <paramref name="folderName"/> subfolder), subsampled with the seed
    /// named "<paramref name="realSeed"/>-train/-test", or the synthetic one seeded by <paramref name="syntheticSeed"/>.
    /// </summary>
    private static Dataset Load(ExperimentScope ctx, bool train, int count, string folderName, string realSeed,
        Func<string, bool, Dataset> real, Func<int, ulong, bool, Dataset> synthetic, string syntheticSeed)
    {
        Dataset data;
        if (ctx.Options.DataDir is string dir)
        {
            string folder = Directory.Exists(Path.Combine(dir, folderName)) ? Path.Combine(dir, folderName) : dir;
            data = Subsample(real(folder, train), count, ctx.SharedSeed(realSeed + (train ? "-train" : "-test")));
        }
        else data = synthetic(count, ctx.SharedSeed(syntheticSeed), train);
        ctx.UsesData(data);
        return data;
    }

    private static Dataset Subsample(Dataset data, int count, ulong seed)
    {
        if (count >= data.Count) return data;
        var perm = new Generator(seed).Permutation(data.Count);
        return data.Subset(perm.Take(count).ToArray(), $"{data.Name} ({count} of {data.Count})");
    }
}
