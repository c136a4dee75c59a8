using System.Buffers.Binary;
using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// Corrupt compressed input says what is wrong with it (not gzip data, unsupported method, corrupt deflate
/// data, CRC or length mismatch, truncation) and names the file, never .NET's "unsupported compression method".
/// </summary>
public sealed class GzipMessageTests : TempDirectoryFixture
{
    private const string DotNetMessage = "unsupported compression method";

    private static void Expect(string path, Action read, params string[] fragments)
    {
        var e = Malformed.Expect(path, read, fragments);
        Assert.That(e.Message, Does.Not.Contain(DotNetMessage).IgnoreCase);
    }

    private static byte[] GzipImages() => TestFiles.Gzip(TestFiles.IdxImages(20));

    private static byte[] WithCrcFlipped(byte[] gz)
    {
        var b = (byte[])gz.Clone();
        b[^8] ^= 0x01;
        return b;
    }

    /// <summary>Overwrites the middle of the deflate stream with a block header of the reserved type 3.</summary>
    private static byte[] WithCorruptDeflate(byte[] gz)
    {
        var b = (byte[])gz.Clone();
        for (int i = b.Length / 2; i < b.Length / 2 + 16; i++) b[i] = 0xFF;
        return b;
    }

    [Test]
    public void IdxGzipWithBadCrc()
    {
        string p = Malformed.Put(Dir, "img.gz", WithCrcFlipped(GzipImages()));
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "corrupt gzip data", "CRC mismatch");
    }

    [Test]
    public void IdxGzipWithBadLengthField()
    {
        var b = GzipImages();
        BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(b.Length - 4), BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(b.Length - 4)) + 1);
        string p = Malformed.Put(Dir, "img.gz", b);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "corrupt gzip data", "length mismatch");
    }

    [Test]
    public void IdxGzipWithCorruptDeflateData()
    {
        string p = Malformed.Put(Dir, "img.gz", WithCorruptDeflate(GzipImages()));
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "corrupt gzip data");
    }

    [Test]
    public void IdxGzipWithUnsupportedMethod()
    {
        var b = GzipImages();
        b[2] = 7;
        string p = Malformed.Put(Dir, "img.gz", b);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "compression method 7");
    }

    [Test]
    public void IdxGzipWithReservedFlags()
    {
        var b = GzipImages();
        b[3] = 0xE0;
        string p = Malformed.Put(Dir, "img.gz", b);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "reserved");
    }

    [Test]
    public void IdxGzipTruncated()
    {
        var b = GzipImages();
        string p = Malformed.Put(Dir, "img.gz", b[..(b.Length / 2)]);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "truncated gzip data");
    }

    [Test]
    public void IdxGzipHeaderOnly()
    {
        string p = Malformed.Put(Dir, "img.gz", [0x1f, 0x8b, 8, 0, 0, 0]);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "gzip header");
    }

    [Test]
    public void IdxGzipOfTwoMembersStillReads()
    {
        // Concatenated gzip members are one valid gzip file (RFC 1952); the trailer check must not reject it.
        var idx = TestFiles.IdxImages(3);
        string p = Malformed.Put(Dir, "img.gz", [.. TestFiles.Gzip(idx[..100]), .. TestFiles.Gzip(idx[100..])]);
        Assert.That(Idx.Read(p, Idx.ImagesMagic).Data, Is.EqualTo(idx[16..]));
    }

    [Test]
    public void CifarTextFileNamedTarGz()
    {
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, "<html>404 Not Found</html>\n"u8.ToArray());
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "not gzip data");
    }

    [Test]
    public void CifarEmptyTarGz()
    {
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, []);
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "not gzip data");
    }

    [Test]
    public void CifarTarGzWithBadCrc()
    {
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, WithCrcFlipped(TestFiles.CifarTarGz(2)));
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "corrupt gzip data", "CRC mismatch");
    }

    [Test]
    public void CifarTarGzWithCorruptDeflateData()
    {
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, WithCorruptDeflate(TestFiles.CifarTarGz(2)));
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "corrupt gzip data");
    }

    [Test]
    public void CifarTarGzTruncated()
    {
        var b = TestFiles.CifarTarGz(3);
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, b[..(b.Length * 2 / 3)]);
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "truncated");
    }

    [Test]
    public void CifarGzipThatIsNotATar()
    {
        var text = new byte[4096];
        Array.Fill(text, (byte)'x');
        string p = Malformed.Put(Dir, Cifar10.Archive.FileName, TestFiles.Gzip(text));
        Expect(p, () => Cifar10.ReadArchive(p, train: false), "tar");
    }
}
