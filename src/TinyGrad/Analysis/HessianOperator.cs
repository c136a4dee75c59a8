using MathNet.Numerics.LinearAlgebra;
using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>
/// The exact Hessian of a scalar loss with respect to a set of parameters, applied by double
/// backward: H v = d/dθ (∇L(θ) · v). The loss closure is re-evaluated on each product, so it
/// must be deterministic (fixed batch, no dropout).
/// </summary>
public sealed class HessianOperator : ILinearOperator
{
    private readonly Func<Tensor> loss;
    private readonly Tensor[] parameters;

    /// <summary>Binds a loss closure to the parameters it depends on (which must require grad).</summary>
    public HessianOperator(Func<Tensor> loss, IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) throw new ArgumentException("hessian: no parameters");
        foreach (var p in parameters)
            if (!p.RequiresGrad) throw new ArgumentException("hessian: every parameter must require grad");
        this.loss = loss;
        this.parameters = [.. parameters];
        Size = ParameterVector.Count(parameters);
    }

    /// <inheritdoc />
    public int Size { get; }

    /// <inheritdoc />
    public DType DType => parameters[0].DType;

    /// <inheritdoc />
    public Device Device => parameters[0].Device;

    /// <summary>The loss value at the current parameters.</summary>
    public double Loss()
    {
        using var _ = Autograd.NoGrad();
        return loss().Item();
    }

    /// <summary>The flat gradient ∇L (detached).</summary>
    public Tensor Gradient()
    {
        using var _ = Autograd.EnableGrad();
        return ParameterVector.Join(Autograd.Grad([loss()], parameters, allowUnused: true));
    }

    /// <summary>
    /// The Hessian-vector product H v by double backward. <paramref name="v"/> is flat: one vector of
    /// <see cref="Size"/> elements, the parameters' directions concatenated row-major in the order they
    /// were given (as <see cref="ParameterVector.Flatten"/> and <see cref="Nn.Module.ParametersToVector"/>
    /// lay them out), of the operator's <see cref="DType"/> on its <see cref="Device"/> (the parameters'). The
    /// result is flat in the same layout, dtype and device; it is not on the tape.
    /// </summary>
    public Tensor Apply(Tensor v)
    {
        ArgumentNullException.ThrowIfNull(v);
        if (v.DType != DType || v.Device != Device)
            throw new ArgumentException($"hessian: v must be a {DType} vector on {Device} (the parameters'), got {v.DType} on {v.Device}", nameof(v));
        using var _ = Autograd.EnableGrad();
        var grads = Autograd.Grad([loss()], parameters, createGraph: true, allowUnused: true);
        var directions = ParameterVector.Split(v.Detach(), parameters);
        // H v = d(g . v)/dθ: the gradients' own backward seeded with the directions (a
        // vector-Jacobian product), so no dot product is built and differentiated.
        var outputs = new List<Tensor>(grads.Length);
        var seeds = new List<Tensor?>(grads.Length);
        for (int i = 0; i < grads.Length; i++)
        {
            if (!grads[i].RequiresGrad) continue; // constant in θ: contributes nothing
            outputs.Add(grads[i]);
            seeds.Add(directions[i]);
        }
        if (outputs.Count == 0) return Tensor.Zeros([Size], DType, Device); // the loss is linear in θ
        return ParameterVector.Join(Autograd.Grad(outputs, parameters, seeds, allowUnused: true));
    }

    /// <summary>
    /// The full n x n Hessian (for small models): one gradient graph, then one backward pass per
    /// row. Symmetrised, as double. <paramref name="progress"/> receives rows done.
    /// </summary>
    public double[,] Dense(IProgress<int>? progress = null)
    {
        using var _ = Autograd.EnableGrad();
        var grads = Autograd.Grad([loss()], parameters, createGraph: true, allowUnused: true);
        var flat = ParameterVector.Join(grads);
        int n = Size;
        var h = new double[n, n];
        var unit = new double[n];
        for (int i = 0; i < n; i++)
        {
            double[] row;
            if (flat.RequiresGrad)
            {
                Array.Clear(unit);
                unit[i] = 1;
                var seed = Tensor.FromArray(unit, [n], Device).To(DType);
                row = ParameterVector.Join(Autograd.Grad([flat], parameters, [seed], retainGraph: true, allowUnused: true)).ToDoubleArray();
            }
            else row = new double[n];
            for (int j = 0; j < n; j++) h[i, j] = row[j];
            progress?.Report(i + 1);
        }
        for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
        {
            double mean = 0.5 * (h[i, j] + h[j, i]);
            h[i, j] = mean;
            h[j, i] = mean;
        }
        return h;
    }

    /// <summary>All eigenvalues of a symmetric matrix, ascending.</summary>
    public static double[] Eigenvalues(double[,] symmetric)
    {
        ArgumentNullException.ThrowIfNull(symmetric);
        var evd = Matrix<double>.Build.DenseOfArray(symmetric).Evd(Symmetricity.Symmetric);
        var values = evd.EigenValues.Select(c => c.Real).ToArray();
        Array.Sort(values);
        return values;
    }

    /// <summary>
    /// The homework's "minimal ratio": the fraction of eigenvalues greater than <paramref name="tolerance"/>
    /// (near a minimum every eigenvalue is ≥ 0, so 1 means a strict local minimum).
    /// </summary>
    public static double MinimalRatio(IReadOnlyList<double> eigenvalues, double tolerance = 0)
    {
        ArgumentNullException.ThrowIfNull(eigenvalues);
        if (eigenvalues.Count == 0) throw new ArgumentException("minimal ratio: no eigenvalues");
        int positive = 0;
        foreach (double e in eigenvalues) if (e > tolerance) positive++;
        return (double)positive / eigenvalues.Count;
    }
}
