using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>How much a model's output moves with its input.</summary>
public static class Sensitivity
{
    /// <summary>
    /// The mean over samples of the Frobenius norm of the Jacobian d output / d input, exact: one
    /// vector-Jacobian product per output class (samples must not interact, i.e. eval mode).
    /// <paramref name="model"/> maps inputs [B, ...] to outputs [B, C].
    /// </summary>
    public static double JacobianNorm(Func<Tensor, Tensor> model, Tensor inputs) => PerSampleJacobianNorms(model, inputs).Average();

    /// <summary>The Frobenius norm of d output_b / d input_b for each sample b.</summary>
    public static double[] PerSampleJacobianNorms(Func<Tensor, Tensor> model, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(inputs);
        using var grad = Autograd.EnableGrad();
        var x = inputs.Detach();
        x.RequiresGrad = true;
        var y = model(x);
        if (y.Rank != 2 || y.Size(0) != x.Size(0))
            throw new ArgumentException($"sensitivity: model output must be [B, C] with B = {x.Size(0)}, got [{string.Join(", ", y.Shape.ToArray())}]");
        int batch = y.Size(0), classes = y.Size(1);
        var squares = new double[batch];
        var onehot = new double[batch * classes];
        for (int c = 0; c < classes; c++)
        {
            Array.Clear(onehot);
            for (int b = 0; b < batch; b++) onehot[b * classes + c] = 1;
            var seed = Tensor.FromArray(onehot, [batch, classes], y.Device).To(y.DType);
            var g = Autograd.Grad([y], [x], [seed], retainGraph: c + 1 < classes, allowUnused: true)[0];
            var perSample = (g * g).Reshape(batch, -1).Sum(1).ToDoubleArray();
            for (int b = 0; b < batch; b++) squares[b] += perSample[b];
        }
        for (int b = 0; b < batch; b++) squares[b] = Math.Sqrt(squares[b]);
        return squares;
    }

    /// <summary>The Frobenius norm of d loss / d input over the whole batch (the loss-based variant).</summary>
    public static double LossGradientNorm(Func<Tensor, Tensor> loss, Tensor inputs)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(inputs);
        using var grad = Autograd.EnableGrad();
        var x = inputs.Detach();
        x.RequiresGrad = true;
        var g = Autograd.Grad([loss(x)], [x], allowUnused: true)[0];
        return ParameterVector.Norm(g.Reshape(-1));
    }
}
