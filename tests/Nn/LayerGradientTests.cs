using NUnit.Framework;
using TinyGrad.Kernels;
using TinyGrad.Nn;

namespace TinyGrad.Tests.Nn;

/// <summary>Backward through whole models against central finite differences (Float64), with the public gradcheck.</summary>
public sealed class LayerGradientTests
{
    /// <summary>The public gradcheck over the parameters, which the loss reads through the model (perturbed in place).</summary>
    private static void CheckParameterGradients(Module model, Func<Tensor> loss)
    {
        var parameters = model.Parameters().ToArray();
        var result = Autograd.GradCheck(_ => loss(), parameters, atol: 1e-6, rtol: 1e-5).ThrowIfFailed();
        Assert.That(result.EntriesChecked, Is.EqualTo(model.ParameterCount));
    }

    [Test]
    public void CnnGradientsMatchFiniteDifferences()
    {
        var g = new Generator(3);
        var model = new Sequential(
            new Conv2d(2, 3, (3, 2), stride: (1, 2), padding: 1, dilation: (2, 1), generator: g, dtype: DType.Float64),
            new Tanh(), new MaxPool2d(2, stride: 1), new AvgPool2d(2, padding: 1), new Flatten(),
            new Linear(3 * 3 * 2, 3, generator: g, dtype: DType.Float64), new Sigmoid(), new Linear(3, 4, generator: g, dtype: DType.Float64));
        var x = Tensor.Randn([2, 2, 7, 7], g, DType.Float64);
        var target = Tensor.FromArray(new[] { 1, 3 });
        Assert.That(model.Forward(x).Shape.ToArray(), Is.EqualTo(new[] { 2, 4 }));
        CheckParameterGradients(model, () => Functional.CrossEntropy(model.Forward(x), target));
    }

    [Test]
    public void DeepBatchMlpGradientsMatchFiniteDifferencesInFirstAndSecondOrder()
    {
        // 2100 rows: the CPU makes each layer's gradients in one pass (Backend.LinearBackward, its
        // weight gradient cut in two halves along the rows), the second layer's input gradient gated
        // by the first layer's ReLU output.
        var g = new Generator(12);
        var model = new Sequential(new Linear(3, 4, generator: g, dtype: DType.Float64), new ReLU(), new Linear(4, 2, generator: g, dtype: DType.Float64));
        var x = Tensor.Randn([2100, 3], g, DType.Float64);
        var y = Tensor.Randn([2100, 2], g, DType.Float64);
        var calls = new LinearBackwardCalls();
        Device.Default.Backend.Observer = calls;
        try
        {
            CheckParameterGradients(model, () => Functional.MseLoss(model.Forward(x), y));
            var parameters = model.Parameters().ToArray();
            Autograd.GradGradCheck(_ => Functional.MseLoss(model.Forward(x), y), parameters, atol: 1e-6, rtol: 1e-5).ThrowIfFailed();
        }
        finally
        {
            Device.Default.Backend.Observer = null;
        }
        Assert.That(calls.Gated, Is.GreaterThan(0), "no gated one-pass backward ran");
    }

    /// <summary>Counts the backend's LinearBackward calls that gate the input gradient.</summary>
    private sealed class LinearBackwardCalls : IBackendObserver
    {
        public int Gated;

        public void Enter(string primitive, string detail)
        {
            if (primitive == "LinearBackward" && detail == "2100x4x2 gated") Gated++;
        }

        public void Exit(string primitive)
        {
        }
    }

    [Test]
    public void MlpGradientsMatchFiniteDifferences()
    {
        var g = new Generator(4);
        var model = new Sequential(new Linear(3, 5, generator: g, dtype: DType.Float64), new ReLU(), new Linear(5, 2, generator: g, dtype: DType.Float64));
        var x = Tensor.Randn([4, 3], g, DType.Float64);
        var y = Tensor.Randn([4, 2], g, DType.Float64);
        CheckParameterGradients(model, () => Functional.MseLoss(model.Forward(x), y));
    }
}
