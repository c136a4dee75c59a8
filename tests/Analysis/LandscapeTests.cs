using NUnit.Framework;
using TinyGrad.Analysis;
using TinyGrad.Kernels;
using static TinyGrad.Tests.Analysis.AnalysisFixtures;

namespace TinyGrad.Tests.Analysis;

public sealed class LandscapeTests
{
    [Test]
    public void SensitivityOfALinearModelIsTheFrobeniusNormOfItsWeights()
    {
        var g = new Generator(11);
        var w = Tensor.Randn([4, 6], g, DType.Float64);
        var b = Tensor.Randn([4], g, DType.Float64);
        var x = Tensor.Randn([9, 6], g, DType.Float64);
        double expected = Math.Sqrt(w.ToArray<double>().Sum(v => v * v));
        var perSample = Sensitivity.PerSampleJacobianNorms(input => input.MatMul(w.T) + b, x);
        Assert.That(perSample, Has.Length.EqualTo(9));
        foreach (double s in perSample) Assert.That(s, Is.EqualTo(expected).Within(1e-12));
        Assert.That(Sensitivity.JacobianNorm(input => input.MatMul(w.T) + b, x), Is.EqualTo(expected).Within(1e-12));
    }

    [Test]
    public void LossGradientNormMatchesHandDerivative()
    {
        var x = Tensor.FromArray(new[] { 1.0, -2, 3 }, [1, 3]);
        // L = sum(x²) -> dL/dx = 2x, norm = 2 ||x||.
        double norm = Sensitivity.LossGradientNorm(input => (input * input).Sum(), x);
        Assert.That(norm, Is.EqualTo(2 * Math.Sqrt(14)).Within(1e-12));
    }

    [Test]
    public void InterpolationEndpointsReproduceEachModel()
    {
        var (loss, ps) = Mlp(3);
        var thetaA = ParameterVector.Flatten(ps);
        double lossA = loss().Item();
        var (_, other) = Mlp(9);
        var thetaB = ParameterVector.Flatten(other);
        ParameterVector.Assign(ps, thetaB);
        double lossB = loss().Item();
        ParameterVector.Assign(ps, thetaA);
        var points = LossSurface.Interpolate(ps, thetaA, thetaB, [-1, 0, 0.5, 1, 2], () => (loss().Item(), 0));
        Assert.That(points[1].Loss, Is.EqualTo(lossA).Within(1e-12));
        Assert.That(points[3].Loss, Is.EqualTo(lossB).Within(1e-12));
        Assert.That(points[2].Loss, Is.Not.EqualTo(lossA));
        Assert.That(ParameterVector.Flatten(ps).ToArray<double>(), Is.EqualTo(thetaA.ToArray<double>()), "parameters restored");
    }

    [Test]
    public void FilterNormalizedDirectionMatchesFilterNorms()
    {
        var (_, ps) = Mlp();
        var d = LossSurface.FilterNormalizedDirection(ps, new Generator(2));
        var parts = ParameterVector.Split(d, ps);
        for (int i = 0; i < ps.Length; i++)
        {
            if (ps[i].Rank == 1)
            {
                Assert.That(parts[i].ToArray<double>().All(v => v == 0), Is.True);
                continue;
            }
            for (int f = 0; f < ps[i].Size(0); f++)
            {
                double wNorm = Math.Sqrt(ps[i].Select(0, f).ToArray<double>().Sum(v => v * v));
                double dNorm = Math.Sqrt(parts[i].Select(0, f).ToArray<double>().Sum(v => v * v));
                Assert.That(dNorm, Is.EqualTo(wNorm).Within(1e-8));
            }
        }
    }

    [Test]
    public void PlaneIsCentredOnTheModel()
    {
        var (loss, ps) = Mlp();
        double center = loss().Item();
        var d1 = LossSurface.FilterNormalizedDirection(ps, new Generator(1));
        var d2 = LossSurface.FilterNormalizedDirection(ps, new Generator(2));
        var plane = LossSurface.Plane(ps, d1, d2, [-0.5, 0, 0.5], [-0.5, 0, 0.5], () => (loss().Item(), 0));
        Assert.That(plane, Has.Count.EqualTo(9));
        Assert.That(plane[4].Loss, Is.EqualTo(center).Within(1e-12));
        Assert.That(plane.Select(p => p.Loss).Distinct().Count(), Is.GreaterThan(5));
    }

    [Test]
    public void KeskarSharpnessOfAQuadraticIsItsCornerValue()
    {
        // L = ½ Σ a_i θ_i² at θ = 0: the box is |δ_i| ≤ ε and the maximum ½ Σ a_i ε² is at a corner.
        var a = Tensor.FromArray(new[] { 1.0, 4, 9 }, [3]);
        var p = Leaf(Tensor.Zeros([3], DType.Float64));
        Tensor Loss() => 0.5 * (a * p * p).Sum();
        const double eps = 0.1;
        double expected = 100 * 0.5 * 14 * eps * eps;
        double ascent = Sharpness.Keskar(Loss, [p], new Generator(1), epsilon: eps, steps: 10);
        Assert.That(ascent, Is.EqualTo(expected).Within(1e-9));
        double sampled = Sharpness.Sampled(Loss, [p], eps, 200, new Generator(2));
        Assert.That(sampled, Is.GreaterThan(0).And.LessThanOrEqualTo(expected + 1e-12));
        Assert.That(p.ToArray<double>(), Is.EqualTo(new double[] { 0, 0, 0 }), "parameters restored");
    }

    [Test]
    public void PcaRecoversTheAxesOfALowRankTrajectory()
    {
        // Snapshots x_t = c + s_t u + r_t w with orthonormal u, w and larger variance along u.
        int n = 50, steps = 30;
        var u = new double[n];
        var w = new double[n];
        for (int j = 0; j < n; j++)
        {
            u[j] = Math.Sin(j + 1);
            w[j] = Math.Cos(3 * j + 2);
        }
        Normalize(u);
        double proj = u.Zip(w).Sum(t => t.First * t.Second);
        for (int j = 0; j < n; j++) w[j] -= proj * u[j];
        Normalize(w);
        var rows = new List<double[]>();
        for (int t = 0; t < steps; t++)
        {
            // Zero-mean, mutually orthogonal coefficient sequences: the principal axes are exactly u and w.
            double s = 3 * Math.Cos(2 * Math.PI * t / steps), r = Math.Sin(2 * Math.PI * t / steps);
            rows.Add(Enumerable.Range(0, n).Select(j => 5 + s * u[j] + r * w[j]).ToArray());
        }
        var pca = Pca.Fit(rows, 2);
        Assert.That(Math.Abs(pca.Components[0].Zip(u).Sum(t => t.First * t.Second)), Is.EqualTo(1).Within(1e-9));
        Assert.That(Math.Abs(pca.Components[1].Zip(w).Sum(t => t.First * t.Second)), Is.EqualTo(1).Within(1e-9));
        Assert.That(pca.ExplainedVariance[0], Is.GreaterThan(pca.ExplainedVariance[1]));
        // Projections reproduce the centred data exactly (rank 2).
        for (int t = 0; t < steps; t++)
        for (int j = 0; j < n; j++)
        {
            double rebuilt = pca.Mean[j] + pca.Projections[t][0] * pca.Components[0][j] + pca.Projections[t][1] * pca.Components[1][j];
            Assert.That(rebuilt, Is.EqualTo(rows[t][j]).Within(1e-9));
        }

        static void Normalize(double[] v)
        {
            double norm = Math.Sqrt(v.Sum(x => x * x));
            for (int j = 0; j < v.Length; j++) v[j] /= norm;
        }
    }

    [Test]
    public void TsneSeparatesWellSeparatedClusters()
    {
        var g = new Generator(4);
        var points = new List<double[]>();
        var labels = new List<int>();
        for (int c = 0; c < 3; c++)
        for (int i = 0; i < 20; i++)
        {
            points.Add(Enumerable.Range(0, 5).Select(d => (d == c ? 20.0 : 0) + Philox.Normal(9, (ulong)(c * 1000 + i * 10 + d))).ToArray());
            labels.Add(c);
        }
        var (embedding, kl) = Tsne.Embed(points, g, perplexity: 10, iterations: 500);
        Assert.That(kl, Is.GreaterThan(0).And.LessThan(2));
        int correct = 0;
        for (int i = 0; i < embedding.Length; i++)
        {
            int nearest = Enumerable.Range(0, embedding.Length).Where(j => j != i)
                .MinBy(j => Math.Pow(embedding[i][0] - embedding[j][0], 2) + Math.Pow(embedding[i][1] - embedding[j][1], 2));
            if (labels[nearest] == labels[i]) correct++;
        }
        Assert.That(correct, Is.EqualTo(embedding.Length));
    }
}
