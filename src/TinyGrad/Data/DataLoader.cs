using System.Collections;

namespace TinyGrad.Data;

/// <summary>What to do with a last batch smaller than the batch size.</summary>
public enum LastBatch
{
    /// <summary>Yield it as a smaller batch.</summary>
    Keep,

    /// <summary>Skip it (every batch then has exactly the batch size).</summary>
    Drop,
}

/// <summary>One mini-batch: Float32 inputs [B, C, H, W] (or [B, F] when flattened) and Int32 labels [B] or Float32 targets [B, T].</summary>
/// <param name="Inputs">The inputs on the loader's device.</param>
/// <param name="Targets">Labels (classification) or targets (regression) on the loader's device.</param>
/// <param name="Indices">Dataset indices of the samples, in batch order.</param>
public sealed record Batch(Tensor Inputs, Tensor Targets, int[] Indices);

/// <summary>
/// Iterates a <see cref="Dataset"/> in mini-batches. With shuffling, the order of epoch e is a
/// Fisher-Yates permutation drawn from a <see cref="Generator"/> seeded with the loader's seed at counter
/// offset e * 2^32, so it depends only on (seed, epoch): a resumed run that sets <see cref="Epoch"/> sees
/// the same batches. Each enumeration of the loader is one epoch and advances <see cref="Epoch"/>.
/// </summary>
public sealed class DataLoader : IEnumerable<Batch>
{
    private readonly Dataset data;

    /// <summary>Creates a loader.</summary>
    /// <param name="data">Dataset to iterate.</param>
    /// <param name="batchSize">Samples per batch.</param>
    /// <param name="shuffle">Whether to permute each epoch.</param>
    /// <param name="seed">Seed of the shuffling.</param>
    /// <param name="lastBatch">Keep or drop a smaller last batch.</param>
    /// <param name="normalization">Optional per-channel normalization.</param>
    /// <param name="flatten">Yield inputs as [B, F] instead of [B, ...SampleShape].</param>
    /// <param name="device">Device of the batch tensors (default <see cref="Device.Default"/>).</param>
    public DataLoader(Dataset data, int batchSize, bool shuffle = true, ulong seed = 0, LastBatch lastBatch = LastBatch.Keep,
        Normalization? normalization = null, bool flatten = false, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        if (normalization is not null && !data.IsRegression && data.SampleSize % normalization.Channels != 0)
            throw new ArgumentException($"normalization has {normalization.Channels} channels; samples of {data.SampleSize} values do not split into them");
        this.data = data;
        BatchSize = batchSize;
        Shuffle = shuffle;
        Seed = seed;
        LastBatchPolicy = lastBatch;
        Normalization = normalization;
        Flatten = flatten;
        Device = device;
    }

    /// <summary>The dataset iterated.</summary>
    public Dataset Dataset => data;

    /// <summary>Samples per batch.</summary>
    public int BatchSize { get; }

    /// <summary>Whether each epoch is shuffled.</summary>
    public bool Shuffle { get; }

    /// <summary>Seed of the shuffling.</summary>
    public ulong Seed { get; }

    /// <summary>Keep or drop the smaller last batch.</summary>
    public LastBatch LastBatchPolicy { get; }

    /// <summary>Normalization applied to each sample, or null.</summary>
    public Normalization? Normalization { get; }

    /// <summary>Whether inputs are flattened to [B, F].</summary>
    public bool Flatten { get; }

    /// <summary>Device of the batches (null: <see cref="TinyGrad.Device.Default"/>).</summary>
    public Device? Device { get; }

    /// <summary>The epoch the next enumeration produces (settable to resume).</summary>
    public int Epoch { get; set; }

    /// <summary>Batches per epoch under the last-batch policy.</summary>
    public int BatchCount => LastBatchPolicy == LastBatch.Drop ? data.Count / BatchSize : (data.Count + BatchSize - 1) / BatchSize;

    /// <summary>The sample order of epoch <paramref name="epoch"/> (identity when not shuffling).</summary>
    public int[] Order(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        if (!Shuffle)
        {
            var id = new int[data.Count];
            for (int i = 0; i < id.Length; i++) id[i] = i;
            return id;
        }
        // Offsets 2^32 apart: a permutation of n uses n - 1 draws, so epochs never share counters.
        return new Generator(Seed) { Offset = (ulong)epoch << 32 }.Permutation(data.Count);
    }

    /// <summary>The batches of epoch <paramref name="epoch"/> (does not change <see cref="Epoch"/>).</summary>
    public IEnumerable<Batch> EpochBatches(int epoch)
    {
        int[] order = Order(epoch);
        int count = BatchCount;
        for (int b = 0; b < count; b++)
        {
            int start = b * BatchSize;
            int n = Math.Min(BatchSize, data.Count - start);
            var (x, y) = MakeBatch(data, order, start, n, Normalization, Flatten, Device);
            yield return new Batch(x, y, order[start..(start + n)]);
        }
    }

    /// <summary>Enumerates epoch <see cref="Epoch"/> and advances it.</summary>
    public IEnumerator<Batch> GetEnumerator()
    {
        int e = Epoch++;
        return EpochBatches(e).GetEnumerator();
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    internal static (Tensor Inputs, Tensor Targets) MakeBatch(Dataset data, int[] order, int start, int n, Normalization? norm, bool flatten, Device? device)
    {
        int size = data.SampleSize;
        var x = new float[(long)n * size];
        for (int k = 0; k < n; k++)
        {
            var dst = x.AsSpan(k * size, size);
            data.CopySample(order[start + k], dst);
            norm?.Apply(dst);
        }
        int[] shape;
        if (flatten) shape = [n, size];
        else
        {
            shape = new int[data.SampleShape.Length + 1];
            shape[0] = n;
            data.SampleShape.CopyTo(shape.AsSpan(1));
        }
        var inputs = Tensor.FromArray(x, shape, device);
        if (data.IsRegression)
        {
            var t = new float[n * data.TargetSize];
            for (int k = 0; k < n; k++) data.CopyTarget(order[start + k], t.AsSpan(k * data.TargetSize, data.TargetSize));
            return (inputs, Tensor.FromArray(t, [n, data.TargetSize], device));
        }
        var y = new int[n];
        var labels = data.Labels;
        for (int k = 0; k < n; k++) y[k] = labels[order[start + k]];
        return (inputs, Tensor.FromArray(y, [n], device));
    }
}
