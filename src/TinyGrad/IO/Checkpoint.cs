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
    /// Loads a checkpoint written by <see cref="Save"/> onto <paramref name="device"/> (default
    /// <see cref="Device.Default"/>), each tensor read straight into its memory (no second copy) and checked
    /// against its CRC-32 as it streams in. A malformed file, a corrupt tensor, or a safetensors file that is
    /// not a checkpoint, throws <see cref="InvalidDataFileException"/> naming the file and the tensor.
    /// </summary>
    public static CheckpointData Load(string path, Device? device = null)
    {
        var on = device ?? Device.Default;
        Dictionary<string, uint>? sums = null;
        var tensors = SafeTensors.ReadEach(path, (entries, metadata) => sums = Validate(path, entries, metadata), (stream, e) =>
        {
            var crc = new Crc32();
            var t = TensorPayload.Read(stream, e.DType, e.Shape, on, path, e.What, crc);
            if (sums is not null && crc.GetCurrentHashAsUInt32() is uint actual && actual != sums[e.Name])
                throw DataFile.Fail(path, $"data of tensor '{e.Name}' matching its checksum (CRC-32 {sums[e.Name]:x8})", $"CRC-32 {actual:x8}: the tensor's data is corrupt");
            return t;
        }, out var content);
        var meta = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (k, v) in content)
            if (k != FormatKey && !k.StartsWith(ChecksumKeyPrefix, StringComparison.Ordinal)) meta.Add(k, v);
        return new CheckpointData(tensors, meta);
    }

    /// <summary>
    /// Checks the header before any tensor is read: the format marker, the dtypes, and the checksums (with any
    /// in the file, every tensor must have one; without any, an older checkpoint, nothing is checked). Returns
    /// the expected CRC-32 of each tensor, or null for an older checkpoint.
    /// </summary>
    private static Dictionary<string, uint>? Validate(string path, IReadOnlyList<SafeTensors.Entry> entries, IReadOnlyDictionary<string, string> metadata)
    {
        if (!metadata.TryGetValue(FormatKey, out string? format) || format != FormatValue)
            throw DataFile.Fail(path, $"a checkpoint ({FormatKey}={FormatValue} in __metadata__)", format is null ? "no format marker" : $"'{format}'");
        foreach (var e in entries)
            if (e.DType is not (HostDType.Float32 or HostDType.Float64 or HostDType.Int32))
                throw DataFile.Fail(path, $"F32, F64 or I32 for checkpoint tensor '{e.Name}'", e.DType.SafeTensorsName());
        var names = entries.Select(e => e.Name).ToHashSet(StringComparer.Ordinal);
        var sums = new Dictionary<string, uint>(StringComparer.Ordinal);
        foreach (var (k, v) in metadata)
        {
            if (!k.StartsWith(ChecksumKeyPrefix, StringComparison.Ordinal)) continue;
            string name = k[ChecksumKeyPrefix.Length..];
            if (!names.Contains(name))
                throw DataFile.Fail(path, "checksums only of tensors in the file", $"a checksum of tensor '{name}', which the file does not hold");
            if (v.Length != 8 || !uint.TryParse(v, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint expected))
                throw DataFile.Fail(path, $"an 8-digit hex CRC-32 checksum of tensor '{name}'", $"'{v}'");
            sums.Add(name, expected);
        }
        if (sums.Count == 0) return null;
        foreach (var name in names)
            if (!sums.ContainsKey(name))
                throw DataFile.Fail(path, $"a checksum of tensor '{name}' (the file has them for other tensors)", "none");
        return sums;
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
