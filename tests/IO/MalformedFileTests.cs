using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

/// <summary>
/// Each malformed file throws <see cref="InvalidDataFileException"/> whose message names the file and what
/// was expected, and the read allocates no more than a small constant beyond the file size.
/// </summary>
public sealed class MalformedFileTests : TempDirectoryFixture
{
    private string Put(string name, byte[] bytes)
    {
        string p = Path.Combine(Dir, name);
        File.WriteAllBytes(p, bytes);
        return p;
    }

    private static void Expect(string path, Action read, params string[] fragments)
    {
        long fileLen = new FileInfo(path).Length;
        long before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<InvalidDataFileException>(() => read())!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(e.Message, Does.Contain(path), "message names the file");
        Assert.That(e.Message, Does.Contain("expected"), "message says what was expected");
        foreach (string f in fragments) Assert.That(e.Message, Does.Contain(f).IgnoreCase);
        Assert.That(allocated, Is.LessThan(2 * fileLen + (8 << 20)), "no allocation beyond the file size");
    }

    private static byte[] Be(params uint[] words)
    {
        var b = new byte[words.Length * 4];
        for (int i = 0; i < words.Length; i++) BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(i * 4), words[i]);
        return b;
    }

    // ---- IDX / MNIST ----

    [Test]
    public void IdxTruncated()
    {
        string p = Put("img", TestFiles.IdxImages(3)[..^10]);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "bytes");
    }

    [Test]
    public void IdxWrongMagic()
    {
        string p = Put("img", TestFiles.IdxLabels(3));
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "magic 2051");
    }

    [Test]
    public void IdxDimsProductOverflows()
    {
        string p = Put("img", Be(2051, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF));
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "overflow");
    }

    [Test]
    public void IdxDimsExceedFile()
    {
        string p = Put("img", [.. Be(2051, 1_000_000_000, 28, 28), .. new byte[100]]);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "784000000016");
    }

    [Test]
    public void IdxGzipDimsExceedDecompressedData()
    {
        // 100 bytes of deflate data cannot hold 1.57 GB: rejected from the sizes, before reading.
        string p = Put("img.gz", TestFiles.Gzip([.. Be(2051, 2_000_000, 28, 28), .. new byte[100]]));
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "1568000000 bytes declared");
    }

    [Test]
    public void IdxHeaderTruncated()
    {
        string p = Put("img", [0, 0, 8]);
        Expect(p, () => Idx.Read(p, Idx.ImagesMagic), "magic");
    }

    [Test]
    public void MnistLabelOutOfRange()
    {
        var labels = TestFiles.IdxLabels(4);
        labels[^1] = 10;
        string ip = Put("i", TestFiles.IdxImages(4)), lp = Put("l", labels);
        Expect(lp, () => Mnist.LoadFiles(ip, lp), "labels 0..9", "label 10");
    }

    [Test]
    public void MnistLabelCountMismatch()
    {
        string ip = Put("i", TestFiles.IdxImages(4)), lp = Put("l", TestFiles.IdxLabels(5));
        Expect(lp, () => Mnist.LoadFiles(ip, lp), "4 labels");
    }

    [Test]
    public void MnistWrongImageSize()
    {
        string ip = Put("i", TestFiles.IdxImages(2, 27, 28)), lp = Put("l", TestFiles.IdxLabels(2));
        Expect(ip, () => Mnist.LoadFiles(ip, lp), "28x28");
    }

    // ---- CIFAR-10 ----

    [Test]
    public void CifarLengthNotMultipleOfRecord()
    {
        string p = Put("test_batch.bin", TestFiles.CifarBatch(2)[..^1]);
        Expect(p, () => Cifar10.ReadBatches([p]), "multiple of 3073");
    }

    [Test]
    public void CifarLabelOutOfRange()
    {
        var b = TestFiles.CifarBatch(3);
        b[3073] = 200;
        string p = Put("test_batch.bin", b);
        Expect(p, () => Cifar10.ReadBatches([p]), "labels 0..9", "label 200");
    }

    [Test]
    public void CifarArchiveMissingEntry()
    {
        string p = Put("c.tar.gz", TestFiles.CifarTarGz(2, train: false));
        Expect(p, () => Cifar10.ReadArchive(p, train: true), "data_batch_1.bin");
    }

    [Test]
    public void CifarArchiveTruncated()
    {
        var b = TestFiles.CifarTarGz(3);
        string p = Put("c.tar.gz", b[..(b.Length / 2)]);
        Expect(p, () => Cifar10.ReadArchive(p, train: false));
    }

    // ---- .npy ----

    private static byte[] NpyWithHeader(string header, int dataBytes, byte major = 1)
    {
        var h = Encoding.ASCII.GetBytes(header);
        var ms = new MemoryStream();
        ms.Write([0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y', major, 0]);
        if (major == 1) ms.Write(BitConverter.GetBytes((ushort)h.Length)); else ms.Write(BitConverter.GetBytes((uint)h.Length));
        ms.Write(h);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    [Test]
    public void NpyWrongMagic()
    {
        var b = TestFiles.Npy(TestFiles.SmallF32());
        b[1] = (byte)'X';
        string p = Put("a.npy", b);
        Expect(p, () => Npy.Read(p), "magic");
    }

    [Test]
    public void NpyHeaderLengthPastEnd()
    {
        var b = TestFiles.Npy(TestFiles.SmallF32());
        BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(8), 60000);
        string p = Put("a.npy", b);
        Expect(p, () => Npy.Read(p), "past the end");
    }

    [Test]
    public void NpyBadDtype()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '>c8', 'fortran_order': False, 'shape': (2,), }\n", 16));
        Expect(p, () => Npy.Read(p), "<f4", "'>c8'");
    }

    [Test]
    public void NpyShapeOverflow()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '<f8', 'fortran_order': False, 'shape': (999999999999999999, 999999999999999999), }\n", 8));
        Expect(p, () => Npy.Read(p), "overflow");
    }

    [Test]
    public void NpyShapeExceedsFile()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (100000, 100000), }\n", 8));
        Expect(p, () => Npy.Read(p), "40000000000 data bytes");
    }

    [Test]
    public void NpyMalformedHeaderDict()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2,), }\n", 8));
        Expect(p, () => Npy.Read(p), "True or False");
    }

    [Test]
    public void NpyUnsupportedVersion()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }\n", 8, major: 4));
        Expect(p, () => Npy.Read(p), "version");
    }

    [Test]
    public void NpyFortranOrder()
    {
        string p = Put("a.npy", NpyWithHeader("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }\n", 8));
        Expect(p, () => Npy.Read(p), "fortran_order False");
    }

    // ---- .npz ----

    [Test]
    public void NpzNotAZip()
    {
        string p = Put("a.npz", Encoding.ASCII.GetBytes("this is not a zip archive at all, not even close....."));
        Expect(p, () => Npz.Read(p), "zip");
    }

    [Test]
    public void NpzForeignEntry()
    {
        var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
        using (var s = z.CreateEntry("readme.txt").Open()) s.Write("hi"u8);
        string p = Put("a.npz", ms.ToArray());
        Expect(p, () => Npz.Read(p), "*.npy", "readme.txt");
    }

    [Test]
    public void NpzCorruptMember()
    {
        var ms = new MemoryStream();
        using (var z = new ZipArchive(ms, ZipArchiveMode.Create, true))
        using (var s = z.CreateEntry("x.npy", CompressionLevel.NoCompression).Open()) s.Write(TestFiles.Npy(TestFiles.SmallF32())[..40]);
        string p = Put("a.npz", ms.ToArray());
        Expect(p, () => Npz.Read(p), "x.npy");
    }

    // ---- safetensors / checkpoints ----

    private static byte[] St(string json, int dataBytes, ulong? declared = null)
    {
        var h = Encoding.UTF8.GetBytes(json);
        var b = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(b, declared ?? (ulong)h.Length);
        h.CopyTo(b, 8);
        return b;
    }

    [Test]
    public void SafeTensorsHeaderLengthPastEnd()
    {
        string p = Put("a.safetensors", St("{}", 0, declared: ulong.MaxValue));
        Expect(p, () => SafeTensors.Read(p), "past the end");
    }

    [Test]
    public void SafeTensorsBadJson()
    {
        string p = Put("a.safetensors", St("{\"a\": {\"dtype\": \"F32\", ", 0));
        Expect(p, () => SafeTensors.Read(p), "JSON");
    }

    [Test]
    public void SafeTensorsBadDtype()
    {
        string p = Put("a.safetensors", St("{\"a\":{\"dtype\":\"Q7\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4));
        Expect(p, () => SafeTensors.Read(p), "F32", "'Q7'");
    }

    [Test]
    public void SafeTensorsOverlappingOffsets()
    {
        string p = Put("a.safetensors", St("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12));
        Expect(p, () => SafeTensors.Read(p), "contiguous");
    }

    [Test]
    public void SafeTensorsOffsetsPastBuffer()
    {
        string p = Put("a.safetensors", St("{\"a\":{\"dtype\":\"F32\",\"shape\":[1000000000],\"data_offsets\":[0,4000000000]}}", 4));
        Expect(p, () => SafeTensors.Read(p), "data buffer");
    }

    [Test]
    public void SafeTensorsShapeDisagreesWithOffsets()
    {
        string p = Put("a.safetensors", St("{\"a\":{\"dtype\":\"F64\",\"shape\":[3],\"data_offsets\":[0,16]}}", 16));
        Expect(p, () => SafeTensors.Read(p), "24 bytes");
    }

    [Test]
    public void SafeTensorsShapeOverflow()
    {
        string p = Put("a.safetensors", St("{\"a\":{\"dtype\":\"F64\",\"shape\":[2147483647,2147483647,2147483647],\"data_offsets\":[0,8]}}", 8));
        Expect(p, () => SafeTensors.Read(p), "overflow");
    }

    [Test]
    public void CheckpointTruncated()
    {
        var b = TestFiles.CheckpointBytes();
        string p = Put("c.safetensors", b[..^3]);
        Expect(p, () => Checkpoint.Load(p));
    }

    [Test]
    public void CheckpointWithoutMarker()
    {
        string p = Put("c.safetensors", TestFiles.SafeTensorsBytes());
        Expect(p, () => Checkpoint.Load(p), "tinygrad.format");
    }

    [Test]
    public void CheckpointHeaderLengthPastEnd()
    {
        var b = TestFiles.CheckpointBytes();
        BinaryPrimitives.WriteUInt64LittleEndian(b, (ulong)b.Length);
        string p = Put("c.safetensors", b);
        Expect(p, () => Checkpoint.Load(p), "past the end");
    }
}
