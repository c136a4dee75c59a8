using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

public sealed class FormatRoundTripTests : TempDirectoryFixture
{
    private static IEnumerable<HostArray> Arrays()
    {
        yield return TestFiles.SmallF32();
        yield return HostArray.Create(new double[] { Math.PI, -1e300, double.NaN, 0 }, 4);
        yield return HostArray.Create(new int[] { int.MinValue, 0, int.MaxValue, 5, 6, 7 }, 1, 2, 3);
        yield return HostArray.Create(new long[] { long.MinValue, long.MaxValue }, 2);
        yield return HostArray.Create(new byte[] { 0, 255, 7 }, 3);
        yield return HostArray.Create(new float[] { 42 });
        yield return HostArray.Create(Array.Empty<float>(), 0, 5);
    }

    private static void AssertSame(HostArray a, HostArray b)
    {
        Assert.That(b.DType, Is.EqualTo(a.DType));
        Assert.That(b.Shape.ToArray(), Is.EqualTo(a.Shape.ToArray()));
        Assert.That(b.Bytes.ToArray(), Is.EqualTo(a.Bytes.ToArray()));
    }

    [TestCaseSource(nameof(Arrays))]
    public void NpyRoundTrip(HostArray a)
    {
        string p = Path.Combine(Dir, "x.npy");
        Npy.Write(p, a);
        Assert.That(new FileInfo(p).Length % 64, Is.EqualTo(a.Bytes.Length % 64), "data starts 64-byte aligned");
        AssertSame(a, Npy.Read(p));
    }

    [Test]
    public void NpyTensorRoundTrip()
    {
        var t = Tensor.FromArray(new double[] { 1, 2, 3, 4, 5, 6 }, [3, 2]);
        string p = Path.Combine(Dir, "t.npy");
        Npy.Write(p, t);
        var back = Npy.ReadTensor(p);
        Assert.That(back.DType, Is.EqualTo(t.DType));
        Assert.That(back.Shape.ToArray(), Is.EqualTo(new[] { 3, 2 }));
        Assert.That(back.ToArray<double>(), Is.EqualTo(t.ToArray<double>()));
    }

    [Test]
    public void Int64MapsToInt32WithRangeCheck()
    {
        Assert.That(HostArray.Create(new long[] { -3, 4 }, 2).ToTensor().ToArray<int>(), Is.EqualTo(new[] { -3, 4 }));
        Assert.Throws<OverflowException>(() => HostArray.Create(new long[] { 1L << 40 }, 1).ToTensor());
        string p = Path.Combine(Dir, "big.npy");
        Npy.Write(p, HostArray.Create(new long[] { 1L << 40 }, 1));
        var e = Assert.Throws<InvalidDataFileException>(() => Npy.ReadTensor(p))!;
        Assert.That(e.Message, Does.Contain(p));
    }

    [TestCase(false)]
    [TestCase(true)]
    public void NpzRoundTrip(bool compress)
    {
        string p = Path.Combine(Dir, "x.npz");
        var arrays = Arrays().Select((a, i) => (a, i)).ToDictionary(x => "arr_" + x.i, x => x.a);
        Npz.Write(p, arrays, compress);
        var back = Npz.Read(p);
        Assert.That(back.Keys, Is.EquivalentTo(arrays.Keys));
        foreach (var (k, a) in arrays) AssertSame(a, back[k]);
    }

    [Test]
    public void SafeTensorsRoundTrip()
    {
        string p = Path.Combine(Dir, "x.safetensors");
        var arrays = Arrays().Select((a, i) => (a, i)).ToDictionary(x => "t" + x.i, x => x.a);
        var meta = new Dictionary<string, string> { ["epoch"] = "7", ["unicode"] = "grüße \"quoted\"" };
        SafeTensors.Write(p, arrays, meta);
        var back = SafeTensors.Read(p);
        Assert.That(back.Metadata, Is.EquivalentTo(meta));
        foreach (var (k, a) in arrays) AssertSame(a, back.Tensors[k]);
        long headerLen = BitConverter.ToInt64(File.ReadAllBytes(p), 0);
        Assert.That(headerLen % 8, Is.EqualTo(0));
    }

    [Test]
    public void IdxRoundTripPlainAndGzip()
    {
        var imgs = TestFiles.IdxImages(5);
        string p = Path.Combine(Dir, "x-idx3-ubyte");
        File.WriteAllBytes(p, imgs);
        var a = Idx.Read(p, Idx.ImagesMagic);
        Assert.That(a.Dims, Is.EqualTo(new[] { 5, 28, 28 }));
        File.WriteAllBytes(p + ".gz", TestFiles.Gzip(imgs));
        var b = Idx.Read(p + ".gz", Idx.ImagesMagic);
        Assert.That(b.Data, Is.EqualTo(a.Data));
        Idx.Write(Path.Combine(Dir, "y"), a);
        Assert.That(File.ReadAllBytes(Path.Combine(Dir, "y")), Is.EqualTo(imgs));
    }
}
