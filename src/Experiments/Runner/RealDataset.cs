using TinyGrad.Data;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// A real dataset that units read from <c>--data-dir</c>, with the embedded synthetic stand-in used when no folder is given
/// or <c>--synthetic</c> names it. Units declare the datasets they read (<see cref="ExperimentUnit.Data"/>), so what a run
/// needs is known before anything starts.
/// </summary>
public sealed class RealDataset
{
    private readonly Func<string, bool, bool, Dataset> load;
    private readonly Func<int, ulong, bool, Dataset> synthetic;

    private RealDataset(string key, string label, Func<string, bool, bool, Dataset> load, Func<int, ulong, bool, Dataset> synthetic, string realSeed, string syntheticSeed)
    {
        Key = key;
        Label = label;
        this.load = load;
        this.synthetic = synthetic;
        RealSeed = realSeed;
        SyntheticSeed = syntheticSeed;
    }

    /// <summary>MNIST (IDX files); synthetic digits stand in for it.</summary>
    public static RealDataset Mnist { get; } = new("mnist", "MNIST", (f, t, d) => TinyGrad.Data.Mnist.Load(f, t, d), SyntheticDigits.Generate, "mnist", "digits");

    /// <summary>CIFAR-10 (binary version); synthetic CIFAR stands in for it.</summary>
    public static RealDataset Cifar10 { get; } = new("cifar10", "CIFAR-10", (f, t, d) => TinyGrad.Data.Cifar10.Load(f, t, d), SyntheticCifar.Generate, "cifar", "cifar");

    /// <summary>Every dataset a unit can declare; <c>--synthetic</c> takes their keys.</summary>
    public static IReadOnlyList<RealDataset> All { get; } = [Mnist, Cifar10];

    /// <summary>The dataset with key <paramref name="key"/>, or null.</summary>
    public static RealDataset? Find(string key) => All.FirstOrDefault(d => d.Key == key);

    /// <summary>The name <c>--synthetic</c> takes, and the subfolder of <c>--data-dir</c> looked in first (e.g. cifar10).</summary>
    public string Key { get; }

    /// <summary>The name in messages and reports (e.g. CIFAR-10).</summary>
    public string Label { get; }

    // The seed tags of the subsample of the real set and of the synthetic set (kept from before the datasets were declared, so numbers stay).
    internal string RealSeed { get; }

    internal string SyntheticSeed { get; }

    /// <summary>Loads the train or test split from <paramref name="folder"/> (downloading missing files when <paramref name="download"/>).</summary>
    internal Dataset Load(string folder, bool train, bool download) => load(folder, train, download);

    /// <summary>Generates <paramref name="count"/> samples of the synthetic stand-in.</summary>
    internal Dataset Synthetic(int count, ulong seed, bool train) => synthetic(count, seed, train);

    /// <inheritdoc/>
    public override string ToString() => Label;
}
