using NUnit.Framework;
using TinyGrad.IO;
using TinyGrad.Kernels;
using TinyGrad.Nn;
using TinyGrad.Optim;
using TinyGrad.Tests.Nn;

namespace TinyGrad.Tests.Optim;

/// <summary>Optimizer.StateDict/LoadStateDict: training resumes bit for bit from files; a state of another optimizer is refused.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class OptimizerStateDictTests(string device)
{
    private string dir = "";

    [SetUp]
    public void SetUp()
    {
        Device.Default = TestDevices.Require(device);
        dir = Path.Combine(Path.GetTempPath(), "tinygrad-optstate-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void TearDown()
    {
        Device.Default = Device.Cpu;
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
    }

    public static IEnumerable<string> Optimizers => ["sgd", "sgd_nesterov", "adam", "adamw"];

    private static Optimizer Make(string kind, Module model, double lr) => kind switch
    {
        "sgd" => new Sgd(model.Parameters(), lr, momentum: 0.9, dampening: 0.1, weightDecay: 1e-3),
        "sgd_nesterov" => new Sgd(model.Parameters(), lr, momentum: 0.8, weightDecay: 1e-3, nesterov: true),
        "adam" => new Adam(model.Parameters(), lr, weightDecay: 1e-2),
        _ => new AdamW(model.Parameters(), lr),
    };

    private static (Tensor X, Tensor Y)[] Batches(int count)
    {
        var g = new Generator(21);
        return [.. Enumerable.Range(0, count).Select(i => (Tensor.Randn([5, 1, 8, 8], g), Tensor.FromArray(new[] { i % 3, 1, 2, 0, (i + 1) % 3 })))];
    }

    private static uint[] Bits(Module model) => [.. model.ParametersToVector().ToArray<float>().Select(BitConverter.SingleToUInt32Bits)];

    [TestCaseSource(nameof(Optimizers))]
    public void TrainingResumedFromFilesIsBitwiseEqualToAnUninterruptedRun(string kind)
    {
        const int k = 3, m = 4;
        var batches = Batches(k + m);
        var model = StateDictTests.Cnn(1);
        var optimizer = Make(kind, model, 0.05);
        StateDictTests.Steps(model, optimizer, batches);
        var expected = Bits(model);

        var first = StateDictTests.Cnn(1);
        var firstOptimizer = Make(kind, first, 0.05);
        StateDictTests.Steps(first, firstOptimizer, batches.Take(k));
        string modelPath = Path.Combine(dir, "model.safetensors"), optimizerPath = Path.Combine(dir, "optimizer.safetensors");
        first.Save(modelPath);
        var saved = firstOptimizer.StateDict();
        Checkpoint.Save(optimizerPath, saved.Tensors, saved.Values);

        // Fresh objects: another initialisation and another learning rate, both restored from the files.
        var resumed = StateDictTests.Cnn(5);
        var resumedOptimizer = Make(kind, resumed, 0.7);
        resumed.Load(modelPath);
        var data = Checkpoint.Load(optimizerPath);
        resumedOptimizer.LoadStateDict(new OptimizerStateDict(data.Tensors, data.Metadata));
        Assert.That(resumedOptimizer.LearningRate, Is.EqualTo(0.05));
        Assert.That(resumedOptimizer.StepCount, Is.EqualTo(k));
        Assert.That(resumedOptimizer.ParameterStep(0), Is.EqualTo(k));
        StateDictTests.Steps(resumed, resumedOptimizer, batches.Skip(k));
        Assert.That(Bits(resumed), Is.EqualTo(expected), "bitwise equal final weights");
    }

    [Test]
    public void StateDictHoldsTheLiveStateAndTheSettings()
    {
        var model = StateDictTests.Cnn(1);
        var optimizer = new Adam(model.Parameters(), lr: 0.01, beta1: 0.8);
        StateDictTests.Steps(model, optimizer, Batches(2));
        var sd = optimizer.StateDict();
        Assert.That(sd.Tensors.Keys, Is.EquivalentTo(new[] { "0.exp_avg", "0.exp_avg_sq", "1.exp_avg", "1.exp_avg_sq", "2.exp_avg", "2.exp_avg_sq", "3.exp_avg", "3.exp_avg_sq" }));
        Assert.That(sd.Tensors["2.exp_avg"].ToArray<float>(), Is.EqualTo(optimizer.State(2)["exp_avg"].ToArray<float>()));
        Assert.That((sd.Values["type"], sd.Values["lr"], sd.Values["beta1"], sd.Values["step_count"], sd.Values["3.step"]), Is.EqualTo(("Adam", "0.01", "0.8", "2", "2")));
    }

    [Test]
    public void AStateOfAnotherOptimizerIsRefusedNamingWhatDiffersAndChangesNothing()
    {
        var model = StateDictTests.Cnn(1);
        var source = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.9);
        StateDictTests.Steps(model, source, Batches(1));
        var sd = source.StateDict();

        var otherMomentum = new Sgd(model.Parameters(), lr: 0.1, momentum: 0.5);
        var ex = Assert.Throws<ArgumentException>(() => otherMomentum.LoadStateDict(sd));
        Assert.That(ex!.Message, Does.Contain("'momentum' is 0.9 in the state dict but 0.5 in this optimizer"));
        Assert.That(otherMomentum.State(0), Is.Empty, "nothing loaded");

        ex = Assert.Throws<ArgumentException>(() => new Adam(model.Parameters()).LoadStateDict(sd));
        Assert.That(ex!.Message, Does.Contain("the state dict is of Sgd, this optimizer is Adam"));

        var smaller = new Sequential(new Linear(64, 3, generator: new Generator(1)));
        ex = Assert.Throws<ArgumentException>(() => new Sgd(smaller.Parameters(), lr: 0.1, momentum: 0.9).LoadStateDict(sd));
        Assert.That(ex!.Message, Does.Contain("the state dict is for 4 parameters, this optimizer has 2"));
        Assert.That(ex.Message, Does.Contain("state '0.momentum_buffer' has shape [4, 1, 3, 3], parameter 0 has shape [3, 64]"));
    }

    [Test]
    public void TrainingCheckpointLoadsTheModelAloneForInference()
    {
        var model = StateDictTests.Cnn(1);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        StateDictTests.Steps(model, optimizer, Batches(2));
        string path = Path.Combine(dir, "run.ckpt");
        TrainingCheckpoint.Save(path, model, optimizer, new TrainingState(2, 0, new Dictionary<string, Generator>(), new Dictionary<string, string>()));
        var inference = StateDictTests.Cnn(7);
        TrainingCheckpoint.LoadModel(path, inference);
        Assert.That(Bits(inference), Is.EqualTo(Bits(model)));
        var ex = Assert.Throws<InvalidDataFileException>(() => TrainingCheckpoint.LoadModel(path, new Sequential(new Linear(2, 2))));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("size mismatch for '0.weight': shape [4, 1, 3, 3] in the state dict, [2, 2] in the module"));
    }
}
