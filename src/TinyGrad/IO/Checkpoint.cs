using TinyGrad.Kernels;

namespace TinyGrad.IO;

/// <summary>A loaded checkpoint: named tensors and the metadata string map.</summary>
/// <param name="Tensors">Tensors by name (on the device passed to <see cref="Checkpoint.Load"/>).</param>
/// <param name="Metadata">Metadata entries (step, epoch, RNG state, config ... as strings).</param>
public sealed record CheckpointData(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Checkpoints: a named tensor map plus a string metadata map in one safetensors file, written
/// atomically (temp file in the same folder, flushed, renamed over the old checkpoint), so a crash
/// or an exception during the save leaves the previous checkpoint intact. Tensors keep their dtype
/// (Float32, Float64, Int32) bit for bit.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key recording the format, so a foreign safetensors file is recognisable.</summary>
    public const string FormatKey = "tinygrad.format";

    /// <summary>Value stored under <see cref="FormatKey"/>.</summary>
    public const string FormatValue = "checkpoint-v1";

    /// <summary>Saves <paramref name="tensors"/> and <paramref name="metadata"/> to <paramref name="path"/> atomically.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        var arrays = new Dictionary<string, HostArray>(StringComparer.Ordinal);
        foreach (var (k, t) in tensors) arrays.Add(k, HostArray.FromTensor(t));
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in metadata) meta[k] = v;
        meta[FormatKey] = FormatValue;
        SafeTensors.Write(path, arrays, meta);
    }

    /// <summary>
    /// Loads a checkpoint written by <see cref="Save"/>. A malformed file, or a safetensors file that is
    /// not a checkpoint, throws <see cref="InvalidDataFileException"/>.
    /// </summary>
    public static CheckpointData Load(string path, Device? device = null)
    {
        var content = SafeTensors.Read(path);
        if (!content.Metadata.TryGetValue(FormatKey, out string? format) || format != FormatValue)
            throw DataFile.Fail(path, $"a checkpoint ({FormatKey}={FormatValue} in __metadata__)", format is null ? "no format marker" : $"'{format}'");
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, a) in content.Tensors)
        {
            if (a.DType is not (HostDType.Float32 or HostDType.Float64 or HostDType.Int32))
                throw DataFile.Fail(path, $"F32, F64 or I32 for checkpoint tensor '{k}'", a.DType.SafeTensorsName());
            tensors.Add(k, a.ToTensor(device));
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in content.Metadata)
            if (k != FormatKey) meta.Add(k, v);
        return new CheckpointData(tensors, meta);
    }

    /// <summary>Metadata entries that store a <see cref="Generator"/>'s full state (seed and offset).</summary>
    public static void StoreGenerator(IDictionary<string, string> metadata, string prefix, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(generator);
        metadata[prefix + ".seed"] = generator.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture);
        metadata[prefix + ".offset"] = generator.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Rebuilds a <see cref="Generator"/> stored by <see cref="StoreGenerator"/>.</summary>
    public static Generator RestoreGenerator(IReadOnlyDictionary<string, string> metadata, string prefix)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(prefix + ".seed", out string? s) || !ulong.TryParse(s, System.Globalization.CultureInfo.InvariantCulture, out ulong seed) ||
            !metadata.TryGetValue(prefix + ".offset", out string? o) || !ulong.TryParse(o, System.Globalization.CultureInfo.InvariantCulture, out ulong offset))
            throw new KeyNotFoundException($"metadata has no generator state under '{prefix}.seed' / '{prefix}.offset'");
        return new Generator(seed) { Offset = offset };
    }
}
