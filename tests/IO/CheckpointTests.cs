using NUnit.Framework;
using TinyGrad.IO;

namespace TinyGrad.Tests.IO;

public sealed class CheckpointTests : TempDirectoryFixture
{
    [Test]
    public void SaveLoadKeepsTensorsBitwiseAndMetadata()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        var w = Tensor.Randn([4, 3], new Generator(5));
        var d = Tensor.FromArray(new double[] { 1e-300, -0.0 }, [2]);
        var i = Tensor.FromArray(new[] { 1, 2, 3 }, [3]);
        var gen = new Generator(99) { Offset = 12345 };
        var meta = new Dictionary<string, string> { ["step"] = "17" };
        Checkpoint.StoreGenerator(meta, "rng", gen);
        Checkpoint.Save(p, new Dictionary<string, Tensor> { ["w"] = w, ["d"] = d, ["i"] = i }, meta);
        var back = Checkpoint.Load(p);
        Assert.That(back.Tensors["w"].ToArray<float>(), Is.EqualTo(w.ToArray<float>()));
        Assert.That(BitConverter.DoubleToInt64Bits(back.Tensors["d"].ToArray<double>()[1]), Is.EqualTo(BitConverter.DoubleToInt64Bits(-0.0)));
        Assert.That(back.Tensors["i"].DType, Is.EqualTo(TinyGrad.Kernels.DType.Int32));
        Assert.That(back.Metadata["step"], Is.EqualTo("17"));
        var g2 = Checkpoint.RestoreGenerator(back.Metadata, "rng");
        Assert.That((g2.Seed, g2.Offset), Is.EqualTo((99UL, 12345UL)));
        Assert.That(g2.NextDouble(), Is.EqualTo(gen.NextDouble()));
    }

    [Test]
    public void InterruptedWriteLeavesPreviousCheckpointAndNoTemp()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        Checkpoint.Save(p, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray(new float[] { 1, 2 }, [2]) }, new Dictionary<string, string> { ["step"] = "1" });
        byte[] before = File.ReadAllBytes(p);
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(p, s =>
        {
            s.Write(new byte[1000]);
            throw new InvalidOperationException("killed mid-write");
        }));
        Assert.That(File.ReadAllBytes(p), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(Dir), Is.EqualTo(new[] { p }), "no temp file left behind");
        Assert.That(Checkpoint.Load(p).Metadata["step"], Is.EqualTo("1"));
    }

    [Test]
    public void CheckpointSaveFailingInsideSerializationKeepsOldFile()
    {
        string p = Path.Combine(Dir, "ckpt.safetensors");
        Checkpoint.Save(p, new Dictionary<string, Tensor> { ["w"] = Tensor.FromArray(new float[] { 1, 2 }, [2]) }, new Dictionary<string, string>());
        byte[] before = File.ReadAllBytes(p);
        // "__metadata__" cannot name a tensor: the writer throws after opening the temp file.
        Assert.Throws<ArgumentException>(() => Checkpoint.Save(p, new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.FromArray(new float[] { 3 }, [1]) }, new Dictionary<string, string>()));
        Assert.That(File.ReadAllBytes(p), Is.EqualTo(before));
        Assert.That(Directory.GetFiles(Dir), Has.Length.EqualTo(1));
    }

    [Test]
    public void AtomicWriteReplacesExistingFile()
    {
        string p = Path.Combine(Dir, "f.bin");
        File.WriteAllText(p, "old");
        AtomicFile.Write(p, s => s.Write("new"u8));
        Assert.That(File.ReadAllText(p), Is.EqualTo("new"));
        Assert.That(Directory.GetFiles(Dir), Has.Length.EqualTo(1));
    }
}
