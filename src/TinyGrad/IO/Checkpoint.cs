using System.Globalization;
using System.IO.Hashing;
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
/// (Float32, Float64, Int32) bit for bit. Each tensor's CRC-32 is stored in the metadata and checked
/// on load; checkpoints written before checksums existed load unchecked.
/// </summary>
public static class Checkpoint
{
    /// <summary>Metadata key recording the format, so a foreign safetensors file is recognisable.</summary>
    public const string FormatKey = "tinygrad.format";

    /// <summary>Value stored under <see cref="FormatKey"/>.</summary>
    public const string FormatValue = "checkpoint-v1";

    /// <summary>
    /// Metadata key prefix of each tensor's CRC-32 (8 lowercase hex digits): <c>tinygrad.crc32.&lt;tensor name&gt;</c>.
    /// Reserved: such keys are written by <see cref="Save"/> and not returned by <see cref="Load"/>.
    /// </summary>
    public const string ChecksumKeyPrefix = "tinygrad.crc32.";

    /// <summary>
    /// Saves <paramref name="tensors"/> (e.g. a <see cref="Nn.Module.StateDict"/>) and <paramref name="metadata"/>
    /// to <paramref name="path"/> atomically.
    /// </summary>
    public static void Save(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        metadata ??= new Dictionary<string, string>();
        var arrays = new Dictionary<string, HostArray>(StringComparer.Ordinal);
        foreach (var (k, t) in tensors) arrays.Add(k, HostArray.FromTensor(t));
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in metadata)
            if (!k.StartsWith(ChecksumKeyPrefix, StringComparison.Ordinal)) meta[k] = v;
        meta[FormatKey] = FormatValue;
        foreach (var (k, a) in arrays) meta[ChecksumKeyPrefix + k] = Crc32.HashToUInt32(a.Bytes).ToString("x8", CultureInfo.InvariantCulture);
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
        VerifyChecksums(path, content);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (k, a) in content.Tensors)
        {
            if (a.DType is not (HostDType.Float32 or HostDType.Float64 or HostDType.Int32))
                throw DataFile.Fail(path, $"F32, F64 or I32 for checkpoint tensor '{k}'", a.DType.SafeTensorsName());
            tensors.Add(k, a.ToTensor(device));
        }
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in content.Metadata)
            if (k != FormatKey && !k.StartsWith(ChecksumKeyPrefix, StringComparison.Ordinal)) meta.Add(k, v);
        return new CheckpointData(tensors, meta);
    }

    /// <summary>With any checksum in the file, every tensor must have one and match it; without any (an older checkpoint), nothing is checked.</summary>
    private static void VerifyChecksums(string path, SafeTensorsContent content)
    {
        var sums = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in content.Metadata)
        {
            if (!k.StartsWith(ChecksumKeyPrefix, StringComparison.Ordinal)) continue;
            string name = k[ChecksumKeyPrefix.Length..];
            if (!content.Tensors.ContainsKey(name))
                throw DataFile.Fail(path, "checksums only of tensors in the file", $"a checksum of tensor '{name}', which the file does not hold");
            sums.Add(name, v);
        }
        if (sums.Count == 0) return;
        foreach (var (name, array) in content.Tensors)
        {
            if (!sums.TryGetValue(name, out string? text))
                throw DataFile.Fail(path, $"a checksum of tensor '{name}' (the file has them for other tensors)", "none");
            if (text.Length != 8 || !uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint expected))
                throw DataFile.Fail(path, $"an 8-digit hex CRC-32 checksum of tensor '{name}'", $"'{text}'");
            uint actual = Crc32.HashToUInt32(array.Bytes);
            if (actual != expected)
                throw DataFile.Fail(path, $"data of tensor '{name}' matching its checksum (CRC-32 {expected:x8})", $"CRC-32 {actual:x8}: the tensor's data is corrupt");
        }
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
