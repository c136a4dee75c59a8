using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace TinyGrad.IO;

/// <summary>
/// numpy's .npy format. Reads versions 1.0, 2.0 and 3.0 (little-endian &lt;f4 &lt;f8 &lt;i4 &lt;i8 and |u1, C order;
/// fortran_order True is rejected) and writes version 1.0 (2.0 when the header would not fit in 64 KiB).
/// Every size is validated against the file length before anything is allocated.
/// </summary>
public static class Npy
{
    private static ReadOnlySpan<byte> Magic => [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Reads a .npy file; malformed contents throw <see cref="InvalidDataFileException"/>.</summary>
    public static HostArray Read(string path)
    {
        using var fs = File.OpenRead(path);
        return Read(fs, fs.Length, path);
    }

    /// <summary>
    /// Reads a .npy file as a tensor (dtype mapping as in <see cref="HostArray.ToTensor"/>), straight into the
    /// tensor's memory: no second copy of the payload.
    /// </summary>
    public static Tensor ReadTensor(string path, Device? device = null)
    {
        using var fs = File.OpenRead(path);
        return ReadTensor(fs, fs.Length, path, device ?? Device.Default);
    }

    /// <summary>
    /// Reads a .npy image from <paramref name="stream"/> whose remaining length is <paramref name="length"/>
    /// bytes; <paramref name="name"/> is used in error messages.
    /// </summary>
    public static HostArray Read(Stream stream, long length, string name)
    {
        var (dtype, shape, count) = ReadHeader(stream, length, name);
        return TensorPayload.ReadArray(stream, dtype, shape, count, name, ".npy data");
    }

    /// <summary>A .npy image read into a tensor on <paramref name="device"/> (see <see cref="TensorPayload"/>).</summary>
    internal static Tensor ReadTensor(Stream stream, long length, string name, Device device)
    {
        var (dtype, shape, _) = ReadHeader(stream, length, name);
        return TensorPayload.Read(stream, dtype, shape, device, name, ".npy data");
    }

    /// <summary>Reads and validates everything before the data: its dtype, shape and element count match the rest of the file.</summary>
    private static (HostDType DType, int[] Shape, int Count) ReadHeader(Stream stream, long length, string name)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> pre = stackalloc byte[8];
        if (length < 10) throw DataFile.Fail(name, "a .npy file of at least 10 bytes (magic, version, header length)", $"{length} bytes");
        DataFile.ReadExact(stream, pre, name, ".npy magic and version");
        if (!pre[..6].SequenceEqual(Magic))
            throw DataFile.Fail(name, "the .npy magic \\x93NUMPY", Convert.ToHexString(pre[..6]));
        byte major = pre[6], minor = pre[7];
        if (major is < 1 or > 3 || minor != 0)
            throw DataFile.Fail(name, ".npy format version 1.0, 2.0 or 3.0", $"{major}.{minor}");
        long headerLen;
        int lenBytes = major == 1 ? 2 : 4;
        if (length < 8 + lenBytes) throw DataFile.Fail(name, $"a {lenBytes}-byte header length", "end of file");
        Span<byte> lb = stackalloc byte[4];
        DataFile.ReadExact(stream, lb[..lenBytes], name, ".npy header length");
        headerLen = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lb) : BinaryPrimitives.ReadUInt32LittleEndian(lb);
        long dataStart = 8 + lenBytes + headerLen;
        if (dataStart > length)
            throw DataFile.Fail(name, $"a header of {headerLen} bytes within the {length}-byte file", "header length past the end of the file");
        var headerBytes = new byte[headerLen];
        DataFile.ReadExact(stream, headerBytes, name, ".npy header");
        string header = major == 3 ? DecodeUtf8(headerBytes, name) : Encoding.Latin1.GetString(headerBytes);
        var (descr, fortran, dims) = ParseHeader(header, name);
        if (fortran) throw DataFile.Fail(name, "fortran_order False (C order)", "fortran_order True; save with np.ascontiguousarray");
        HostDType dtype = HostDTypeInfo.FromNumpyDescr(descr)
            ?? throw DataFile.Fail(name, "dtype <f4, <f8, <i4, <i8 or |u1", $"'{descr}'");
        long dataBytes = DataFile.CheckedBytes(name, dims, dtype.SizeOf(), "the .npy array");
        long available = length - dataStart;
        if (dataBytes != available)
            throw DataFile.Fail(name, $"{dataBytes} data bytes for shape ({string.Join(", ", dims)}) of {descr}", $"{available} bytes after the header");
        long count = dataBytes / dtype.SizeOf();
        if (count > Array.MaxLength) throw DataFile.Fail(name, $"at most {Array.MaxLength} elements", $"{count}");
        var shape = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
        {
            if (dims[i] > int.MaxValue) throw DataFile.Fail(name, "dimensions below 2^31", $"{dims[i]}");
            shape[i] = (int)dims[i];
        }
        return (dtype, shape, (int)count);
    }

    /// <summary>Writes <paramref name="array"/> as a .npy file (atomically: temp file + rename).</summary>
    public static void Write(string path, HostArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, s => Write(s, array));
    }

    /// <summary>Writes a Float32/Float64/Int32 tensor as a .npy file.</summary>
    public static void Write(string path, Tensor tensor) => Write(path, HostArray.FromTensor(tensor));

    /// <summary>Writes the .npy image of <paramref name="array"/> to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, HostArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        var sb = new StringBuilder();
        sb.Append("{'descr': '").Append(array.DType.NumpyDescr()).Append("', 'fortran_order': False, 'shape': (");
        var shape = array.Shape;
        for (int i = 0; i < shape.Length; i++)
        {
            sb.Append(shape[i].ToString(CultureInfo.InvariantCulture));
            if (shape.Length == 1 || i < shape.Length - 1) sb.Append(shape.Length == 1 ? "," : ", ");
        }
        sb.Append("), }");
        // Pad with spaces and end with '\n' so the data starts at a multiple of 64 bytes, as numpy does.
        int major = sb.Length + 1 + 10 <= ushort.MaxValue ? 1 : 2;
        int preamble = major == 1 ? 10 : 12;
        int total = preamble + sb.Length + 1;
        int pad = (64 - total % 64) % 64;
        sb.Append(' ', pad).Append('\n');
        byte[] header = Encoding.Latin1.GetBytes(sb.ToString());
        Span<byte> pre = stackalloc byte[12];
        Magic.CopyTo(pre);
        pre[6] = (byte)major;
        pre[7] = 0;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(pre[8..], (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(pre[8..], (uint)header.Length);
        stream.Write(pre[..preamble]);
        stream.Write(header);
        stream.Write(array.Bytes);
    }

    private static string DecodeUtf8(byte[] bytes, string name)
    {
        try
        {
            return new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw DataFile.Fail(name, "a UTF-8 header (version 3.0)", "invalid UTF-8", e);
        }
    }

    /// <summary>Parses the Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': (...)}.</summary>
    private static (string Descr, bool Fortran, long[] Shape) ParseHeader(string h, string name)
    {
        var p = new HeaderParser(h, name);
        string? descr = null;
        bool? fortran = null;
        long[]? shape = null;
        p.Expect('{');
        while (true)
        {
            p.SkipSpace();
            if (p.TryTake('}')) break;
            string key = p.ReadString();
            p.Expect(':');
            switch (key)
            {
                case "descr" when descr is null: descr = p.ReadString(); break;
                case "fortran_order" when fortran is null: fortran = p.ReadBool(); break;
                case "shape" when shape is null: shape = p.ReadTuple(); break;
                default: throw DataFile.Fail(name, "header keys 'descr', 'fortran_order', 'shape' once each", $"key '{key}'");
            }
            p.SkipSpace();
            if (p.TryTake(',')) continue;
            p.Expect('}');
            break;
        }
        p.SkipSpace();
        if (!p.AtEnd) throw DataFile.Fail(name, "only spaces and a newline after the header dict", $"'{p.Rest}'");
        if (descr is null || fortran is null || shape is null)
            throw DataFile.Fail(name, "header keys 'descr', 'fortran_order' and 'shape'", $"'{h.Trim()}'");
        return (descr, fortran.Value, shape);
    }

    private sealed class HeaderParser(string text, string name)
    {
        private int pos;

        public bool AtEnd => pos >= text.Length;

        public string Rest => text[pos..].Trim();

        public void SkipSpace()
        {
            while (pos < text.Length && (text[pos] == ' ' || text[pos] == '\n' || text[pos] == '\t' || text[pos] == '\r')) pos++;
        }

        public bool TryTake(char c)
        {
            SkipSpace();
            if (pos < text.Length && text[pos] == c)
            {
                pos++;
                return true;
            }
            return false;
        }

        public void Expect(char c)
        {
            if (!TryTake(c)) throw Bad($"'{c}'");
        }

        public string ReadString()
        {
            SkipSpace();
            if (pos >= text.Length || (text[pos] != '\'' && text[pos] != '"')) throw Bad("a quoted string");
            char q = text[pos++];
            int start = pos;
            while (pos < text.Length && text[pos] != q) pos++;
            if (pos >= text.Length) throw Bad("a closing quote");
            return text[start..pos++];
        }

        public bool ReadBool()
        {
            SkipSpace();
            if (string.CompareOrdinal(text, pos, "True", 0, 4) == 0) { pos += 4; return true; }
            if (string.CompareOrdinal(text, pos, "False", 0, 5) == 0) { pos += 5; return false; }
            throw Bad("True or False");
        }

        public long[] ReadTuple()
        {
            Expect('(');
            var dims = new List<long>();
            while (true)
            {
                SkipSpace();
                if (TryTake(')')) break;
                int start = pos;
                while (pos < text.Length && char.IsAsciiDigit(text[pos])) pos++;
                if (pos == start || pos - start > 18) throw Bad("a non-negative integer dimension");
                dims.Add(long.Parse(text.AsSpan(start, pos - start), NumberStyles.None, CultureInfo.InvariantCulture));
                if (dims.Count > 64) throw Bad("at most 64 dimensions");
                if (TryTake(',')) continue;
                Expect(')');
                break;
            }
            return [.. dims];
        }

        private InvalidDataFileException Bad(string what)
        {
            string near = pos < text.Length ? $"'{text[pos..Math.Min(text.Length, pos + 20)]}'" : "end of header";
            return DataFile.Fail(name, $"{what} in the .npy header dict", $"{near} at offset {pos}");
        }
    }
}
