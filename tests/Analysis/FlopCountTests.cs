using NUnit.Framework;
using TinyGrad.Analysis;
using TinyGrad.Nn;

namespace TinyGrad.Tests.Analysis;

public sealed class FlopCountTests
{
    [Test]
    public void SmallCnnStepIsCountedAsByHand()
    {
        var g = new Generator(1);
        var model = new Sequential(new Conv2d(1, 2, 3, padding: 1, generator: g), new ReLU(), new MaxPool2d(2), new Flatten(), new Linear(8, 3, generator: g));
        var flops = FlopCount.TrainingStep(model, [2, 1, 4, 4]);
        // Conv: 2 x 2 x 4 x 4 = 64 outputs of 9 multiply-adds each (576 MACs), + 64 bias adds;
        // backward: weight gradient (1152) + bias gradient (64), no input gradient (the data).
        // ReLU: 64 / 64. Max-pool 2x2: 16 windows x 3 comparisons / 16 scattered adds.
        // Linear 8 -> 3 on 2 rows: 48 MACs + 6 bias; backward: weight 96 + bias 6 + input 96.
        Assert.That(flops.Forward, Is.EqualTo(1152 + 64 + 64 + 48 + 96 + 6));
        Assert.That(flops.Backward, Is.EqualTo(1152 + 64 + 64 + 16 + 96 + 6 + 96));
        // Parameters: 2 x 1 x 3 x 3 + 2 and 8 x 3 + 3 = 47, at Adam's 12 FLOPs each.
        Assert.That(flops.Update, Is.EqualTo(47 * 12));
        Assert.That(flops.Total, Is.EqualTo(1430 + 1494 + 564));
    }

    [Test]
    public void TheFirstLayerComputesNoInputGradientButLaterOnesDo()
    {
        var g = new Generator(2);
        var one = FlopCount.TrainingStep(new Linear(5, 4, generator: g), [3, 5], updatePerParameter: 0);
        Assert.That(one, Is.EqualTo(new StepFlops(2 * 60 + 12, 2 * 60 + 12, 0)));
        var two = FlopCount.TrainingStep(new Sequential(new Linear(5, 4, generator: g), new Tanh(), new Linear(4, 2, bias: false, generator: g)), [3, 5], updatePerParameter: 0);
        // Second layer: 24 MACs, no bias; backward weight 48 + input 48. Tanh: 12 / 12.
        Assert.That(two, Is.EqualTo(new StepFlops(132 + 12 + 48, 132 + 12 + 96, 0)));
    }

    [Test]
    public void LossesAreCountedPerElement()
    {
        Assert.That(FlopCount.CrossEntropy(2, 3), Is.EqualTo(new StepFlops(6 * 6 + 2, 3 * 6, 0)));
        Assert.That(FlopCount.MseLoss(10), Is.EqualTo(new StepFlops(30, 20, 0)));
    }

    [Test]
    public void AModuleWithoutARuleIsAnErrorNamingIt()
    {
        var ex = Assert.Throws<NotSupportedException>(() => FlopCount.TrainingStep(new Sequential(new Softsign()), [1, 2]));
        Assert.That(ex!.Message, Does.Contain("Softsign"));
    }

    private sealed class Softsign : Module
    {
        public override Tensor Forward(Tensor input) => input / (input.Abs() + 1);
    }
}
