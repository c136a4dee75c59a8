using TinyGrad.Kernels;

namespace TinyGrad.Tests.Analysis;

/// <summary>Small float64 models built from raw tensors for the analysis tests.</summary>
internal static class AnalysisFixtures
{
    public static Tensor Leaf(Tensor t)
    {
        t.RequiresGrad = true;
        return t;
    }

    /// <summary>A 3-8-8-2 tanh MLP on a fixed batch with cross-entropy: 122 parameters.</summary>
    public static (Func<Tensor> Loss, Tensor[] Parameters) Mlp(int seed = 3)
    {
        var g = new Generator((ulong)seed);
        var w1 = Leaf(Tensor.Randn([8, 3], g, DType.Float64) * 0.7);
        var b1 = Leaf(Tensor.Randn([8], g, DType.Float64) * 0.1);
        var w2 = Leaf(Tensor.Randn([8, 8], g, DType.Float64) * 0.4);
        var b2 = Leaf(Tensor.Randn([8], g, DType.Float64) * 0.1);
        var w3 = Leaf(Tensor.Randn([2, 8], g, DType.Float64) * 0.4);
        var b3 = Leaf(Tensor.Randn([2], g, DType.Float64) * 0.1);
        var x = Tensor.Randn([16, 3], g, DType.Float64);
        var labels = Tensor.FromArray(Enumerable.Range(0, 16).Select(i => i % 2).ToArray(), [16]);
        Tensor Forward(Tensor input) => (((input.MatMul(w1.T) + b1).Tanh().MatMul(w2.T) + b2).Tanh().MatMul(w3.T) + b3);
        return (() => Functional.CrossEntropy(Forward(x), labels), [w1, b1, w2, b2, w3, b3]);
    }

    /// <summary>conv3x3(1->3) - relu - maxpool2 - linear(12->2) with MSE on a fixed batch.</summary>
    public static (Func<Tensor> Loss, Tensor[] Parameters) Cnn(int seed = 4)
    {
        var g = new Generator((ulong)seed);
        var w = Leaf(Tensor.Randn([3, 1, 3, 3], g, DType.Float64) * 0.5);
        var b = Leaf(Tensor.Randn([3], g, DType.Float64) * 0.1);
        var v = Leaf(Tensor.Randn([2, 12], g, DType.Float64) * 0.3);
        var x = Tensor.Randn([4, 1, 4, 4], g, DType.Float64);
        var target = Tensor.Randn([4, 2], g, DType.Float64);
        Tensor Forward(Tensor input) => input.Conv2d(w, b, padding: (1, 1)).Tanh().AvgPool2d((2, 2)).MaxPool2d((1, 1)).Flatten(1).MatMul(v.T);
        return (() => Functional.MseLoss(Forward(x), target), [w, b, v]);
    }
}
