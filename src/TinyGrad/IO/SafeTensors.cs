using System.Buffers.Binary;
using System.Text.Json;

namespace TinyGrad.IO;

/// <summary>The contents of a safetensors file: named arrays and the optional <c>__metadata__</c> string map.</summary>
/// <param name="Tensors">Arrays by name.</param>
/// <param name="Metadata">The <c>__metadata__</c> entries (empty when absent).</param>
public sealed record SafeTensorsContent(IReadOnlyDictionary<string, HostArray> Tensors, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
/// (<c>{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, "__metadata__": {..}}</c>),
/// then the data buffer. Reading checks that the header fits in the file, the JSON is well formed, the
/// dtypes are known (F32 F64 I32 I64 U8), and the offsets cover the buffer exactly, contiguous and
/// without overlap, before any tensor is allocated.
/// </summary>
public static class SafeTensors
{
    /// <summary>Largest header accepted (the reference implementation's limit is 100 MB).</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    /// <summary>Reads a safetensors file; malformed contents throw <see cref="InvalidDataFileException"/>.</summary>
    public static SafeTensorsContent Read(string path)
    {
        var tensors = ReadEach(path, null, (fs, e) => TensorPayload.ReadArray(fs, e.DType, e.Shape, e.Count, path, e.What), out var metadata);
        return new SafeTensorsContent(tensors, metadata);
    }

    /// <summary>
    /// Reads every tensor of a safetensors file onto <paramref name="device"/> (default <see cref="Device.Default"/>;
    /// dtype mapping as in <see cref="HostArray.ToTensor"/>), each straight into its tensor's memory: no second
    /// copy of the payload. A state dict saved by PyTorch's safetensors loads with <c>model.LoadStateDict(SafeTensors.ReadTensors(path))</c>.
    /// </summary>
    public static Dictionary<string, Tensor> ReadTensors(string path, Device? device = null)
    {
        var on = device ?? Device.Default;
        return ReadEach(path, null, (fs, e) => TensorPayload.Read(fs, e.DType, e.Shape, on, path, e.What), out _);
    }

    /// <summary>One tensor as the header describes it: its bytes are [Begin, End) of the data buffer.</summary>
    internal sealed record Entry(string Name, HostDType DType, int[] Shape, long Begin, long End)
    {
        /// <summary>Number of elements.</summary>
        public int Count => (int)((End - Begin) / DType.SizeOf());

        /// <summary>What is being read, for messages.</summary>
        public string What => $"the data of tensor '{Name}'";
    }

    /// <summary>
    /// Parses and checks the header, hands the entries and metadata to <paramref name="validate"/> (before any
    /// payload is allocated), then reads each tensor in file order with <paramref name="read"/>, which gets
    /// the stream positioned at the tensor's first byte.
    /// </summary>
    internal static Dictionary<string, T> ReadEach<T>(string path, Action<IReadOnlyList<Entry>, IReadOnlyDictionary<string, string>>? validate,
        Func<Stream, Entry, T> read, out Dictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var fs = File.OpenRead(path);
        long length = fs.Length;
        if (length < 8) throw DataFile.Fail(path, "an 8-byte header length", $"a {length}-byte file");
        Span<byte> lb = stackalloc byte[8];
        DataFile.ReadExact(fs, lb, path, "the header length");
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(lb);
        if (n > (ulong)(length - 8))
            throw DataFile.Fail(path, $"a header length of at most {length - 8} bytes (the rest of the file)", $"{n} (header length past the end of the file)");
        if (n > MaxHeaderBytes || n < 2)
            throw DataFile.Fail(path, $"a header length between 2 and {MaxHeaderBytes}", $"{n}");
        var header = new byte[n];
        DataFile.ReadExact(fs, header, path, "the JSON header");
        long bufferLen = length - 8 - (long)n;
        var entries = ParseHeader(path, header, bufferLen, out metadata);
        validate?.Invoke(entries, metadata);

        var result = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var e in entries) result.Add(e.Name, read(fs, e));
        return result;
    }

    /// <summary>Writes arrays and optional metadata as a safetensors file (atomically: temp file + rename).</summary>
    public static void Write(string path, IReadOnlyDictionary<string, HostArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        AtomicFile.Write(path, s => Write(s, tensors, metadata));
    }

    /// <summary>Writes the safetensors image to <paramref name="stream"/>; tensors are laid out in ordinal name order.</summary>
    public static void Write(Stream stream, IReadOnlyDictionary<string, HostArray> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(tensors);
        var names = tensors.Keys.ToArray();
        Array.Sort(names, StringComparer.Ordinal);
        var json = new MemoryStream();
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                w.WriteStartObject(MetadataKey);
                foreach (var (k, v) in metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)) w.WriteString(k, v);
                w.WriteEndObject();
            }
            long offset = 0;
            foreach (string name in names)
            {
                if (name == MetadataKey) throw new ArgumentException($"'{MetadataKey}' is reserved and cannot name a tensor");
                var a = tensors[name];
                w.WriteStartObject(name);
                w.WriteString("dtype", a.DType.SafeTensorsName());
                w.WriteStartArray("shape");
                foreach (int d in a.Shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                long size = (long)a.Count * a.DType.SizeOf();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + size);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += size;
            }
            w.WriteEndObject();
        }
        // Pad the header with spaces so the data buffer starts 8-byte aligned (as the reference writer does).
        long len = json.Length;
        int pad = (int)((8 - len % 8) % 8);
        for (int i = 0; i < pad; i++) json.WriteByte((byte)' ');
        Span<byte> lb = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(lb, (ulong)json.Length);
        stream.Write(lb);
        json.Position = 0;
        json.CopyTo(stream);
        foreach (string name in names) stream.Write(tensors[name].Bytes);
    }

    private static List<Entry> ParseHeader(string path, byte[] header, long bufferLen, out Dictionary<string, string> metadata)
    {
        metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var entries = new List<Entry>();
        // System.Text.Json defers UTF-8 validation of strings until they are read; check it up front.
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw DataFile.Fail(path, "a UTF-8 JSON header", "invalid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header, new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw DataFile.Fail(path, "a JSON header", $"malformed JSON ({e.Message})", e);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw DataFile.Fail(path, "a JSON object as header", doc.RootElement.ValueKind.ToString());
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(prop.Name)) throw DataFile.Fail(path, "unique tensor names", $"'{prop.Name}' twice");
                if (prop.Name == MetadataKey)
                {
                    if (prop.Value.ValueKind != JsonValueKind.Object)
                        throw DataFile.Fail(path, "__metadata__ as an object of strings", prop.Value.ValueKind.ToString());
                    foreach (var m in prop.Value.EnumerateObject())
                    {
                        if (m.Value.ValueKind != JsonValueKind.String)
                            throw DataFile.Fail(path, $"a string value for __metadata__ key '{m.Name}'", m.Value.ValueKind.ToString());
                        metadata[m.Name] = m.Value.GetString()!;
                    }
                    continue;
                }
                entries.Add(ParseEntry(path, prop.Name, prop.Value, bufferLen));
            }
        }
        // The buffer must be covered exactly: sorted by offset, each tensor starts where the previous ended.
        entries.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long cursor = 0;
        foreach (var e in entries)
        {
            if (e.Begin != cursor)
                throw DataFile.Fail(path, $"tensor '{e.Name}' to start at byte {cursor} (contiguous, non-overlapping offsets)", $"data_offsets [{e.Begin}, {e.End}]");
            cursor = e.End;
        }
        if (cursor != bufferLen)
            throw DataFile.Fail(path, $"tensors covering the whole {bufferLen}-byte data buffer", $"offsets ending at {cursor}");
        return entries;
    }

    private static Entry ParseEntry(string path, string name, JsonElement v, long bufferLen)
    {
        if (v.ValueKind != JsonValueKind.Object)
            throw DataFile.Fail(path, $"an object describing tensor '{name}'", v.ValueKind.ToString());
        if (!v.TryGetProperty("dtype", out var dt) || dt.ValueKind != JsonValueKind.String)
            throw DataFile.Fail(path, $"a string dtype for tensor '{name}'", "none");
        string dtName = dt.GetString()!;
        HostDType dtype = HostDTypeInfo.FromSafeTensorsName(dtName)
            ?? throw DataFile.Fail(path, $"dtype F32, F64, I32, I64 or U8 for tensor '{name}'", $"'{dtName}'");
        if (!v.TryGetProperty("shape", out var sh) || sh.ValueKind != JsonValueKind.Array)
            throw DataFile.Fail(path, $"a shape array for tensor '{name}'", "none");
        var dims = new List<long>();
        foreach (var d in sh.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long x) || x < 0 || x > int.MaxValue)
                throw DataFile.Fail(path, $"non-negative integer dimensions below 2^31 in the shape of '{name}'", d.GetRawText());
            dims.Add(x);
            if (dims.Count > 64) throw DataFile.Fail(path, $"at most 64 dimensions for '{name}'", "more");
        }
        if (!v.TryGetProperty("data_offsets", out var off) || off.ValueKind != JsonValueKind.Array || off.GetArrayLength() != 2)
            throw DataFile.Fail(path, $"data_offsets [begin, end] for tensor '{name}'", off.ValueKind == JsonValueKind.Undefined ? "none" : off.GetRawText());
        long begin = ReadOffset(path, name, off[0]), end = ReadOffset(path, name, off[1]);
        if (begin > end || end > bufferLen)
            throw DataFile.Fail(path, $"0 <= begin <= end <= {bufferLen} (the data buffer) for tensor '{name}'", $"[{begin}, {end}]");
        long bytes = DataFile.CheckedBytes(path, dims.ToArray(), dtype.SizeOf(), $"tensor '{name}'");
        if (bytes != end - begin)
            throw DataFile.Fail(path, $"{bytes} bytes for tensor '{name}' ({dtName} [{string.Join(", ", dims)}])", $"data_offsets spanning {end - begin}");
        if (bytes / dtype.SizeOf() > Array.MaxLength) throw DataFile.Fail(path, $"at most {Array.MaxLength} elements", $"{bytes / dtype.SizeOf()}");
        var shape = new int[dims.Count];
        for (int i = 0; i < shape.Length; i++) shape[i] = (int)dims[i];
        return new Entry(name, dtype, shape, begin, end);
    }

    private static long ReadOffset(string path, string name, JsonElement e)
    {
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt64(out long x) || x < 0)
            throw DataFile.Fail(path, $"non-negative integer data_offsets for tensor '{name}'", e.GetRawText());
        return x;
    }
}
