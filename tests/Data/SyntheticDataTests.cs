using System.Diagnostics;
using System.Security.Cryptography;
using NUnit.Framework;
using TinyGrad.Data;

namespace TinyGrad.Tests.Data;

public sealed class SyntheticDataTests
{
    private static string Hash(Dataset d)
    {
        var (x, y) = d.ToTensors();
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(x.ToArray<float>().AsSpan()));
        sha.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(y.ToArray<int>().AsSpan()));
        return Convert.ToHexString(sha.GetHashAndReset());
    }

    [Test]
    public void DigitsAreDeterministicPerSeedAndMarkedSynthetic()
    {
        var a = SyntheticDigits.Generate(500, 7, train: true);
        var b = SyntheticDigits.Generate(500, 7, train: true);
        var c = SyntheticDigits.Generate(500, 8, train: true);
        var t = SyntheticDigits.Generate(500, 7, train: false);
        Assert.That(Hash(a), Is.EqualTo(Hash(b)));
        Assert.That(Hash(a), Is.Not.EqualTo(Hash(c)));
        Assert.That(Hash(a), Is.Not.EqualTo(Hash(t)), "test split uses another stream");
        Assert.That(a.IsSynthetic, Is.True);
        Assert.That(a.Name, Does.Contain("synthetic"));
        Assert.That(a.SampleShape.ToArray(), Is.EqualTo(new[] { 1, 28, 28 }));
        Assert.That(a.Labels.ToArray(), Is.All.InRange(0, 9));
        Assert.That(a.Labels.ToArray().Distinct().Count(), Is.EqualTo(10));
    }

    [Test]
    public void DigitsHaveInkAndClassStructure()
    {
        var d = SyntheticDigits.Generate(2000, 1, train: true);
        var buf = new float[784];
        var mean = new double[10, 784];
        var n = new int[10];
        for (int i = 0; i < d.Count; i++)
        {
            d.CopySample(i, buf);
            int l = d.Labels[i];
            n[l]++;
            double ink = 0;
            for (int k = 0; k < 784; k++)
            {
                mean[l, k] += buf[k];
                ink += buf[k];
            }
            Assert.That(ink, Is.GreaterThan(15), $"image {i} has strokes");
        }
        // Class means differ: the nearest-mean classifier on the training images beats chance by far.
        int correct = 0;
        for (int i = 0; i < d.Count; i++)
        {
            d.CopySample(i, buf);
            int best = -1;
            double bestD = double.MaxValue;
            for (int c = 0; c < 10; c++)
            {
                double dist = 0;
                for (int k = 0; k < 784; k++)
                {
                    double diff = buf[k] - mean[c, k] / n[c];
                    dist += diff * diff;
                }
                if (dist < bestD) (bestD, best) = (dist, c);
            }
            if (best == d.Labels[i]) correct++;
        }
        Assert.That(correct / (double)d.Count, Is.GreaterThan(0.3).And.LessThan(0.97));
    }

    [Test]
    public void CifarIsDeterministicWithShapesAndLabels()
    {
        var a = SyntheticCifar.Generate(300, 3, train: true);
        var b = SyntheticCifar.Generate(300, 3, train: true);
        Assert.That(Hash(a), Is.EqualTo(Hash(b)));
        Assert.That(Hash(a), Is.Not.EqualTo(Hash(SyntheticCifar.Generate(300, 3, train: false))));
        Assert.That(a.IsSynthetic, Is.True);
        Assert.That(a.Name, Does.Contain("synthetic"));
        Assert.That(a.SampleShape.ToArray(), Is.EqualTo(new[] { 3, 32, 32 }));
        Assert.That(a.Labels.ToArray(), Is.All.InRange(0, 9));
        Assert.That(a.Labels.ToArray().Distinct().Count(), Is.EqualTo(10));
    }

    [Test]
    public void FullSizeSetsGenerate()
    {
        // Logged, not asserted: speed is measured in bench/, never in unit tests.
        var sw = Stopwatch.StartNew();
        var train = SyntheticDigits.Train(0);
        var test = SyntheticDigits.Test(0);
        double digits = sw.Elapsed.TotalSeconds;
        sw.Restart();
        var ctrain = SyntheticCifar.Train(0);
        var ctest = SyntheticCifar.Test(0);
        TestContext.Out.WriteLine($"synthetic digits 70k: {digits:F2} s; synthetic CIFAR 60k: {sw.Elapsed.TotalSeconds:F2} s");
        Assert.That((train.Count, test.Count, ctrain.Count, ctest.Count), Is.EqualTo((60_000, 10_000, 50_000, 10_000)));
    }

    [Test]
    public void TargetFunctionsSampleOnTheirInterval()
    {
        Assert.That(TargetFunctions.All, Has.Count.EqualTo(6));
        foreach (var f in TargetFunctions.All)
        {
            var grid = TargetFunctions.Sample(f, 101);
            Assert.That(grid.IsSynthetic, Is.True);
            Assert.That(grid.Name, Does.Contain("synthetic"));
            var (x, y) = grid.ToTensors();
            Assert.That(x.Shape.ToArray(), Is.EqualTo(new[] { 101, 1 }));
            float[] xs = x.ToArray<float>(), ys = y.ToArray<float>();
            Assert.That(xs[0], Is.EqualTo((float)f.Low));
            Assert.That(xs[100], Is.EqualTo((float)f.High));
            Assert.That(ys[50], Is.EqualTo((float)f.Evaluate(xs[50])).Within(1e-5));
            var r1 = TargetFunctions.Sample(f, 50, seed: 4).ToTensors().Inputs.ToArray<float>();
            var r2 = TargetFunctions.Sample(f, 50, seed: 4).ToTensors().Inputs.ToArray<float>();
            Assert.That(r1, Is.EqualTo(r2));
            Assert.That(r1, Is.All.InRange((float)f.Low, (float)f.High));
        }
        Assert.That(TargetFunctions.Weierstrass.Evaluate(0), Is.EqualTo(2 - Math.Pow(0.5, 10)).Within(1e-12));
        Assert.That(TargetFunctions.SinPlusCosSquare.Evaluate(1), Is.EqualTo(Math.Sin(1) + Math.Cos(1)).Within(1e-12));
        Assert.That(TargetFunctions.ByName("half_sine").Evaluate(0.5), Is.EqualTo(1).Within(1e-12));
    }
}
