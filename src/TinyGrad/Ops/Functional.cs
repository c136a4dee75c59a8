using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad;

/// <summary>How a loss combines its per-sample values.</summary>
public enum Reduction
{
    /// <summary>Average over samples.</summary>
    Mean,
    /// <summary>Sum over samples.</summary>
    Sum,
    /// <summary>One value per sample.</summary>
    None,
}

/// <summary>Losses, named like torch.nn.functional.</summary>
public static class Functional
{
    /// <summary>
    /// Cross-entropy from unnormalised <paramref name="logits"/> [N, C]. <paramref name="target"/> is either
    /// Int32 class indices [N] (each in 0..C-1) or class probabilities [N, C] of the logits' dtype.
    /// Class indices that live on the host (<c>cpu</c>) are range-checked here, naming the first bad one (a
    /// pass over N integers, next to the loss's N x C work). On a GPU that check would copy the labels to
    /// the host and wait for the device every step, so there an out-of-range index is caught by the gather
    /// kernel's own bounds check, as PyTorch's CUDA kernels catch it with a device-side assert.
    /// </summary>
    public static Tensor CrossEntropy(Tensor logits, Tensor target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(target);
        if (logits.Rank != 2) throw new ArgumentException($"cross_entropy: logits must be [N, C], got {Shapes.Format(logits.Shape)}");
        int n = logits.Size(0), classes = logits.Size(1);
        Tensor perSample;
        if (target.DType == DType.Int32)
        {
            if (target.Rank != 1 || target.Size(0) != n)
                throw new ArgumentException($"cross_entropy: class-index target must be [N] = [{n}], got {Shapes.Format(target.Shape)} for logits {Shapes.Format(logits.Shape)}");
            CheckClassIndices(target, logits);
            perSample = -logits.LogSoftmax(1).Gather(1, target.Reshape(-1, 1)).Reshape(-1);
        }
        else
        {
            if (target.Rank == 1 && target.Size(0) == n)
                throw new ArgumentException($"cross_entropy: target of shape {Shapes.Format(target.Shape)} is {target.DType}, but class indices must be Int32 [N] " +
                    $"(convert them with target.To(DType.Int32)); a {target.DType} target holds class probabilities [N, C] = [{n}, {classes}], like the logits");
            if (!target.Shape.SequenceEqual(logits.Shape))
                throw new ArgumentException($"cross_entropy: target must be Int32 class indices [N] = [{n}] or class probabilities [N, C] = [{n}, {classes}]; got {target.DType} {Shapes.Format(target.Shape)} for logits {Shapes.Format(logits.Shape)}");
            perSample = -(target * logits.LogSoftmax(1)).Sum(1);
        }
        return Reduce(perSample, reduction);
    }

    /// <summary>Throws naming the first class index outside 0..C-1, when the indices are in host memory.</summary>
    private static void CheckClassIndices(Tensor target, Tensor logits)
    {
        if (target.Buffer is not CpuBuffer host) return;
        var labels = host.Span<int>();
        int classes = logits.Size(1), stride = target.Strides[0];
        for (int i = 0, at = target.Offset; i < target.Size(0); i++, at += stride)
        {
            int label = labels[at];
            if ((uint)label >= (uint)classes)
                throw new ArgumentOutOfRangeException(nameof(target), label,
                    $"cross_entropy: target[{i}] = {label} is not a class of the logits {Shapes.Format(logits.Shape)}: class indices must be in 0..{classes - 1}");
        }
    }

    /// <summary>
    /// The fraction of rows of <paramref name="logits"/> [N, C] whose largest logit (the first one on
    /// ties) is at the Int32 class index <paramref name="targets"/> [N] gives: a scalar of the logits'
    /// dtype on their device, not differentiable (PyTorch: <c>(logits.argmax(1) == targets).float().mean()</c>).
    /// </summary>
    public static Tensor Accuracy(Tensor logits, Tensor targets)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        if (logits.Rank != 2) throw new ArgumentException($"accuracy: logits must be [N, C], got {Shapes.Format(logits.Shape)}");
        if (targets.DType != DType.Int32 || targets.Rank != 1 || targets.Size(0) != logits.Size(0))
            throw new ArgumentException($"accuracy: targets must be Int32 class indices [N] = [{logits.Size(0)}], got {targets.DType} {Shapes.Format(targets.Shape)} for logits {Shapes.Format(logits.Shape)}");
        if (targets.Device != logits.Device) throw new ArgumentException($"accuracy: targets are on {targets.Device}, logits on {logits.Device}");
        using var _ = Autograd.NoGrad();
        return logits.ArgMax(1).Eq(targets).To(logits.DType).Mean();
    }

    /// <summary>
    /// <c>input @ weight^T + bias</c> with weight [out, in] and bias [out] (PyTorch's linear): the bias
    /// goes to the backend's matrix product in the same call, which adds it to each rounded product
    /// exactly as a separate add would.
    /// </summary>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null) => Linear(input, weight, bias, Epilogue.None);

    /// <summary><see cref="Linear(Tensor, Tensor, Tensor?)"/>, then <paramref name="epilogue"/> in the same GEMM call.</summary>
    /// <remarks>
    /// With <paramref name="maskedByConsumer"/> the ReLU's gradient rule is left to the output's one
    /// consumer (see <see cref="Tensor.MaxPool2dOfRelu"/>); with <paramref name="ofRelu"/> the input is
    /// such a ReLU output and its gradient takes the rule here.
    /// </remarks>
    internal static Tensor Linear(Tensor input, Tensor weight, Tensor? bias, Epilogue epilogue, bool maskedByConsumer = false, bool ofRelu = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(weight);
        return input.MatMul(weight.T, bias, epilogue, maskedByConsumer, ofRelu);
    }

    /// <summary>Mean squared error between tensors of the same shape.</summary>
    public static Tensor MseLoss(Tensor prediction, Tensor target, Reduction reduction = Reduction.Mean)
    {
        ArgumentNullException.ThrowIfNull(prediction);
        ArgumentNullException.ThrowIfNull(target);
        if (!prediction.Shape.SequenceEqual(target.Shape))
            throw new ArgumentException($"mse_loss: prediction shape {Shapes.Format(prediction.Shape)} and target shape {Shapes.Format(target.Shape)} differ");
        var diff = prediction - target;
        return Reduce(diff * diff, reduction);
    }

    private static Tensor Reduce(Tensor values, Reduction reduction) => reduction switch
    {
        Reduction.Mean => values.Mean(),
        Reduction.Sum => values.Sum(),
        _ => values,
    };
}
