using NUnit.Framework;
using TinyGrad.Optim;

namespace TinyGrad.Tests.Optim;

/// <summary>Each optimizer against the PyTorch update written out in plain double math.</summary>
[TestFixtureSource(typeof(TestDevices), nameof(TestDevices.Names))]
public sealed class OptimizerTests(string device) : DeviceFixture(device)
{
    private const double Tol = 1e-12;

    private static readonly double[] P0 = [0.5, -1.2, 2.0, 0.0, 3.3];

    private static readonly double[][] Grads =
    [
        [0.1, -0.4, 0.25, 1.5, -2.0],
        [-0.3, 0.2, 0.05, -1.0, 0.7],
        [0.6, 0.9, -0.45, 0.12, 0.0],
    ];

    private static Tensor Param()
    {
        var p = Tensor.FromArray((double[])P0.Clone());
        p.RequiresGrad = true;
        return p;
    }

    /// Steps with gradients Grads[first], Grads[first + 1], ... (a later call continues where an earlier one stopped).
    private static void Run(Optimizer opt, Tensor p, int steps, int first = 0)
    {
        for (int t = first; t < first + steps; t++)
        {
            p.Grad = Tensor.FromArray((double[])Grads[t].Clone());
            opt.Step();
        }
    }

    // torch.optim.SGD, for a single parameter tensor.
    private static double[] SgdReference(int steps, double lr, double momentum = 0, double dampening = 0, double weightDecay = 0, bool nesterov = false)
    {
        var p = (double[])P0.Clone();
        double[]? buf = null;
        for (int t = 0; t < steps; t++)
        {
            var d = new double[p.Length];
            for (int i = 0; i < p.Length; i++) d[i] = Grads[t][i] + weightDecay * p[i];
            if (momentum != 0)
            {
                if (buf is null) buf = (double[])d.Clone();
                else for (int i = 0; i < p.Length; i++) buf[i] = momentum * buf[i] + (1 - dampening) * d[i];
                for (int i = 0; i < p.Length; i++) d[i] = nesterov ? d[i] + momentum * buf[i] : buf[i];
            }
            for (int i = 0; i < p.Length; i++) p[i] -= lr * d[i];
        }
        return p;
    }

    // torch.optim.Adam / AdamW (amsgrad off), for a single parameter tensor.
    private static double[] AdamReference(int steps, double lr, double b1, double b2, double eps, double weightDecay, bool decoupled)
    {
        var p = (double[])P0.Clone();
        var m = new double[p.Length];
        var v = new double[p.Length];
        for (int t = 1; t <= steps; t++)
        {
            double bc1 = 1 - Math.Pow(b1, t), bc2 = 1 - Math.Pow(b2, t);
            for (int i = 0; i < p.Length; i++)
            {
                double g = Grads[t - 1][i];
                if (decoupled) p[i] *= 1 - lr * weightDecay;
                else g += weightDecay * p[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double denom = Math.Sqrt(v[i]) / Math.Sqrt(bc2) + eps;
                p[i] -= lr / bc1 * m[i] / denom;
            }
        }
        return p;
    }

    private static void AssertClose(Tensor p, double[] expected) =>
        Assert.That(p.ToArray<double>(), Is.EqualTo(expected).Within(Tol));

    [Test]
    public void PlainSgdIsGradientStep()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.1);
        Run(opt, p, 1);
        AssertClose(p, [0.5 - 0.01, -1.2 + 0.04, 2.0 - 0.025, -0.15, 3.3 + 0.2]);
        Run(opt, p, 2, first: 1);
        AssertClose(p, SgdReference(3, 0.1));
        Assert.That(opt.StepCount, Is.EqualTo(3));
        Assert.That(opt.State(0), Is.Empty, "plain SGD keeps no buffers");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void SgdMomentum(int steps)
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.05, momentum: 0.9);
        Run(opt, p, steps);
        AssertClose(p, SgdReference(steps, 0.05, momentum: 0.9));
    }

    [Test]
    public void SgdMomentumFirstStepBufferIsGradient()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.05, momentum: 0.9, dampening: 0.5);
        Run(opt, p, 1);
        // PyTorch seeds the buffer with the undampened gradient; dampening applies from the second step.
        Assert.That(opt.State(0)["momentum_buffer"].ToArray<double>(), Is.EqualTo(Grads[0]).Within(Tol));
        Run(opt, p, 1, first: 1);
        var buffer = Grads[0].Zip(Grads[1], (g0, g1) => 0.9 * g0 + 0.5 * g1).ToArray();
        Assert.That(opt.State(0)["momentum_buffer"].ToArray<double>(), Is.EqualTo(buffer).Within(Tol));
        AssertClose(p, SgdReference(2, 0.05, momentum: 0.9, dampening: 0.5));
    }

    [Test]
    public void SgdDampening()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.05, momentum: 0.8, dampening: 0.3);
        Run(opt, p, 3);
        AssertClose(p, SgdReference(3, 0.05, momentum: 0.8, dampening: 0.3));
    }

    [Test]
    public void SgdNesterov()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.05, momentum: 0.9, nesterov: true);
        Run(opt, p, 3);
        AssertClose(p, SgdReference(3, 0.05, momentum: 0.9, nesterov: true));
    }

    [Test]
    public void SgdWeightDecay()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.1, weightDecay: 0.01);
        Run(opt, p, 1);
        var expected = new double[5];
        for (int i = 0; i < 5; i++) expected[i] = P0[i] - 0.1 * (Grads[0][i] + 0.01 * P0[i]);
        AssertClose(p, expected);
        Run(opt, p, 2, first: 1);
        AssertClose(p, SgdReference(3, 0.1, weightDecay: 0.01));
    }

    [Test]
    public void SgdWeightDecayWithMomentum()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.02);
        Run(opt, p, 3);
        AssertClose(p, SgdReference(3, 0.05, momentum: 0.9, dampening: 0.1, weightDecay: 0.02));
    }

    [Test]
    public void NesterovNeedsMomentumAndNoDampening()
    {
        var p = Param();
        Assert.Throws<ArgumentException>(() => new Sgd([p], 0.1, momentum: 0, nesterov: true));
        Assert.Throws<ArgumentException>(() => new Sgd([p], 0.1, momentum: 0.9, dampening: 0.1, nesterov: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Sgd([p], -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Adam([p], beta1: 1.0));
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void AdamWithBiasCorrection(int steps)
    {
        var p = Param();
        var opt = new Adam([p], lr: 0.01);
        Run(opt, p, steps);
        AssertClose(p, AdamReference(steps, 0.01, 0.9, 0.999, 1e-8, 0, decoupled: false));
        Assert.That(opt.ParameterStep(0), Is.EqualTo(steps));
    }

    [Test]
    public void AdamFirstStepMovesEachWeightByLr()
    {
        // t = 1: m_hat = g and v_hat = g^2, so the step is lr * sign(g) (up to eps).
        var p = Param();
        new Adam([p], lr: 0.01, eps: 0).Step(); // no grad yet: skipped
        AssertClose(p, P0);
        var opt = new Adam([p], lr: 0.01, eps: 0);
        p.Grad = Tensor.FromArray(new[] { 0.1, -0.4, 0.25, 1.5, -2.0 });
        opt.Step();
        AssertClose(p, [0.49, -1.19, 1.99, -0.01, 3.31]);
    }

    [Test]
    public void AdamCoupledWeightDecay()
    {
        var p = Param();
        var opt = new Adam([p], lr: 0.02, beta1: 0.8, beta2: 0.99, eps: 1e-6, weightDecay: 0.1);
        Run(opt, p, 3);
        AssertClose(p, AdamReference(3, 0.02, 0.8, 0.99, 1e-6, 0.1, decoupled: false));
    }

    [Test]
    public void AdamWDecoupledWeightDecay()
    {
        var p = Param();
        var opt = new AdamW([p], lr: 0.02, weightDecay: 0.1);
        Assert.That(opt.Decoupled, Is.True);
        Run(opt, p, 3);
        AssertClose(p, AdamReference(3, 0.02, 0.9, 0.999, 1e-8, 0.1, decoupled: true));
        Assert.That(opt.State(0)["exp_avg"].Shape.ToArray(), Is.EqualTo(new[] { 5 }));
    }

    [Test]
    public void AdamWDefaultsMatchPyTorch()
    {
        var opt = new AdamW([Param()]);
        Assert.That((opt.LearningRate, opt.Beta1, opt.Beta2, opt.Eps, opt.WeightDecay), Is.EqualTo((1e-3, 0.9, 0.999, 1e-8, 1e-2)));
    }

    [Test]
    public void ParametersWithoutGradAreSkipped()
    {
        var a = Param();
        var b = Param();
        var opt = new Adam([a, b], lr: 0.1);
        a.Grad = Tensor.FromArray((double[])Grads[0].Clone());
        opt.Step();
        AssertClose(b, P0);
        Assert.That(opt.State(1), Is.Empty);
        Assert.That(opt.ParameterStep(1), Is.EqualTo(0));
        Assert.That(opt.ParameterStep(0), Is.EqualTo(1));
    }

    [Test]
    public void ZeroGradClearsGradients()
    {
        var p = Param();
        var opt = new Sgd([p], 0.1);
        p.Grad = Tensor.FromArray((double[])Grads[0].Clone());
        opt.ZeroGrad();
        Assert.That(p.Grad, Is.Null);
    }

    [Test]
    public void LearningRateCanChangeBetweenSteps()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 0.1);
        p.Grad = Tensor.FromArray((double[])Grads[0].Clone());
        opt.LearningRate = 0.5;
        opt.Step();
        var expected = new double[5];
        for (int i = 0; i < 5; i++) expected[i] = P0[i] - 0.5 * Grads[0][i];
        AssertClose(p, expected);
    }

    [Test]
    public void BroadcastGradientIsDensified()
    {
        var p = Param();
        var opt = new Sgd([p], lr: 1);
        p.Grad = Tensor.FromArray(new[] { 0.25 }).Expand(5);
        opt.Step();
        AssertClose(p, P0.Select(x => x - 0.25).ToArray());
    }

    [Test]
    public void GradientFromBackwardDrivesTheUpdate()
    {
        var p = Param();
        var loss = (p * p).Sum() * 0.5; // gradient = p
        loss.Backward();
        new Sgd([p], lr: 0.5).Step();
        AssertClose(p, P0.Select(x => x * 0.5).ToArray());
    }

    [Test]
    public void LoadedStateContinuesIdentically()
    {
        var p1 = Param();
        var opt1 = new Adam([p1], lr: 0.01, weightDecay: 0.05);
        Run(opt1, p1, 2);

        var p2 = Param();
        using (Autograd.NoGrad()) p2.CopyFrom(p1);
        var opt2 = new Adam([p2], lr: 0.01, weightDecay: 0.05);
        opt2.LoadState(0, opt1.ParameterStep(0), opt1.State(0));
        opt2.StepCount = opt1.StepCount;

        p1.Grad = Tensor.FromArray((double[])Grads[2].Clone());
        p2.Grad = Tensor.FromArray((double[])Grads[2].Clone());
        opt1.Step();
        opt2.Step();
        Assert.That(p2.ToArray<double>(), Is.EqualTo(p1.ToArray<double>()));
        Assert.That(opt2.StepCount, Is.EqualTo(3));
        Assert.That(p1.ToArray<double>(), Is.EqualTo(AdamReference(3, 0.01, 0.9, 0.999, 1e-8, 0.05, false)).Within(Tol));
        Assert.Throws<ArgumentException>(() => opt2.LoadState(0, 1, new Dictionary<string, Tensor> { ["momentum_buffer"] = Tensor.ZerosLike(p2) }));
    }

    [Test]
    public void ViewsAndNonLeavesAreRejected()
    {
        var p = Tensor.FromArray(new double[10]);
        p.RequiresGrad = true;
        Assert.Throws<ArgumentException>(() => new Sgd([p * 2.0], 0.1));
        Assert.Throws<ArgumentException>(() => new Sgd([], 0.1));
        Assert.Throws<ArgumentException>(() => new Sgd([p, p], 0.1));
        var view = Tensor.FromArray(new double[10]).Slice(0, 2, 7);
        view.RequiresGrad = true;
        Assert.Throws<ArgumentException>(() => new Sgd([view], 0.1));
    }
}
