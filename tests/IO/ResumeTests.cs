using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.IO;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Tests.IO;

public sealed class ResumeTests
{
    private const int Epochs = 3;

    private static Dataset Data()
    {
        var g = new Generator(5);
        var x = Tensor.Randn([60, 8], g).ToArray<float>();
        var labels = Enumerable.Range(0, 60).Select(i => (x[i * 8] + x[i * 8 + 1] > 0 ? 1 : 0) + (x[i * 8 + 2] > 0.5f ? 1 : 0)).ToArray();
        return Dataset.FromFloats("toy", x, [8], labels, 3, synthetic: true);
    }

    private static Sequential Model(ulong seed)
    {
        var g = new Generator(seed);
        return new Sequential(new Linear(8, 16, generator: g), new Tanh(), new Linear(16, 3, generator: g));
    }

    /// <summary>One epoch of Adam with input noise drawn from <paramref name="noise"/> (so the RNG state matters).</summary>
    private static long TrainEpoch(Sequential model, Adam optimizer, DataLoader loader, Generator noise, long step)
    {
        foreach (var batch in loader)
        {
            optimizer.ZeroGrad();
            var inputs = batch.Inputs + Tensor.Randn(batch.Inputs.Shape.ToArray(), noise) * 0.05;
            Functional.CrossEntropy(model.Forward(inputs), batch.Targets).Backward();
            optimizer.Step();
            step++;
        }
        return step;
    }

    [Test]
    public void KilledAndResumedRunEndsBitwiseEqualToAnUninterruptedOne()
    {
        var data = Data();

        // Uninterrupted.
        var model = Model(1);
        var optimizer = new Adam(model.Parameters(), lr: 0.01);
        var loader = new DataLoader(data, 7, seed: 3);
        var noise = new Generator(9);
        long step = 0;
        for (int e = 0; e < Epochs; e++) step = TrainEpoch(model, optimizer, loader, noise, step);
        var expected = model.ParametersToVector().ToArray<float>();

        // Interrupted: checkpoint after epoch 2, a little more work that is lost with the "kill".
        string dir = Path.Combine(Path.GetTempPath(), "tinygrad-resume-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "run.ckpt");
        try
        {
            {
                var m = Model(1);
                var o = new Adam(m.Parameters(), lr: 0.01);
                var l = new DataLoader(data, 7, seed: 3);
                var n = new Generator(9);
                long s = 0;
                for (int e = 0; e < Epochs - 1; e++) s = TrainEpoch(m, o, l, n, s);
                TrainingCheckpoint.Save(path, m, o, new TrainingState(s, l.Epoch, new Dictionary<string, Generator> { ["noise"] = n }, new Dictionary<string, string> { ["note"] = "toy" }));
                TrainEpoch(m, o, l, n, s); // lost: the process dies before the next checkpoint
            }

            // A fresh process: new objects (even a differently initialised model), restored from disk.
            var resumedModel = Model(77);
            var resumedOptimizer = new Adam(resumedModel.Parameters(), lr: 0.5);
            var state = TrainingCheckpoint.Load(path, resumedModel, resumedOptimizer);
            Assert.That(state.Epoch, Is.EqualTo(Epochs - 1));
            Assert.That(state.Extra["note"], Is.EqualTo("toy"));
            Assert.That(resumedOptimizer.LearningRate, Is.EqualTo(0.01));
            var resumedLoader = new DataLoader(data, 7, seed: 3) { Epoch = state.Epoch };
            long resumedStep = state.Step;
            for (int e = state.Epoch; e < Epochs; e++) resumedStep = TrainEpoch(resumedModel, resumedOptimizer, resumedLoader, state.Generators["noise"], resumedStep);

            Assert.That(resumedStep, Is.EqualTo(step));
            Assert.That(resumedModel.ParametersToVector().ToArray<float>(), Is.EqualTo(expected), "bitwise equal final weights");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void CheckpointOfAnotherModelIsRejectedAndLeavesTheModelUntouched()
    {
        string path = Path.Combine(Path.GetTempPath(), "tinygrad-other-" + Guid.NewGuid().ToString("N") + ".ckpt");
        try
        {
            var small = new Sequential(new Linear(8, 4, generator: new Generator(1)));
            TrainingCheckpoint.Save(path, small, new Adam(small.Parameters()), new TrainingState(0, 0, new Dictionary<string, Generator>(), new Dictionary<string, string>()));
            var other = Model(2);
            var before = other.ParametersToVector().ToArray<float>();
            var ex = Assert.Throws<InvalidDataFileException>(() => TrainingCheckpoint.Load(path, other, new Adam(other.Parameters())));
            Assert.That(ex!.Message, Does.Contain(path).And.Contain("0.weight"));
            Assert.That(other.ParametersToVector().ToArray<float>(), Is.EqualTo(before));
            Assert.Throws<InvalidDataFileException>(() => TrainingCheckpoint.Load(path, small, new Sgd(small.Parameters(), 0.1)));
        }
        finally
        {
            File.Delete(path);
        }
    }
}
