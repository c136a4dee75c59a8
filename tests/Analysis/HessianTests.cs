using MathNet.Numerics.LinearAlgebra;
using NUnit.Framework;
using TinyGrad.Analysis;
using TinyGrad.Kernels;
using static TinyGrad.Tests.Analysis.AnalysisFixtures;

namespace TinyGrad.Tests.Analysis;

public sealed class HessianTests
{
    private static readonly double[] KnownEigenvalues = [-2, -0.5, 0, 0.25, 1, 3, 7];

    /// <summary>A = Q diag(λ) Qᵀ with Q a Householder reflection: symmetric with exactly the eigenvalues above.</summary>
    private static double[,] KnownMatrix()
    {
        int n = KnownEigenvalues.Length;
        var u = Enumerable.Range(0, n).Select(i => 1.0 + i * 0.37).ToArray();
        double norm2 = u.Sum(v => v * v);
        var q = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            q[i, j] = (i == j ? 1 : 0) - 2 * u[i] * u[j] / norm2;
        var a = new double[n, n];
        for (int i = 0; i < n; i++)
        for (int j = 0; j < n; j++)
            for (int k = 0; k < n; k++) a[i, j] += q[i, k] * KnownEigenvalues[k] * q[j, k];
        return a;
    }

    /// <summary>L(θ) = ½ θᵀAθ + bᵀθ with θ split over a [2, 2] and a [3] parameter.</summary>
    private static (HessianOperator Op, Tensor[] Parameters, double[,] A) Quadratic()
    {
        var a = KnownMatrix();
        int n = a.GetLength(0);
        var flatA = new double[n * n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) flatA[i * n + j] = a[i, j];
        var matrix = Tensor.FromArray(flatA, [n, n]);
        var b = Tensor.FromArray(Enumerable.Range(0, n).Select(i => 0.1 * i - 0.2).ToArray(), [n]);
        var p1 = Leaf(Tensor.FromArray(new[] { 0.3, -0.1, 0.8, 0.5 }, [2, 2]));
        var p2 = Leaf(Tensor.FromArray(new[] { -0.7, 0.2, 0.4 }, [3]));
        Tensor Loss()
        {
            var theta = Tensor.Concat([p1.Reshape(-1), p2]);
            return 0.5 * theta.MatMul(matrix).MatMul(theta) + (b * theta).Sum();
        }
        return (new HessianOperator(Loss, [p1, p2]), [p1, p2], a);
    }

    [Test]
    public void QuadraticHvpIsAv()
    {
        var (op, _, a) = Quadratic();
        var v = Enumerable.Range(0, 7).Select(i => Math.Sin(i + 1.0)).ToArray();
        var hv = op.Apply(Tensor.FromArray(v, [7])).ToArray<double>();
        for (int i = 0; i < 7; i++)
        {
            double expected = 0;
            for (int j = 0; j < 7; j++) expected += a[i, j] * v[j];
            Assert.That(hv[i], Is.EqualTo(expected).Within(1e-10));
        }
    }

    [Test]
    public void QuadraticFullHessianEigenvaluesTraceAndMinimalRatioAreExact()
    {
        var (op, _, a) = Quadratic();
        var h = op.Dense();
        for (int i = 0; i < 7; i++) for (int j = 0; j < 7; j++) Assert.That(h[i, j], Is.EqualTo(a[i, j]).Within(1e-10));
        var eig = HessianOperator.Eigenvalues(h);
        Assert.That(eig, Is.EqualTo(KnownEigenvalues).Within(1e-10));
        double trace = Enumerable.Range(0, 7).Sum(i => h[i, i]);
        Assert.That(trace, Is.EqualTo(KnownEigenvalues.Sum()).Within(1e-10));
        Assert.That(HessianOperator.MinimalRatio(eig, 1e-8), Is.EqualTo(4.0 / 7).Within(1e-12));
    }

    [Test]
    public void HutchinsonIsExactOnADiagonalHessian()
    {
        // zᵀ D z = Σ d_i z_i² = trace(D) for every Rademacher z.
        var p = Leaf(Tensor.FromArray(new[] { 1.0, 2, 3, 4 }, [4]));
        var d = Tensor.FromArray(new[] { 2.0, -1, 0.5, 6 }, [4]);
        var op = new HessianOperator(() => 0.5 * (d * p * p).Sum(), [p]);
        Assert.That(Spectrum.HutchinsonTrace(op, 3, new Generator(1)), Is.EqualTo(7.5).Within(1e-10));
    }

    [Test]
    public void HutchinsonConvergesOnADenseHessian()
    {
        var (op, _, _) = Quadratic();
        double estimate = Spectrum.HutchinsonTrace(op, 4000, new Generator(2));
        Assert.That(estimate, Is.EqualTo(KnownEigenvalues.Sum()).Within(0.35));
    }

    [TestCase("mlp")]
    [TestCase("cnn")]
    public void HvpMatchesFiniteDifferencesOfGradients(string model)
    {
        var (loss, ps) = model == "mlp" ? Mlp() : Cnn();
        var op = new HessianOperator(loss, ps);
        var v = Tensor.Randn([op.Size], new Generator(8), DType.Float64);
        var hv = op.Apply(v).ToArray<double>();
        var theta = ParameterVector.Flatten(ps);
        const double eps = 1e-5;
        ParameterVector.Assign(ps, theta + v * eps);
        var gPlus = op.Gradient().ToArray<double>();
        ParameterVector.Assign(ps, theta - v * eps);
        var gMinus = op.Gradient().ToArray<double>();
        ParameterVector.Assign(ps, theta);
        double errorNorm = 0, norm = 0;
        for (int i = 0; i < hv.Length; i++)
        {
            double numeric = (gPlus[i] - gMinus[i]) / (2 * eps);
            errorNorm += (hv[i] - numeric) * (hv[i] - numeric);
            norm += numeric * numeric;
        }
        Assert.That(norm, Is.GreaterThan(1e-6), "the check needs a non-trivial Hessian");
        Assert.That(Math.Sqrt(errorNorm / norm), Is.LessThan(1e-6));
    }

    [Test]
    public void PowerIterationAndLanczosFindTheTopEigenvalueOfAnMlpHessian()
    {
        var (loss, ps) = Mlp();
        var op = new HessianOperator(loss, ps);
        var eig = HessianOperator.Eigenvalues(op.Dense());
        double top = eig.MaxBy(Math.Abs);
        Assert.That(top, Is.EqualTo(eig[^1]), "fixture: the largest-magnitude eigenvalue is the largest");
        var power = Eigensolvers.PowerIteration(op, 2, new Generator(5), maxIterations: 3000, tolerance: 1e-13);
        Assert.That(power[0].Value, Is.EqualTo(top).Within(1e-6 * Math.Abs(top)));
        double second = eig.Where(e => e != top).MaxBy(Math.Abs);
        Assert.That(power[1].Value, Is.EqualTo(second).Within(1e-4 * Math.Abs(second)));
        var ritz = Eigensolvers.Lanczos(op, 80, new Generator(6));
        Assert.That(ritz[^1], Is.EqualTo(top).Within(1e-6 * Math.Abs(top)));
        Assert.That(ritz[0], Is.EqualTo(eig[0]).Within(1e-6 * Math.Max(1, Math.Abs(eig[0]))));
    }

    [Test]
    public void LanczosDensityIntegratesToOne()
    {
        var (loss, ps) = Mlp();
        var op = new HessianOperator(loss, ps);
        var density = Spectrum.LanczosDensity(op, runs: 3, steps: 30, new Generator(7), sigma: 0.02, gridPoints: 4000);
        double integral = 0;
        for (int i = 1; i < density.Grid.Length; i++)
            integral += 0.5 * (density.Density[i] + density.Density[i - 1]) * (density.Grid[i] - density.Grid[i - 1]);
        Assert.That(integral, Is.EqualTo(1).Within(1e-3));
        Assert.That(density.Weights.Sum(), Is.EqualTo(1).Within(1e-10));
    }

    [Test]
    public void GradientOfGradientNormIsTwiceHessianTimesGradient()
    {
        var (loss, ps) = Mlp();
        var op = new HessianOperator(loss, ps);
        var g = op.Gradient();
        var expected = op.Apply(g).ToArray<double>();
        var objective = GradientNorm.Squared(loss(), ps);
        Assert.That(objective.Item(), Is.EqualTo(ParameterVector.Dot(g, g)).Within(1e-12));
        var actual = ParameterVector.Join(TinyGrad.Autograd.Grad([objective], ps)).ToArray<double>();
        for (int i = 0; i < expected.Length; i++) Assert.That(actual[i], Is.EqualTo(2 * expected[i]).Within(1e-9));
    }

    [Test]
    public void MinimalRatioCountsEigenvaluesAboveTolerance()
    {
        Assert.That(HessianOperator.MinimalRatio([-1, 0, 1e-9, 2, 3], 1e-6), Is.EqualTo(0.4));
        Assert.Throws<ArgumentException>(() => HessianOperator.MinimalRatio([]));
    }

    [Test]
    public void EigenvaluesOfAMatrixOperatorByLanczosAreExactWithFullSteps()
    {
        var a = KnownMatrix();
        var m = Matrix<double>.Build.DenseOfArray(a);
        var op = new MatrixOperator(Tensor.FromArray(m.ToRowMajorArray(), [7, 7]));
        var ritz = Eigensolvers.Lanczos(op, 7, new Generator(3));
        Assert.That(ritz, Is.EqualTo(KnownEigenvalues).Within(1e-9));
    }
}
