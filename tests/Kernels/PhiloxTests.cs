using NUnit.Framework;
using TinyGrad.Kernels;

namespace TinyGrad.Tests.Kernels;

public sealed class PhiloxTests
{
    // Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors).
    [Test]
    public void ZeroKeyZeroCounterMatchesRandom123()
    {
        var (x0, x1, x2, x3) = Philox.Block(0, 0);
        Assert.That(new[] { x0, x1, x2, x3 }, Is.EqualTo(new uint[] { 0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8 }));
    }

    [Test]
    public void UniformStaysInUnitInterval()
    {
        for (ulong i = 0; i < 10_000; i++)
        {
            float f = Philox.UniformSingle(7, i);
            double d = Philox.UniformDouble(7, i);
            Assert.That(f, Is.GreaterThanOrEqualTo(0f).And.LessThan(1f));
            Assert.That(d, Is.GreaterThanOrEqualTo(0.0).And.LessThan(1.0));
        }
    }

    [Test]
    public void NormalHasUnitMoments()
    {
        const int n = 200_000;
        double sum = 0, sq = 0;
        for (ulong i = 0; i < n; i++)
        {
            double z = Philox.Normal(11, i);
            sum += z;
            sq += z * z;
        }
        double mean = sum / n, variance = sq / n - mean * mean;
        Assert.That(mean, Is.EqualTo(0).Within(0.01));
        Assert.That(variance, Is.EqualTo(1).Within(0.01));
    }
}
