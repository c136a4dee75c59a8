using System.Buffers.Binary;
using System.IO.Compression;
using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// Compressed input is read into one buffer of the declared size, allocated once after the declared size
/// was checked against what the compressed bytes can inflate to (deflate: at most 1032:1). The bytes a read
/// allocates (an upper bound of its peak) stay within 1.25x the payload plus 1 MiB.
/// </summary>
public sealed class DecompressionBombTests : TempDirectoryFixture
{
    private const long Overhead = 1 << 20;

    /// <summary>gzip of an IDX image header for <paramref name="n"/> images followed by <paramref name="dataBytes"/> bytes (a repeating ramp, or random).</summary>
    private string GzipIdx(int n, long dataBytes, bool random = false)
    {
        string p = Path.Combine(Dir, "train-images-idx3-ubyte.gz");
        using var fs = File.Create(p);
        using var gz = new GZipStream(fs, CompressionLevel.Fastest);
        Span<byte> header = stackalloc byte[16];
        BinaryPrimitives.WriteInt32BigEndian(header, Idx.ImagesMagic);
        BinaryPrimitives.WriteInt32BigEndian(header[4..], n);
        BinaryPrimitives.WriteInt32BigEndian(header[8..], 28);
        BinaryPrimitives.WriteInt32BigEndian(header[12..], 28);
        gz.Write(header);
        var chunk = new byte[1 << 16];
        for (int i = 0; i < chunk.Length; i++) chunk[i] = (byte)(i % 251);
        var rng = new Random(5);
        for (long left = dataBytes; left > 0; left -= chunk.Length)
        {
            if (random) rng.NextBytes(chunk);
            gz.Write(chunk, 0, (int)Math.Min(left, chunk.Length));
        }
        return p;
    }

    private static long Allocated(Action read)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        read();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Test]
    public void GzipIdxClaimingMoreThanDeflateCanHoldIsRejectedBeforeAllocating()
    {
        // The bomb, scaled down: a header claiming 2,000,000 images (1.57 GB), 40 MB of data.
        string p = GzipIdx(2_000_000, 40 << 20);
        long allocated = Allocated(() => Malformed.Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "1568000000", "1032"));
        Assert.That(allocated, Is.LessThan(Overhead), "rejected from the sizes alone");
    }

    [Test]
    public void GzipIdxValidReadAllocatesThePayloadOnce()
    {
        const int n = 10_000;
        string p = GzipIdx(n, n * 784L);
        IdxArray? a = null;
        long allocated = Allocated(() => a = Idx.Read(p, Idx.ImagesMagic));
        Assert.That(a!.Data, Has.Length.EqualTo(n * 784));
        Assert.That(a.Data[784 * 3 + 5], Is.EqualTo((byte)((784 * 3 + 5) % (1 << 16) % 251)));
        Assert.That(allocated, Is.LessThanOrEqualTo((long)(1.25 * n * 784) + Overhead));
    }

    [Test]
    public void GzipIdxShortOfAPlausibleClaimAllocatesOnlyTheDeclaredBuffer()
    {
        // 31 MB declared, 3 MB of random bytes present: within deflate's ratio, so the buffer is made, once, and the read stops short.
        string p = GzipIdx(40_000, 3 << 20, random: true);
        long allocated = Allocated(() => Malformed.ExpectMessage(p, () => Idx.Read(p, Idx.ImagesMagic), "end of data after 3145728 bytes"));
        Assert.That(allocated, Is.LessThanOrEqualTo(40_000L * 784 + Overhead), "one buffer of the declared size, never a grown copy");
    }

    private string WriteNpz(int doubles, bool compress)
    {
        string p = Path.Combine(Dir, compress ? "big-deflated.npz" : "big-stored.npz");
        var values = new double[doubles];
        for (int i = 0; i < values.Length; i++) values[i] = i % 1000;
        Npz.Write(p, new Dictionary<string, HostArray> { ["x"] = HostArray.Create(values, doubles) }, compress);
        return p;
    }

    [TestCase(true)]
    [TestCase(false)]
    public void NpzMemberReadAllocatesThePayloadOnce(bool compress)
    {
        const int doubles = 5_000_000; // 40 MB
        string p = WriteNpz(doubles, compress);
        Dictionary<string, HostArray>? arrays = null;
        long allocated = Allocated(() => arrays = Npz.Read(p));
        var x = arrays!["x"].As<double>();
        Assert.That(x, Has.Length.EqualTo(doubles));
        Assert.That(x[doubles - 1], Is.EqualTo((doubles - 1) % 1000));
        Assert.That(allocated, Is.LessThanOrEqualTo((long)(1.25 * doubles * 8) + Overhead));
    }

    [Test]
    public void NpzMemberClaimingMoreThanDeflateCanHoldIsRejectedBeforeAllocating()
    {
        var npy = TestFiles.Npy(HostArray.Create(new double[10_000], 10_000));
        var zip = ZipBytes.Create(true, ("x.npy", npy));
        // Declare 1.5 GB uncompressed for the small deflated member (local and central header).
        var b = ZipBytes.SetUncompressedSize(zip, 1_500_000_000);
        string p = Malformed.Put(Dir, "bomb.npz", b);
        long allocated = Allocated(() => Malformed.Expect(p, () => Npz.Read(p), "x.npy", "1500000000"));
        Assert.That(allocated, Is.LessThan(Overhead));
    }
}
