namespace TinyGrad.Data;

/// <summary>
/// A labelled dataset held in host memory: samples of a fixed shape (e.g. [1, 28, 28] or [3, 32, 32], CHW)
/// stored either as bytes (images, read as value/255) or as floats, plus an integer class label per
/// sample, or float regression targets. Subsets, splits and label corruption are views that share the
/// sample storage. <see cref="IsSynthetic"/> marks generated data so every output can say so.
/// </summary>
public sealed class Dataset
{
    // value / 255f exactly as torchvision's ToTensor computes it, looked up instead of divided.
    private static readonly float[] ByteToUnit = Enumerable.Range(0, 256).Select(i => i / 255f).ToArray();

    private readonly byte[]? bytes;
    private readonly float[]? floats;
    private readonly int[]? index;
    private readonly int[] labels;
    private readonly float[]? targets;
    private readonly int[] sampleShape;

    private Dataset(string name, bool synthetic, byte[]? bytes, float[]? floats, int[] sampleShape, int[]? index,
        int[] labels, int numClasses, float[]? targets, int targetSize, int count)
    {
        Name = name;
        IsSynthetic = synthetic;
        this.bytes = bytes;
        this.floats = floats;
        this.sampleShape = sampleShape;
        this.index = index;
        this.labels = labels;
        NumClasses = numClasses;
        this.targets = targets;
        TargetSize = targetSize;
        Count = count;
        long size = 1;
        foreach (int d in sampleShape) size = checked(size * d);
        SampleSize = checked((int)size);
    }

    /// <summary>Display name; synthetic datasets contain "synthetic".</summary>
    public string Name { get; }

    /// <summary>True for generated (not real) data; reports must say so.</summary>
    public bool IsSynthetic { get; }

    /// <summary>Number of samples.</summary>
    public int Count { get; }

    /// <summary>Shape of one sample (CHW for images, [F] for feature vectors).</summary>
    public ReadOnlySpan<int> SampleShape => sampleShape;

    /// <summary>Elements per sample.</summary>
    public int SampleSize { get; }

    /// <summary>Number of classes (0 for a regression dataset).</summary>
    public int NumClasses { get; }

    /// <summary>True when samples carry float targets instead of class labels.</summary>
    public bool IsRegression => targets is not null;

    /// <summary>Floats per regression target (0 for classification).</summary>
    public int TargetSize { get; }

    /// <summary>Class label of each sample (empty for regression).</summary>
    public ReadOnlySpan<int> Labels => labels;

    /// <summary>
    /// A classification dataset over byte samples (pixel values 0..255, read as value/255).
    /// <paramref name="data"/> holds <paramref name="labels"/>.Length samples of <paramref name="sampleShape"/>, row-major; no copy is made.
    /// </summary>
    public static Dataset FromBytes(string name, byte[] data, int[] sampleShape, int[] labels, int numClasses, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Classification(name, data, null, data.LongLength, "bytes", sampleShape, labels, numClasses, synthetic);
    }

    /// <summary>A classification dataset over float samples (no copy).</summary>
    public static Dataset FromFloats(string name, float[] data, int[] sampleShape, int[] labels, int numClasses, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Classification(name, null, data, data.LongLength, "floats", sampleShape, labels, numClasses, synthetic);
    }

    /// <summary>A classification dataset over <paramref name="bytes"/> or <paramref name="floats"/>, whose <paramref name="length"/> must be the samples' size.</summary>
    private static Dataset Classification(string name, byte[]? bytes, float[]? floats, long length, string unit, int[] sampleShape, int[] labels, int numClasses, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(sampleShape);
        ArgumentNullException.ThrowIfNull(labels);
        CheckLabels(labels, numClasses);
        var ds = new Dataset(name, synthetic, bytes, floats, (int[])sampleShape.Clone(), null, labels, numClasses, null, 0, labels.Length);
        if ((long)ds.SampleSize * labels.Length != length)
            throw new ArgumentException($"{labels.Length} samples of {ds.SampleSize} {unit} need {(long)ds.SampleSize * labels.Length} {unit}, got {length}");
        return ds;
    }

    /// <summary>A regression dataset: <paramref name="inputs"/> [N, inputSize] and <paramref name="targets"/> [N, targetSize] (no copy).</summary>
    public static Dataset Regression(string name, float[] inputs, int inputSize, float[] targets, int targetSize, bool synthetic)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetSize);
        int n = inputs.Length / inputSize;
        if (n * inputSize != inputs.Length || (long)n * targetSize != targets.Length)
            throw new ArgumentException($"inputs ({inputs.Length} floats of width {inputSize}) and targets ({targets.Length} of width {targetSize}) disagree on the sample count");
        return new Dataset(name, synthetic, null, inputs, [inputSize], null, [], 0, targets, targetSize, n);
    }

    /// <summary>Copies sample <paramref name="i"/> into <paramref name="destination"/> as floats (bytes scaled by 1/255).</summary>
    public void CopySample(int i, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Count, nameof(i));
        int s = (index is null ? i : index[i]) * SampleSize;
        if (bytes is not null)
        {
            var src = bytes.AsSpan(s, SampleSize);
            var table = ByteToUnit;
            for (int k = 0; k < src.Length; k++) destination[k] = table[src[k]];
        }
        else
        {
            floats.AsSpan(s, SampleSize).CopyTo(destination);
        }
    }

    /// <summary>Copies the regression target of sample <paramref name="i"/> into <paramref name="destination"/>.</summary>
    public void CopyTarget(int i, Span<float> destination)
    {
        if (targets is null) throw new InvalidOperationException($"{Name} is a classification dataset; use Labels");
        int s = (index is null ? i : index[i]) * TargetSize;
        targets.AsSpan(s, TargetSize).CopyTo(destination);
    }

    /// <summary>The samples <paramref name="indices"/> (in that order) as a view sharing storage.</summary>
    public Dataset Subset(IReadOnlyList<int> indices, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(indices);
        var map = new int[indices.Count];
        var lab = IsRegression ? [] : new int[indices.Count];
        for (int k = 0; k < map.Length; k++)
        {
            int i = indices[k];
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)i, (uint)Count, nameof(indices));
            map[k] = index is null ? i : index[i];
            if (!IsRegression) lab[k] = labels[i];
        }
        return new Dataset(name ?? Name, IsSynthetic, bytes, floats, sampleShape, map, lab, NumClasses, targets, TargetSize, map.Length);
    }

    /// <summary>
    /// Seeded random split: a fraction <paramref name="trainFraction"/> (rounded down) of the samples goes to
    /// the first dataset, the rest to the second. Same seed, same split.
    /// </summary>
    public (Dataset Train, Dataset Test) Split(double trainFraction, ulong seed)
    {
        if (trainFraction is < 0 or > 1 || double.IsNaN(trainFraction))
            throw new ArgumentOutOfRangeException(nameof(trainFraction), trainFraction, "expected a fraction in [0, 1]");
        int[] perm = new Generator(seed).Permutation(Count);
        int nTrain = (int)Math.Floor(trainFraction * Count);
        return (Subset(perm[..nTrain], Name + " (train split)"), Subset(perm[nTrain..], Name + " (test split)"));
    }

    /// <summary>
    /// A view with the labels of exactly round(<paramref name="fraction"/> * Count) samples, chosen by a
    /// seeded permutation, corrupted according to <paramref name="mode"/> (see <see cref="LabelCorruption"/>).
    /// The indices chosen are returned in <paramref name="corrupted"/> (sorted).
    /// </summary>
    public Dataset WithCorruptedLabels(double fraction, ulong seed, LabelCorruption mode, out int[] corrupted)
    {
        if (IsRegression) throw new InvalidOperationException($"{Name} is a regression dataset: it has no labels to corrupt");
        if (fraction is < 0 or > 1 || double.IsNaN(fraction))
            throw new ArgumentOutOfRangeException(nameof(fraction), fraction, "expected a fraction in [0, 1]");
        var gen = new Generator(seed);
        int k = (int)Math.Round(fraction * Count, MidpointRounding.AwayFromZero);
        int[] chosen = gen.Permutation(Count)[..k];
        Array.Sort(chosen);
        var lab = labels.ToArray();
        switch (mode)
        {
            case LabelCorruption.Uniform:
                foreach (int i in chosen) lab[i] = gen.NextInt(NumClasses);
                break;
            case LabelCorruption.UniformOther:
                if (NumClasses < 2) throw new InvalidOperationException("UniformOther needs at least 2 classes");
                foreach (int i in chosen)
                {
                    // Draw among the other C-1 classes so the label always changes.
                    int r = gen.NextInt(NumClasses - 1);
                    lab[i] = r >= labels[i] ? r + 1 : r;
                }
                break;
            case LabelCorruption.Shuffle:
                int[] p = gen.Permutation(k);
                for (int j = 0; j < k; j++) lab[chosen[j]] = labels[chosen[p[j]]];
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown corruption mode");
        }
        corrupted = chosen;
        string suffix = $" ({fraction:P0} labels corrupted: {mode}, seed {seed})";
        return new Dataset(Name + suffix, IsSynthetic, bytes, floats, sampleShape, index, lab, NumClasses, targets, TargetSize, Count);
    }

    /// <summary>Every sample as one Float32 tensor [N, ...SampleShape] and labels Int32 [N] (or targets Float32 [N, T]).</summary>
    public (Tensor Inputs, Tensor Targets) ToTensors(Device? device = null)
    {
        var all = new int[Count];
        for (int i = 0; i < all.Length; i++) all[i] = i;
        return DataLoader.MakeBatch(this, all, 0, all.Length, null, flatten: false, device);
    }

    private static void CheckLabels(int[] labels, int numClasses)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numClasses);
        for (int i = 0; i < labels.Length; i++)
            if ((uint)labels[i] >= (uint)numClasses)
                throw new ArgumentException($"label {i} is {labels[i]}, expected 0..{numClasses - 1}");
    }

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Count} samples of [{string.Join(", ", sampleShape)}]{(IsSynthetic ? " (synthetic)" : "")}";
}

/// <summary>How <see cref="Dataset.WithCorruptedLabels"/> replaces the chosen labels.</summary>
public enum LabelCorruption
{
    /// <summary>
    /// A uniform random class in 0..C-1, which may equal the true label (Zhang et al., "Understanding deep
    /// learning requires rethinking generalization"): about 1/C of the chosen labels stay correct.
    /// </summary>
    Uniform,

    /// <summary>A uniform random class other than the true one: every chosen label changes.</summary>
    UniformOther,

    /// <summary>
    /// The chosen samples' labels are permuted among themselves (the PyTorch homework convention:
    /// "shuffle the labels of a fraction"); the class histogram is kept, some labels may land back in place.
    /// </summary>
    Shuffle,
}
