using TinyGrad.Kernels;

namespace TinyGrad.Analysis;

/// <summary>A list of parameter tensors seen as one flat vector (row-major, in list order).</summary>
public static class ParameterVector
{
    /// <summary>Total number of elements.</summary>
    public static int Count(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        long n = 0;
        foreach (var p in parameters) n += p.Numel;
        return checked((int)n);
    }

    /// <summary>A detached flat copy of the parameters' values.</summary>
    public static Tensor Flatten(IReadOnlyList<Tensor> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (parameters.Count == 0) throw new ArgumentException("flatten: no parameters");
        using var _ = Autograd.NoGrad();
        return Tensor.Concat(parameters.Select(p => p.Detach().Reshape(-1)).ToArray());
    }

    /// <summary>Concatenates per-parameter tensors (e.g. gradients) into one flat vector, keeping the tape.</summary>
    public static Tensor Join(IReadOnlyList<Tensor> parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        return Tensor.Concat(parts.Select(p => p.Reshape(-1)).ToArray());
    }

    /// <summary>Views of a flat vector shaped like each parameter (differentiable slices).</summary>
    public static Tensor[] Split(Tensor flat, IReadOnlyList<Tensor> like)
    {
        ArgumentNullException.ThrowIfNull(flat);
        ArgumentNullException.ThrowIfNull(like);
        int n = Count(like);
        if (flat.Rank != 1 || flat.Numel != n)
            throw new ArgumentException($"parameter vector: expected a flat vector of {n} elements, got shape [{string.Join(", ", flat.Shape.ToArray())}]");
        var parts = new Tensor[like.Count];
        int at = 0;
        for (int i = 0; i < like.Count; i++)
        {
            parts[i] = flat.Slice(0, at, at + like[i].Numel).Reshape(like[i].Shape.ToArray());
            at += like[i].Numel;
        }
        return parts;
    }

    /// <summary>Overwrites the parameters in place with the values of <paramref name="flat"/>.</summary>
    public static void Assign(IReadOnlyList<Tensor> parameters, Tensor flat)
    {
        var parts = Split(flat.Detach(), parameters);
        using var _ = Autograd.NoGrad();
        for (int i = 0; i < parameters.Count; i++) parameters[i].CopyFrom(parts[i]);
    }

    /// <summary>Inner product of two vectors of equal shape, as a double.</summary>
    public static double Dot(Tensor a, Tensor b)
    {
        using var _ = Autograd.NoGrad();
        return (a * b).Sum().Item();
    }

    /// <summary>Euclidean norm.</summary>
    public static double Norm(Tensor a) => Math.Sqrt(Dot(a, a));

    /// <summary>Random ±1 entries (Rademacher) of the given length.</summary>
    public static Tensor Rademacher(int n, Generator generator, DType dtype, Device device)
    {
        using var _ = Autograd.NoGrad();
        return Tensor.Rand([n], generator, dtype, device).Lt(0.5) * 2.0 - 1.0;
    }
}
