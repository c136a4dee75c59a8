using NUnit.Framework;
using TinyGrad.IO;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.IO;

/// <summary>
/// The tensor readers (Npy.ReadTensor, Npz.ReadTensors, SafeTensors.ReadTensors, Checkpoint.Load) read each
/// payload straight into the tensor on every device: straight into the buffer on cpu, through a 1 MiB
/// staging chunk elsewhere and for converted dtypes, so arrays of several chunks are used here.
/// </summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class TensorReaderTests(string device)
{
    private const int Large = 700_000; // 2.8 MB of float32, 5.6 MB of int64: several staging chunks
    private Device target = Device.Cpu;
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        target = TestDevices.Require(device);
        dir = TestFiles.NewDir();
    }

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(dir)) Directory.Delete(dir, true);
    }

    private static float[] Floats(int n) => [.. Enumerable.Range(0, n).Select(i => (float)Math.Sin(i) * i)];

    private static Dictionary<string, HostArray> Arrays() => new()
    {
        ["f32"] = HostArray.Create(Floats(Large), 700, 1000),
        ["f64"] = HostArray.Create([.. Enumerable.Range(0, 300_001).Select(i => Math.Cos(i) / (i + 1))], 300_001),
        ["i32"] = HostArray.Create([.. Enumerable.Range(0, 5).Select(i => int.MaxValue - i)], 5),
        ["i64"] = HostArray.Create([.. Enumerable.Range(0, Large).Select(i => (long)(i - Large / 2))], Large),
        ["u8"] = HostArray.Create([.. Enumerable.Range(0, 300).Select(i => (byte)i)], 3, 100),
        ["empty"] = HostArray.Create(Array.Empty<float>(), 0, 4),
    };

    private void AssertHolds(Tensor t, HostArray expected)
    {
        Assert.That(t.Device, Is.EqualTo(target));
        Assert.That(t.Shape.ToArray(), Is.EqualTo(expected.Shape.ToArray()));
        var reference = expected.ToTensor(Device.Cpu);
        Assert.That(t.DType, Is.EqualTo(reference.DType));
        switch (t.DType)
        {
            case DType.Float32: Assert.That(t.ToArray<float>(), Is.EqualTo(reference.ToArray<float>())); break;
            case DType.Float64: Assert.That(t.ToArray<double>(), Is.EqualTo(reference.ToArray<double>())); break;
            default: Assert.That(t.ToArray<int>(), Is.EqualTo(reference.ToArray<int>())); break;
        }
    }

    [Test]
    public void EveryFormatReadsEveryDTypeOntoTheDevice()
    {
        var arrays = Arrays();
        foreach (var (name, a) in arrays)
        {
            string npy = Path.Combine(dir, name + ".npy");
            Npy.Write(npy, a);
            AssertHolds(Npy.ReadTensor(npy, target), a);
        }
        foreach (bool compress in new[] { false, true })
        {
            string npz = Path.Combine(dir, $"all-{compress}.npz");
            Npz.Write(npz, arrays, compress);
            var read = Npz.ReadTensors(npz, target);
            foreach (var (name, a) in arrays) AssertHolds(read[name], a);
        }
        string st = Path.Combine(dir, "all.safetensors");
        SafeTensors.Write(st, arrays);
        var tensors = SafeTensors.ReadTensors(st, target);
        foreach (var (name, a) in arrays) AssertHolds(tensors[name], a);
    }

    [Test]
    public void CheckpointsLoadOntoTheDeviceAndCatchCorruptionInAnyChunk()
    {
        string path = Path.Combine(dir, "c.safetensors");
        var w = Tensor.FromArray(Floats(Large), [Large]);
        Checkpoint.Save(path, new Dictionary<string, Tensor> { ["w"] = w, ["b"] = Tensor.FromArray(new double[] { 1, 2 }) });
        var loaded = Checkpoint.Load(path, target);
        Assert.That(loaded.Tensors["w"].Device, Is.EqualTo(target));
        Assert.That(loaded.Tensors["w"].ToArray<float>(), Is.EqualTo(w.ToArray<float>()));
        var bytes = File.ReadAllBytes(path);
        bytes[^100] ^= 1; // in the last chunk of "w", the last tensor in the file
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataFileException>(() => Checkpoint.Load(path, target));
        Assert.That(ex!.Message, Does.Contain("tensor 'w'").And.Contain("CRC-32"));
    }

    [Test]
    public void Int64BeyondInt32IsNamedByItsElementIndex()
    {
        var values = new long[Large];
        values[Large - 3] = 1L << 40; // past the first staging chunk
        string path = Path.Combine(dir, "big.npy");
        Npy.Write(path, HostArray.Create(values, Large));
        var ex = Assert.Throws<InvalidDataFileException>(() => Npy.ReadTensor(path, target));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain($"element {Large - 3} = {1L << 40}"));
    }
}
