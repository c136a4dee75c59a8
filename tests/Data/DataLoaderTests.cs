using NUnit.Framework;
using TinyGrad.Data;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Data;

public sealed class DataLoaderTests
{
    private static Dataset Small(int n = 103)
    {
        var px = new byte[n * 2 * 2 * 2];
        for (int i = 0; i < px.Length; i++) px[i] = (byte)(i * 37);
        var labels = Enumerable.Range(0, n).Select(i => i % 10).ToArray();
        return Dataset.FromBytes("tiny", px, [2, 2, 2], labels, 10, synthetic: true);
    }

    [Test]
    public void ShufflingIsDeterministicPerSeedAndEpoch()
    {
        var d = Small();
        var a = new DataLoader(d, 10, seed: 5);
        var b = new DataLoader(d, 10, seed: 5);
        var c = new DataLoader(d, 10, seed: 6);
        Assert.That(a.Order(0), Is.EqualTo(b.Order(0)));
        Assert.That(a.Order(0), Is.Not.EqualTo(a.Order(1)));
        Assert.That(a.Order(0), Is.Not.EqualTo(c.Order(0)));
        Assert.That(a.Order(3).OrderBy(i => i), Is.EqualTo(Enumerable.Range(0, d.Count)));
        var e0 = a.SelectMany(x => x.Indices).ToArray();
        var e1 = a.SelectMany(x => x.Indices).ToArray();
        Assert.That(e0, Is.EqualTo(b.Order(0)));
        Assert.That(e1, Is.EqualTo(b.Order(1)));
        Assert.That(a.Epoch, Is.EqualTo(2));
        b.Epoch = 1; // resuming at epoch 1 gives the same batches
        Assert.That(b.First().Indices, Is.EqualTo(e1[..10]));
        Assert.That(new DataLoader(d, 10, shuffle: false).Order(4), Is.EqualTo(Enumerable.Range(0, d.Count)));
    }

    [TestCase(LastBatch.Keep, 11, 3)]
    [TestCase(LastBatch.Drop, 10, 10)]
    public void LastBatchPolicy(LastBatch policy, int batches, int lastSize)
    {
        var loader = new DataLoader(Small(), 10, lastBatch: policy);
        var list = loader.ToList();
        Assert.That(list, Has.Count.EqualTo(batches));
        Assert.That(loader.BatchCount, Is.EqualTo(batches));
        Assert.That(list[^1].Inputs.Shape.ToArray(), Is.EqualTo(new[] { lastSize, 2, 2, 2 }));
        Assert.That(list[^1].Targets.Shape.ToArray(), Is.EqualTo(new[] { lastSize }));
        Assert.That(list[0].Inputs.DType, Is.EqualTo(DType.Float32));
        Assert.That(list[0].Targets.DType, Is.EqualTo(DType.Int32));
    }

    [Test]
    public void BatchesCarryTheRightSamplesNormalizedAndFlattened()
    {
        var d = Small();
        var norm = new Normalization([0.5f, 0.25f], [2f, 0.5f]);
        var loader = new DataLoader(d, 7, seed: 1, normalization: norm, flatten: true, device: Device.Cpu);
        var batch = loader.First();
        Assert.That(batch.Inputs.Shape.ToArray(), Is.EqualTo(new[] { 7, 8 }));
        Assert.That(batch.Inputs.Device, Is.SameAs(Device.Cpu));
        var x = batch.Inputs.ToArray<float>();
        var y = batch.Targets.ToArray<int>();
        var raw = new float[8];
        for (int k = 0; k < 7; k++)
        {
            int i = batch.Indices[k];
            d.CopySample(i, raw);
            Assert.That(y[k], Is.EqualTo(d.Labels[i]));
            Assert.That(x[k * 8 + 1], Is.EqualTo((raw[1] - 0.5f) / 2f).Within(1e-6));
            Assert.That(x[k * 8 + 6], Is.EqualTo((raw[6] - 0.25f) / 0.5f).Within(1e-6));
        }
    }

    [Test]
    public void ComputedNormalizationGivesZeroMeanUnitStd()
    {
        var d = SyntheticCifar.Generate(200, 1, train: true);
        var norm = Normalization.Compute(d);
        var (x, _) = new DataLoader(d, 200, shuffle: false, normalization: norm).First() is var b ? (b.Inputs, b.Targets) : default;
        var v = x.ToArray<float>();
        for (int c = 0; c < 3; c++)
        {
            double s = 0, q = 0;
            int cnt = 0;
            for (int i = 0; i < 200; i++)
                for (int k = 0; k < 1024; k++)
                {
                    double e = v[i * 3072 + c * 1024 + k];
                    s += e; q += e * e; cnt++;
                }
            Assert.That(s / cnt, Is.EqualTo(0).Within(1e-3));
            Assert.That(Math.Sqrt(q / cnt), Is.EqualTo(1).Within(1e-3));
        }
    }

    [TestCase(LabelCorruption.Uniform)]
    [TestCase(LabelCorruption.UniformOther)]
    [TestCase(LabelCorruption.Shuffle)]
    public void LabelCorruptionFractionIsExact(LabelCorruption mode)
    {
        var d = SyntheticDigits.Generate(1000, 2, train: true);
        var c = d.WithCorruptedLabels(0.3, 9, mode, out int[] chosen);
        var again = d.WithCorruptedLabels(0.3, 9, mode, out _);
        Assert.That(chosen, Has.Length.EqualTo(300));
        Assert.That(chosen.Distinct().Count(), Is.EqualTo(300));
        Assert.That(c.Labels.ToArray(), Is.EqualTo(again.Labels.ToArray()), "seeded");
        Assert.That(c.Labels.ToArray(), Is.All.InRange(0, 9));
        var set = chosen.ToHashSet();
        int changed = 0;
        for (int i = 0; i < d.Count; i++)
        {
            if (!set.Contains(i)) Assert.That(c.Labels[i], Is.EqualTo(d.Labels[i]), "unchosen labels stay");
            else if (c.Labels[i] != d.Labels[i]) changed++;
        }
        if (mode == LabelCorruption.UniformOther) Assert.That(changed, Is.EqualTo(300));
        else Assert.That(changed, Is.InRange(200, 300));
        if (mode == LabelCorruption.Shuffle)
            Assert.That(chosen.Select(i => c.Labels[i]).OrderBy(l => l), Is.EqualTo(chosen.Select(i => d.Labels[i]).OrderBy(l => l)), "histogram kept");
        // Pixels are shared, not copied.
        var p1 = new float[784];
        var p2 = new float[784];
        d.CopySample(5, p1);
        c.CopySample(5, p2);
        Assert.That(p2, Is.EqualTo(p1));
    }

    [Test]
    public void SplitIsSeededDisjointAndComplete()
    {
        var d = Small(100);
        var (tr, te) = d.Split(0.8, 3);
        Assert.That((tr.Count, te.Count), Is.EqualTo((80, 20)));
        var (tr2, _) = d.Split(0.8, 3);
        Assert.That(tr.Labels.ToArray(), Is.EqualTo(tr2.Labels.ToArray()));
        var all = new List<float>();
        var buf = new float[8];
        foreach (var part in new[] { tr, te })
            for (int i = 0; i < part.Count; i++)
            {
                part.CopySample(i, buf);
                all.Add(buf[0]);
            }
        Assert.That(all, Has.Count.EqualTo(100));
    }

    [Test]
    public void RegressionBatchesHaveFloatTargets()
    {
        var d = TargetFunctions.Sample(TargetFunctions.HalfSine, 25);
        var b = new DataLoader(d, 8, seed: 2).First();
        Assert.That(b.Inputs.Shape.ToArray(), Is.EqualTo(new[] { 8, 1 }));
        Assert.That(b.Targets.Shape.ToArray(), Is.EqualTo(new[] { 8, 1 }));
        Assert.That(b.Targets.DType, Is.EqualTo(DType.Float32));
        var x = b.Inputs.ToArray<float>();
        var y = b.Targets.ToArray<float>();
        for (int i = 0; i < 8; i++) Assert.That(y[i], Is.EqualTo(Math.Sin(Math.PI * x[i])).Within(1e-5));
    }
}
