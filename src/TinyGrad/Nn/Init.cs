namespace TinyGrad.Nn;

/// <summary>
/// Weight initialisers with PyTorch's torch.nn.init semantics. Each overwrites the tensor in
/// place (not recorded on the tape), draws from the given <see cref="Generator"/>
/// (default <see cref="Generator.Default"/>) and returns the same tensor.
/// </summary>
public static class Init
{
    /// <summary>
    /// Fan-in and fan-out as PyTorch's _calculate_fan_in_and_fan_out: for a weight [O, I, k...],
    /// fan_in = I * prod(k) and fan_out = O * prod(k). Needs at least two dimensions.
    /// </summary>
    public static (int FanIn, int FanOut) CalculateFanInAndFanOut(ReadOnlySpan<int> shape)
    {
        if (shape.Length < 2)
            throw new ArgumentException($"fan in and fan out need a tensor with at least 2 dimensions, got shape {Shapes.Format(shape)}");
        int receptive = 1;
        for (int d = 2; d < shape.Length; d++) receptive *= shape[d];
        return (shape[1] * receptive, shape[0] * receptive);
    }

    /// <summary>The recommended gain for <paramref name="nonlinearity"/>; <paramref name="param"/> is leaky ReLU's negative slope (default 0.01).</summary>
    public static double CalculateGain(Nonlinearity nonlinearity, double? param = null) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Conv or Nonlinearity.Sigmoid => 1,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2),
        Nonlinearity.LeakyRelu => Math.Sqrt(2 / (1 + Math.Pow(param ?? 0.01, 2))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "unknown nonlinearity"),
    };

    /// <summary>Fills <paramref name="tensor"/> with U(<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static Tensor Uniform(Tensor tensor, double low = 0, double high = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!(low <= high)) throw new ArgumentException($"uniform: low {low} must not exceed high {high}");
        return Overwrite(tensor, Tensor.Uniform(tensor.ShapeArray, low, high, generator, tensor.DType, tensor.Device));
    }

    /// <summary>Fills <paramref name="tensor"/> with N(<paramref name="mean"/>, <paramref name="std"/>^2).</summary>
    public static Tensor Normal(Tensor tensor, double mean = 0, double std = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentOutOfRangeException.ThrowIfNegative(std);
        var z = Tensor.Randn(tensor.ShapeArray, generator, tensor.DType, tensor.Device);
        using var _ = Autograd.NoGrad();
        return Overwrite(tensor, z * std + mean);
    }

    /// <summary>Fills <paramref name="tensor"/> with <paramref name="value"/>.</summary>
    public static Tensor Constant(Tensor tensor, double value)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        tensor.Backend.Fill(tensor.View, value);
        return tensor;
    }

    /// <summary>Fills <paramref name="tensor"/> with zeros.</summary>
    public static Tensor Zeros(Tensor tensor) => Constant(tensor, 0);

    /// <summary>
    /// He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain from <paramref name="nonlinearity"/>
    /// and <paramref name="a"/>. With a = sqrt(5) (the nn.Linear / nn.Conv2d default) b = 1 / sqrt(fan_in).
    /// </summary>
    public static Tensor KaimingUniform(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        double std = KaimingStd(tensor, a, mode, nonlinearity);
        double bound = Math.Sqrt(3) * std;
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>He normal: N(0, std^2) with std = gain / sqrt(fan).</summary>
    public static Tensor KaimingNormal(Tensor tensor, double a = 0, FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Normal(tensor, 0, KaimingStd(tensor, a, mode, nonlinearity), generator);
    }

    /// <summary>Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).</summary>
    public static Tensor XavierUniform(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        double bound = Math.Sqrt(3) * XavierStd(tensor, gain);
        return Uniform(tensor, -bound, bound, generator);
    }

    /// <summary>Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).</summary>
    public static Tensor XavierNormal(Tensor tensor, double gain = 1, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return Normal(tensor, 0, XavierStd(tensor, gain), generator);
    }

    private static double KaimingStd(Tensor tensor, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor.Shape);
        int fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0) throw new ArgumentException($"kaiming init: zero fan for shape {Shapes.Format(tensor.Shape)}");
        return CalculateGain(nonlinearity, a) / Math.Sqrt(fan);
    }

    private static double XavierStd(Tensor tensor, double gain)
    {
        var (fanIn, fanOut) = CalculateFanInAndFanOut(tensor.Shape);
        if (fanIn + fanOut == 0) throw new ArgumentException($"xavier init: zero fans for shape {Shapes.Format(tensor.Shape)}");
        return gain * Math.Sqrt(2.0 / (fanIn + fanOut));
    }

    private static Tensor Overwrite(Tensor tensor, Tensor values)
    {
        using var _ = Autograd.NoGrad();
        tensor.CopyFrom(values);
        return tensor;
    }
}
