using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

public sealed class DatasetFileTests : TempDirectoryFixture
{
    [TestCase(false)]
    [TestCase(true)]
    public void MnistLoadsFromFolder(bool gz)
    {
        byte[] imgs = TestFiles.IdxImages(12), labs = TestFiles.IdxLabels(12);
        File.WriteAllBytes(Path.Combine(Dir, "t10k-images-idx3-ubyte" + (gz ? ".gz" : "")), gz ? TestFiles.Gzip(imgs) : imgs);
        File.WriteAllBytes(Path.Combine(Dir, "t10k-labels-idx1-ubyte" + (gz ? ".gz" : "")), gz ? TestFiles.Gzip(labs) : labs);
        var ds = Mnist.Load(Dir, train: false);
        Assert.That(ds.Count, Is.EqualTo(12));
        Assert.That(ds.SampleShape.ToArray(), Is.EqualTo(new[] { 1, 28, 28 }));
        Assert.That(ds.IsSynthetic, Is.False);
        Assert.That(ds.Labels.ToArray(), Is.EqualTo(labs.Skip(8).Select(b => (int)b).ToArray()));
        var (x, y) = ds.ToTensors();
        Assert.That(x.Shape.ToArray(), Is.EqualTo(new[] { 12, 1, 28, 28 }));
        Assert.That(x.ToArray<float>()[5], Is.EqualTo(imgs[16 + 5] / 255f));
        Assert.That(y.DType, Is.EqualTo(TinyGrad.Kernels.DType.Int32));
    }

    [Test]
    public void MnistMissingFilesSayWhatToPutWhere()
    {
        var e = Assert.Throws<DataUnavailableException>(() => Mnist.Load(Dir, train: true))!;
        Assert.That(e.Message, Does.Contain("train-images-idx3-ubyte.gz").And.Contain(Path.GetFullPath(Dir)));
    }

    [Test]
    public void CifarLoadsLooseBatchesAndArchive()
    {
        var batch = TestFiles.CifarBatch(7);
        File.WriteAllBytes(Path.Combine(Dir, "test_batch.bin"), batch);
        var ds = Cifar10.Load(Dir, train: false);
        Assert.That(ds.Count, Is.EqualTo(7));
        Assert.That(ds.Labels[3], Is.EqualTo(batch[3 * 3073]));
        var buf = new float[3072];
        ds.CopySample(2, buf);
        Assert.That(buf[100], Is.EqualTo(batch[2 * 3073 + 1 + 100] / 255f));

        string archive = Path.Combine(Dir, "a.tar.gz");
        File.WriteAllBytes(archive, TestFiles.CifarTarGz(4, train: true));
        var tr = Cifar10.ReadArchive(archive, train: true);
        Assert.That(tr.Count, Is.EqualTo(20));
        Assert.That(tr.SampleShape.ToArray(), Is.EqualTo(new[] { 3, 32, 32 }));
    }

    [Test]
    public void CifarMissingSaysWhatToPutWhere()
    {
        var e = Assert.Throws<DataUnavailableException>(() => Cifar10.Load(Dir, train: true))!;
        Assert.That(e.Message, Does.Contain("cifar-10-binary.tar.gz").And.Contain(Path.GetFullPath(Dir)));
    }
}
