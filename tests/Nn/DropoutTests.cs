using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Nn;

namespace TinyGrad.Tests.Nn;

/// <summary>Dropout: what training and evaluation mode mean for a model.</summary>
public sealed class DropoutTests
{
    [Test]
    public void TrainingDropsAboutPAndScalesTheRest()
    {
        var x = Tensor.Ones([10_000], DType.Float64);
        x.RequiresGrad = true;
        var y = new Dropout(0.25, new Generator(7)).Forward(x);
        double[] values = y.ToArray<double>();
        int dropped = values.Count(v => v == 0);
        Assert.That(values.All(v => v == 0 || v == 1 / 0.75), Is.True, "kept elements are scaled by 1 / (1 - p)");
        // Binomial(10000, 0.25): mean 2500, standard deviation 43.
        Assert.That(dropped, Is.InRange(2500 - 200, 2500 + 200));
        y.Sum().Backward();
        Assert.That(x.Grad!.ToArray<double>(), Is.EqualTo(values), "the gradient passes the kept elements, scaled alike");
    }

    [Test]
    public void SameGeneratorSeedDropsTheSameElements()
    {
        var x = Tensor.Ones([500]);
        var a = new Dropout(0.5, new Generator(3)).Forward(x).ToArray<float>();
        var b = new Dropout(0.5, new Generator(3)).Forward(x).ToArray<float>();
        var c = new Dropout(0.5, new Generator(4)).Forward(x).ToArray<float>();
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
    }

    [Test]
    public void EvalModeIsTheIdentityAndTrainModeDropsAgain()
    {
        var model = new Sequential(new Linear(4, 4, generator: new Generator(0)), new Dropout(0.9, new Generator(1)));
        var x = Tensor.Randn([8, 4], new Generator(2));
        var linear = ((Linear)model[0]).Forward(x).ToArray<float>();
        model.Eval();
        Assert.That(model.Forward(x).ToArray<float>(), Is.EqualTo(linear));
        model.Train();
        Assert.That(model.Forward(x).ToArray<float>().Count(v => v == 0), Is.GreaterThan(16), "p = 0.9 drops most of 32 outputs");
    }

    [Test]
    public void ProbabilityOutsideZeroToOneIsRejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(-0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Dropout(1.5));
        Assert.That(new Dropout(1).Forward(Tensor.Ones([3])).ToArray<float>(), Is.EqualTo(new float[3]));
        Assert.That(new Dropout(0.2).ToString(), Is.EqualTo("Dropout(p=0.2)"));
    }
}
