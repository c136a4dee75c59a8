using NUnit.Framework;
using TinyGrad.IO;
using TinyGrad.Kernels;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Nn;

/// <summary>Module.StateDict/LoadStateDict and the one-line Save/Load: bitwise round trips, and strict errors naming key and shapes.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class StateDictTests(string device)
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        Device.Default = TestDevices.Require(device);
        dir = Path.Combine(Path.GetTempPath(), "tinygrad-statedict-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        Device.Default = Device.Cpu;
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    internal static Sequential Cnn(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Conv2d(1, 4, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(4 * 4 * 4, 3, generator: g));
    }

    /// <summary>A few SGD steps on random data, so the weights are not the initial ones.</summary>
    internal static void Train(Module model, int steps, ulong seed = 9)
    {
        var g = new Generator(seed);
        var batches = Enumerable.Range(0, steps).Select(_ => (Tensor.Randn([5, 1, 8, 8], g), Tensor.FromArray(new[] { 0, 1, 2, 1, 0 })));
        Steps(model, new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9), batches);
    }

    /// <summary>One optimizer step per batch of the cross-entropy of <paramref name="model"/>.</summary>
    internal static void Steps(Module model, Optimizer optimizer, IEnumerable<(Tensor X, Tensor Y)> batches)
    {
        foreach (var (x, y) in batches)
        {
            optimizer.ZeroGrad();
            Functional.CrossEntropy(model.Forward(x), y).Backward();
            optimizer.Step();
        }
    }

    private static uint[][] Bits(Module model) =>
        model.Parameters().Select(p => p.ToArray<float>().Select(BitConverter.SingleToUInt32Bits).ToArray()).ToArray();

    [Test]
    public void StateDictNamesEveryParameterAndSharesItsMemory()
    {
        var model = Cnn(1);
        var sd = model.StateDict();
        Assert.That(sd.Keys, Is.EqualTo(new[] { "0.weight", "0.bias", "4.weight", "4.bias" }));
        Assert.That(sd.Values.All(t => !t.RequiresGrad), Is.True, "cut from the tape");
        using (Autograd.NoGrad()) sd["4.bias"].CopyFrom(Tensor.FromArray(new float[] { 1, 2, 3 }));
        Assert.That(((Linear)model[4]).Bias!.ToArray<float>(), Is.EqualTo(new float[] { 1, 2, 3 }), "like torch's state_dict, the tensors are the parameters' memory");
    }

    [Test]
    public void SaveAndLoadRoundTripBitwiseAndPredictIdentically()
    {
        var model = Cnn(1);
        Train(model, 3);
        string path = Path.Combine(dir, "cnn.safetensors");
        model.Save(path, new Dictionary<string, string> { ["note"] = "three steps" });

        var fresh = Cnn(2);
        Assert.That(Bits(fresh), Is.Not.EqualTo(Bits(model)));
        Assert.That(fresh.Load(path), Is.SameAs(fresh));
        Assert.That(Bits(fresh), Is.EqualTo(Bits(model)), "every parameter bit for bit");
        var x = Tensor.Randn([4, 1, 8, 8], new Generator(3));
        using (Autograd.NoGrad())
            Assert.That(fresh.Forward(x).ToArray<float>(), Is.EqualTo(model.Forward(x).ToArray<float>()));
        Assert.That(Checkpoint.Load(path).Metadata["note"], Is.EqualTo("three steps"));

        var inMemory = Cnn(3);
        var keys = inMemory.LoadStateDict(model.StateDict());
        Assert.That(keys.MissingKeys, Is.Empty);
        Assert.That(keys.UnexpectedKeys, Is.Empty);
        Assert.That(Bits(inMemory), Is.EqualTo(Bits(model)));
    }

    [Test]
    public void StrictLoadNamesEveryKeyWithBothShapesAndChangesNothing()
    {
        var model = Cnn(1);
        var sd = new Dictionary<string, Tensor>(Cnn(2).StateDict());
        sd.Remove("0.bias");
        sd["4.weight"] = Tensor.Zeros([3, 10]);
        sd["5.weight"] = Tensor.Zeros([2, 2]);
        var before = Bits(model);
        var ex = Assert.Throws<ArgumentException>(() => model.LoadStateDict(sd));
        Assert.That(ex!.Message, Does.Contain("missing key '0.bias' (the module's parameter has shape [4])"));
        Assert.That(ex.Message, Does.Contain("size mismatch for '4.weight': shape [3, 10] in the state dict, [3, 64] in the module"));
        Assert.That(ex.Message, Does.Contain("unexpected key '5.weight' (shape [2, 2]"));
        Assert.That(Bits(model), Is.EqualTo(before), "nothing copied");

        // Not strict: missing and unexpected keys are reported and the rest loads; a wrong shape still throws.
        sd["4.weight"] = Tensor.Ones([3, 64]);
        var keys = model.LoadStateDict(sd, strict: false);
        Assert.That(keys.MissingKeys, Is.EqualTo(new[] { "0.bias" }));
        Assert.That(keys.UnexpectedKeys, Is.EqualTo(new[] { "5.weight" }));
        Assert.That(((Linear)model[4]).Weight.ToArray<float>(), Is.All.EqualTo(1f));
        sd["0.weight"] = Tensor.Zeros([4, 1, 2, 2]);
        ex = Assert.Throws<ArgumentException>(() => model.LoadStateDict(sd, strict: false));
        Assert.That(ex!.Message, Does.Contain("'0.weight': shape [4, 1, 2, 2] in the state dict, [4, 1, 3, 3] in the module"));
    }

    [Test]
    public void LoadingAnotherModelsFileNamesTheFileKeyAndShapes()
    {
        string path = Path.Combine(dir, "other.safetensors");
        new Sequential(new Linear(8, 3, generator: new Generator(1))).Save(path);
        var model = Cnn(1);
        var before = Bits(model);
        var ex = Assert.Throws<InvalidDataFileException>(() => model.Load(path));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("'0.weight': shape [3, 8] in the state dict, [4, 1, 3, 3] in the module"));
        Assert.That(ex.Message, Does.Contain("missing key '4.bias'"));
        Assert.That(Bits(model), Is.EqualTo(before));
    }

    [Test]
    public void CorruptSavedWeightsFailTheirChecksum()
    {
        string path = Path.Combine(dir, "cnn.safetensors");
        Cnn(1).Save(path);
        var bytes = File.ReadAllBytes(path);
        bytes[^3] ^= 0x40;
        File.WriteAllBytes(path, bytes);
        var ex = Assert.Throws<InvalidDataFileException>(() => Cnn(2).Load(path));
        Assert.That(ex!.Message, Does.Contain("CRC-32").And.Contain("'4.weight'"), "the last tensor in the file");
    }

    [Test]
    public void ValuesAreConvertedToTheParametersDType()
    {
        var model = Cnn(1);
        var wide = model.StateDict().ToDictionary(kv => kv.Key, kv => kv.Value.To(DType.Float64) + 0.5);
        var target = Cnn(2);
        target.LoadStateDict(wide);
        Assert.That(target.Parameters().All(p => p.DType == DType.Float32), Is.True);
        Assert.That(((Linear)target[4]).Bias!.ToArray<float>(), Is.EqualTo(((Linear)model[4]).Bias!.ToArray<float>().Select(v => (float)(v + 0.5))));
        var ex = Assert.Throws<ArgumentException>(() => target.LoadStateDict(new Dictionary<string, Tensor>(wide) { ["4.bias"] = Tensor.FromArray(new[] { 1, 2, 3 }) }));
        Assert.That(ex!.Message, Does.Contain("dtype mismatch for '4.bias': Int32"));
    }
}
