using System.Numerics;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace TinyGrad.Kernels.Ilgpu;

/// <summary>The optim family: fused SGD and Adam/AdamW steps in place, with PyTorch's formulas (see <see cref="SgdArgs"/>, <see cref="AdamArgs"/>).</summary>
internal sealed class Optim(KernelHost host)
{
    /// <summary>The settings of one SGD step in the parameters' element type.</summary>
    internal readonly record struct Sgd<T>(T Lr, T Momentum, T Dampening, T WeightDecay, int Nesterov, int FirstStep, int HasMomentum);

    /// <summary>The settings of one Adam step in the parameters' element type (bias corrections precomputed).</summary>
    internal readonly record struct Adam<T>(T Lr, T Beta1, T Beta2, T Eps, T WeightDecay, int Decoupled, T Bias1, T Bias2);

    /// <summary>p -= lr * d with d the gradient plus weight decay, through the momentum buffer when there is one.</summary>
    public void SgdStep<T>(in SgdArgs s, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer? momentum) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (param.Length == 0) return;
        var args = new Sgd<T>(T.CreateTruncating(s.Lr), T.CreateTruncating(s.Momentum), T.CreateTruncating(s.Dampening), T.CreateTruncating(s.WeightDecay),
            s.Nesterov ? 1 : 0, s.FirstStep ? 1 : 0, momentum is not null && s.Momentum != 0 ? 1 : 0);
        int n = param.Length;
        host.Kernel(static a => a.LoadStreamKernel<Sgd<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(SgdKernel))
            (host.Spread(n), args, KernelHost.View<T>(param), KernelHost.View<T>(grad), KernelHost.View<T>(momentum ?? grad), n);
    }

    /// <summary>One Adam (or AdamW, decoupled) step of p, m and v.</summary>
    public void AdamStep<T>(in AdamArgs s, DeviceBuffer param, DeviceBuffer grad, DeviceBuffer m, DeviceBuffer v) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (param.Length == 0) return;
        var args = new Adam<T>(T.CreateTruncating(s.Lr), T.CreateTruncating(s.Beta1), T.CreateTruncating(s.Beta2), T.CreateTruncating(s.Eps),
            T.CreateTruncating(s.WeightDecay), s.Decoupled ? 1 : 0,
            T.CreateTruncating(1 - Math.Pow(s.Beta1, s.Step)), T.CreateTruncating(1 - Math.Pow(s.Beta2, s.Step)));
        int n = param.Length;
        host.Kernel(static a => a.LoadStreamKernel<Adam<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, ArrayView<T>, int>(AdamKernel))
            (host.Spread(n), args, KernelHost.View<T>(param), KernelHost.View<T>(grad), KernelHost.View<T>(m), KernelHost.View<T>(v), n);
    }

    private static void SgdKernel<T>(Sgd<T> s, ArrayView<T> p, ArrayView<T> g, ArrayView<T> buffer, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            T d = g[i] + s.WeightDecay * p[i];
            if (s.HasMomentum != 0)
            {
                T b = s.FirstStep != 0 ? d : s.Momentum * buffer[i] + (T.One - s.Dampening) * d;
                buffer[i] = b;
                d = s.Nesterov != 0 ? d + s.Momentum * b : b;
            }
            p[i] -= s.Lr * d;
        }
    }

    private static void AdamKernel<T>(Adam<T> s, ArrayView<T> p, ArrayView<T> g, ArrayView<T> m, ArrayView<T> v, int n)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += GridExtensions.GridStrideLoopStride)
        {
            T pi = p[i], gi = g[i];
            if (s.Decoupled != 0) pi *= T.One - s.Lr * s.WeightDecay;
            else gi += s.WeightDecay * pi;
            T mi = s.Beta1 * m[i] + (T.One - s.Beta1) * gi;
            T vi = s.Beta2 * v[i] + (T.One - s.Beta2) * gi * gi;
            m[i] = mi;
            v[i] = vi;
            p[i] = pi - s.Lr / s.Bias1 * mi / (T.Sqrt(vi) / T.Sqrt(s.Bias2) + s.Eps);
        }
    }
}
