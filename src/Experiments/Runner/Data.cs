using TinyGrad.Data;

namespace TinyGrad.Experiments.Runner;

/// <summary>Loads MNIST / CIFAR-10 as <see cref="RunOptions.Data"/> chooses (real files or the synthetic stand-ins), at the size a preset asks for.</summary>
public static class DataSources
{
    /// <summary><paramref name="count"/> digit images: MNIST, or synthetic digits; a seeded random subset when the real set is larger.</summary>
    public static Dataset Digits(ExperimentScope ctx, bool train, int count) => Load(ctx, RealDataset.Mnist, train, count);

    /// <summary><paramref name="count"/> CIFAR-10 images, or synthetic CIFAR; a seeded random subset when the real set is larger.</summary>
    public static Dataset Cifar(ExperimentScope ctx, bool train, int count) => Load(ctx, RealDataset.Cifar10, train, count);

    /// <summary>
    /// <paramref name="count"/> samples of <paramref name="data"/>: the real set subsampled with the seed named
    /// "&lt;real seed&gt;-train/-test", or the synthetic one. A unit (or aggregation) may read only the datasets it declares.
    /// </summary>
    public static Dataset Load(ExperimentScope ctx, RealDataset data, bool train, int count)
    {
        if (!ctx.DeclaredData.Contains(data))
            throw new InvalidOperationException($"{ctx.Label} reads {data.Label} but does not declare it (IExperiment.Units / AggregationData)");
        var choice = ctx.Options.Data;
        var loaded = choice.IsSynthetic(data)
            ? data.Synthetic(count, ctx.SharedSeed(data.SyntheticSeed), train)
            : Subsample(data.Load(choice.Folder(data), train, choice.Download), count, ctx.SharedSeed(data.RealSeed + (train ? "-train" : "-test")));
        ctx.UsesData(loaded);
        return loaded;
    }

    private static Dataset Subsample(Dataset data, int count, ulong seed)
    {
        if (count >= data.Count) return data;
        var perm = new Generator(seed).Permutation(data.Count);
        return data.Subset(perm.Take(count).ToArray(), $"{data.Name} ({count} of {data.Count})");
    }
}
