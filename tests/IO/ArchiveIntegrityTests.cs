using System.Text.Json;
using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// Archives and checkpoints that are wrong but well formed: .npz members with a bad CRC-32 or flagged
/// as encrypted, checkpoints with a flipped data bit or a tampered checksum. Old checkpoints without
/// checksums still load.
/// </summary>
public sealed class ArchiveIntegrityTests : TempDirectoryFixture
{
    private static byte[] NpyBytes() => TestFiles.Npy(TestFiles.SmallF32());

    [Test]
    public void NpzStoredMemberWithFlippedDataBit()
    {
        var npy = NpyBytes();
        // One bit of the last float changes: the array still parses, only the CRC-32 can tell.
        var zip = ZipBytes.FlipBitInside(ZipBytes.Create(false, ("x.npy", npy)), npy);
        string p = Malformed.Put(Dir, "a.npz", zip);
        Malformed.Expect(p, () => Npz.Read(p), "x.npy", "CRC-32");
    }

    [Test]
    public void NpzStoredMemberWithWrongCrcField()
    {
        string p = Malformed.Put(Dir, "a.npz", ZipBytes.FlipCrc(ZipBytes.Create(false, ("x.npy", NpyBytes()))));
        Malformed.Expect(p, () => Npz.Read(p), "x.npy", "CRC-32");
    }

    [Test]
    public void NpzDeflatedMemberWithWrongCrcField()
    {
        string p = Malformed.Put(Dir, "a.npz", ZipBytes.FlipCrc(ZipBytes.Create(true, ("y.npy", NpyBytes())), 0x80000000));
        Malformed.Expect(p, () => Npz.Read(p), "y.npy", "CRC-32");
    }

    [Test]
    public void NpzSecondMemberBadCrcNamesThatMember()
    {
        var good = ZipBytes.Create(false, ("a.npy", NpyBytes()));
        var npy = TestFiles.Npy(HostArray.Create(new double[] { 1, 2, 3 }, 3));
        var zip = ZipBytes.FlipBitInside(ZipBytes.Create(false, ("a.npy", NpyBytes()), ("b.npy", npy)), npy);
        Assert.That(Npz.Read(Malformed.Put(Dir, "good.npz", good)), Has.Count.EqualTo(1));
        string p = Malformed.Put(Dir, "a.npz", zip);
        var e = Malformed.Expect(p, () => Npz.Read(p), "b.npy", "CRC-32");
        Assert.That(e.Message, Does.Not.Contain("a.npy"));
    }

    [Test]
    public void NpzEncryptedMemberIsRejected()
    {
        string p = Malformed.Put(Dir, "a.npz", ZipBytes.SetFlags(ZipBytes.Create(false, ("x.npy", NpyBytes())), 1));
        Malformed.Expect(p, () => Npz.Read(p), "x.npy", "encrypted");
    }

    [Test]
    public void NpzIntactArchiveStillReads()
    {
        string p = Malformed.Put(Dir, "a.npz", ZipBytes.Create(true, ("x.npy", NpyBytes())));
        Assert.That(Npz.Read(p)["x"].As<float>(), Is.EqualTo(TestFiles.SmallF32().As<float>()));
    }

    // ---- checkpoints ----

    private string SaveCheckpoint()
    {
        string p = Path.Combine(Dir, "c.safetensors");
        Checkpoint.Save(p, new Dictionary<string, Tensor>
        {
            ["w"] = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2]),
            ["step_counts"] = Tensor.FromArray(new[] { 5, 6, 7 }, [3]),
        }, new Dictionary<string, string> { ["step"] = "3" });
        return p;
    }

    [Test]
    public void CheckpointWithFlippedDataBitNamesTheTensor()
    {
        string p = SaveCheckpoint();
        var b = File.ReadAllBytes(p);
        // Data is laid out in name order (step_counts, then w): the last byte belongs to w.
        b[^1] ^= 0x01;
        File.WriteAllBytes(p, b);
        Malformed.Expect(p, () => Checkpoint.Load(p), "'w'", "checksum");
    }

    [Test]
    public void CheckpointWithFlippedBitInFirstTensor()
    {
        string p = SaveCheckpoint();
        var b = File.ReadAllBytes(p);
        int dataStart = b.Length - 3 * 4 - 4 * 4;
        b[dataStart] ^= 0x40;
        File.WriteAllBytes(p, b);
        Malformed.Expect(p, () => Checkpoint.Load(p), "'step_counts'", "checksum");
    }

    [Test]
    public void CheckpointMetadataHidesChecksumsAndKeepsUserEntries()
    {
        var back = Checkpoint.Load(SaveCheckpoint());
        Assert.That(back.Metadata, Is.EqualTo(new Dictionary<string, string> { ["step"] = "3" }));
        Assert.That(back.Tensors["w"].ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3, 4 }));
    }

    /// <summary>Rewrites the safetensors header of <paramref name="path"/> through <paramref name="edit"/> on its metadata.</summary>
    private static void EditMetadata(string path, Action<Dictionary<string, string>> edit)
    {
        var content = SafeTensors.Read(path);
        var meta = new Dictionary<string, string>(content.Metadata);
        edit(meta);
        File.Delete(path);
        SafeTensors.Write(path, content.Tensors, meta);
    }

    [Test]
    public void CheckpointWithoutChecksumsStillLoads()
    {
        string p = SaveCheckpoint();
        // A checkpoint written before checksums existed: only the format marker.
        EditMetadata(p, m =>
        {
            foreach (string k in m.Keys.Where(k => k.StartsWith(Checkpoint.ChecksumKeyPrefix, StringComparison.Ordinal)).ToList()) m.Remove(k);
        });
        Assert.That(SafeTensors.Read(p).Metadata.Keys, Has.None.StartsWith(Checkpoint.ChecksumKeyPrefix));
        var back = Checkpoint.Load(p);
        Assert.That(back.Tensors["step_counts"].ToArray<int>(), Is.EqualTo(new[] { 5, 6, 7 }));
        Assert.That(back.Metadata["step"], Is.EqualTo("3"));
    }

    [Test]
    public void CheckpointMissingOneTensorsChecksum()
    {
        string p = SaveCheckpoint();
        EditMetadata(p, m => m.Remove(Checkpoint.ChecksumKeyPrefix + "w"));
        Malformed.Expect(p, () => Checkpoint.Load(p), "'w'", "checksum");
    }

    [Test]
    public void CheckpointWithMalformedChecksum()
    {
        string p = SaveCheckpoint();
        EditMetadata(p, m => m[Checkpoint.ChecksumKeyPrefix + "w"] = "not-hex");
        Malformed.Expect(p, () => Checkpoint.Load(p), "'w'", "not-hex");
    }

    [Test]
    public void CheckpointChecksumForAnUnknownTensor()
    {
        string p = SaveCheckpoint();
        EditMetadata(p, m => m[Checkpoint.ChecksumKeyPrefix + "ghost"] = "00000000");
        Malformed.Expect(p, () => Checkpoint.Load(p), "'ghost'");
    }

    [Test]
    public void CheckpointChecksumsAreCrc32OfTheTensorBytes()
    {
        string p = SaveCheckpoint();
        var meta = SafeTensors.Read(p).Metadata;
        var expected = System.IO.Hashing.Crc32.HashToUInt32(MemoryMarshalBytes(new float[] { 1, 2, 3, 4 }));
        Assert.That(meta[Checkpoint.ChecksumKeyPrefix + "w"], Is.EqualTo(expected.ToString("x8", System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(JsonSerializer.Serialize(meta.Keys.Order()), Does.Contain(Checkpoint.ChecksumKeyPrefix + "step_counts"));
    }

    private static byte[] MemoryMarshalBytes(float[] values) => System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
}
