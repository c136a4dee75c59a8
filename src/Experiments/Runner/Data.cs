using TinyGrad.Data;

namespace TinyGrad.Experiments.Runner;

/// <summary>Loads MNIST / CIFAR-10 from --data-dir, or the embedded synthetic stand-ins, at the size a preset asks for.</summary>
public static class DataSources
{
    /// <summary>
    /// <paramref name="count"/> digit images (MNIST from --data-dir when given, else synthetic digits), a seeded random
    /// subset when the real set is larger.
    /// </summary>
    public static Dataset Digits(RunContext ctx, bool train, int count)
    {
        Dataset data;
        if (ctx.Options.DataDir is string dir)
        {
            string folder = Directory.Exists(Path.Combine(dir, "mnist")) ? Path.Combine(dir, "mnist") : dir;
            data = Subsample(Mnist.Load(folder, train), count, ctx.SeedFor(train ? "mnist-train" : "mnist-test"));
        }
        else data = SyntheticDigits.Generate(count, ctx.SeedFor("digits"), train);
        ctx.UsesData(data);
        return data;
    }

    /// <summary><paramref name="count"/> CIFAR-10 images from --data-dir when given, else synthetic CIFAR.</summary>
    public static Dataset Cifar(RunContext ctx, bool train, int count)
    {
        Dataset data;
        if (ctx.Options.DataDir is string dir)
        {
            string folder = Directory.Exists(Path.Combine(dir, "cifar10")) ? Path.Combine(dir, "cifar10") : dir;
            data = Subsample(Cifar10.Load(folder, train), count, ctx.SeedFor(train ? "cifar-train" : "cifar-test"));
        }
        else data = SyntheticCifar.Generate(count, ctx.SeedFor("cifar"), train);
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
