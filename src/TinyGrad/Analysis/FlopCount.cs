using TinyGrad.Nn;

namespace TinyGrad.Analysis;

/// <summary>Floating-point operations of one training step, by phase (a multiply-add counts 2).</summary>
/// <param name="Forward">The model's forward pass (and the loss's).</param>
/// <param name="Backward">Gradients of the parameters and of every activation they depend on.</param>
/// <param name="Update">The optimizer's update of every parameter element.</param>
public readonly record struct StepFlops(long Forward, long Backward, long Update)
{
    /// <summary>All three phases.</summary>
    public long Total => Forward + Backward + Update;

    /// <summary>Phase-wise sum.</summary>
    public static StepFlops operator +(StepFlops a, StepFlops b) => new(a.Forward + b.Forward, a.Backward + b.Backward, a.Update + b.Update);
}

/// <summary>
/// FLOPs of a training step counted from a model's shapes, for rooflines: what the step needs,
/// not what an engine happens to do. Products count 2 per multiply-add; elementwise ops 1 per
/// element; max-pooling (k - 1) comparisons per window. The input needs no gradient, so the first
/// layer computes no input gradient (as in PyTorch). Layers: Linear, Conv2d, MaxPool2d, AvgPool2d,
/// ReLU, Sigmoid, Tanh, Flatten, Dropout and Sequential of them; any other module is an error.
/// </summary>
public static class FlopCount
{
    /// <summary>Adam's (and AdamW's) FLOPs per parameter element: both moments, the bias corrections and the step.</summary>
    public const int AdamPerParameter = 12;

    /// <summary>
    /// Forward and backward FLOPs of <paramref name="model"/> on an input of <paramref name="inputShape"/>
    /// (batch first), plus <paramref name="updatePerParameter"/> FLOPs per parameter element for the optimizer.
    /// </summary>
    public static StepFlops TrainingStep(Module model, ReadOnlySpan<int> inputShape, int updatePerParameter = AdamPerParameter)
    {
        ArgumentNullException.ThrowIfNull(model);
        long[] shape = new long[inputShape.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = inputShape[i];
        bool needsGrad = false;
        var flops = Layer(model, ref shape, ref needsGrad);
        return flops with { Update = (long)updatePerParameter * model.ParameterCount };
    }

    /// <summary>Cross-entropy of [batch, classes] logits with class targets: log-softmax, pick and mean, and its gradient.</summary>
    public static StepFlops CrossEntropy(int batch, int classes) =>
        // max, subtract, exp, sum, log, subtract per logit; the gradient softmax - onehot, scaled.
        new(6L * batch * classes + batch, 3L * batch * classes, 0);

    /// <summary>Mean squared error over <paramref name="elements"/> predictions, and its gradient.</summary>
    public static StepFlops MseLoss(long elements) => new(3 * elements, 2 * elements, 0);

    private static StepFlops Layer(Module m, ref long[] s, ref bool needsGrad)
    {
        switch (m)
        {
            case Sequential seq:
            {
                StepFlops sum = default;
                for (int i = 0; i < seq.Count; i++) sum += Layer(seq[i], ref s, ref needsGrad);
                return sum;
            }
            case Linear l:
            {
                long rows = Numel(s) / l.InFeatures, macs = rows * l.InFeatures * l.OutFeatures, bias = l.Bias is null ? 0 : rows * l.OutFeatures;
                s = [.. s[..^1], l.OutFeatures];
                return Parameterised(macs, bias, ref needsGrad);
            }
            case Conv2d c:
            {
                long n = s[0], oh = Out(s[2], c.KernelSize.H, c.Stride.H, c.Padding.H, c.Dilation.H), ow = Out(s[3], c.KernelSize.W, c.Stride.W, c.Padding.W, c.Dilation.W);
                long outputs = n * c.OutChannels * oh * ow, macs = outputs * c.InChannels * c.KernelSize.H * c.KernelSize.W;
                s = [n, c.OutChannels, oh, ow];
                return Parameterised(macs, c.Bias is null ? 0 : outputs, ref needsGrad);
            }
            case MaxPool2d p:
            {
                long windows = Pool(ref s, p.KernelSize, p.Stride, p.Padding), taps = (long)p.KernelSize.H * p.KernelSize.W;
                // Backward adds each output gradient at its argmax.
                return new(windows * (taps - 1), needsGrad ? windows : 0, 0);
            }
            case AvgPool2d p:
            {
                long windows = Pool(ref s, p.KernelSize, p.Stride, p.Padding), taps = (long)p.KernelSize.H * p.KernelSize.W;
                return new(windows * taps, needsGrad ? windows * taps : 0, 0);
            }
            case ReLU or Sigmoid or Tanh or Dropout:
            {
                long n = Numel(s);
                return new(n, needsGrad ? n : 0, 0);
            }
            case Flatten:
                s = [s[0], Numel(s) / s[0]];
                return default;
            default:
                throw new NotSupportedException($"FlopCount: no FLOP rule for module {m.GetType().Name} ({m})");
        }
    }

    /// <summary>A layer with weights: forward product and bias; backward weight and bias gradients, and the input gradient unless the input is the data.</summary>
    private static StepFlops Parameterised(long macs, long bias, ref bool needsGrad)
    {
        long backward = 2 * macs + bias + (needsGrad ? 2 * macs : 0);
        needsGrad = true;
        return new(2 * macs + bias, backward, 0);
    }

    private static long Pool(ref long[] s, Size2d kernel, Size2d stride, Size2d padding)
    {
        long oh = Out(s[2], kernel.H, stride.H, padding.H, 1), ow = Out(s[3], kernel.W, stride.W, padding.W, 1);
        s = [s[0], s[1], oh, ow];
        return s[0] * s[1] * oh * ow;
    }

    private static long Out(long size, int kernel, int stride, int padding, int dilation) => (size + 2 * padding - dilation * (kernel - 1) - 1) / stride + 1;

    private static long Numel(long[] s)
    {
        long n = 1;
        foreach (long d in s) n *= d;
        return n;
    }
}
