namespace TinyGrad.Nn;

/// <summary>
/// An elementwise activation as a module, like torch.nn's: no parameters, its Tensor op applied to the
/// input; it prints as PyTorch prints it.
/// </summary>
/// <param name="text">What <see cref="ToString"/> returns, e.g. "ReLU()".</param>
/// <param name="function">The Tensor op.</param>
public abstract class Activation(string text, Func<Tensor, Tensor> function) : Module
{
    /// <inheritdoc />
    public sealed override Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return function(input);
    }

    /// <inheritdoc />
    public sealed override string ToString() => text;
}

/// <summary><c>max(x, 0)</c>, like torch.nn.ReLU.</summary>
public sealed class ReLU() : Activation("ReLU()", x => x.Relu());

/// <summary><c>1 / (1 + exp(-x))</c>, like torch.nn.Sigmoid.</summary>
public sealed class Sigmoid() : Activation("Sigmoid()", x => x.Sigmoid());

/// <summary><c>tanh(x)</c>, like torch.nn.Tanh.</summary>
public sealed class Tanh() : Activation("Tanh()", x => x.Tanh());

/// <summary><c>x sigmoid(x)</c>, like torch.nn.SiLU.</summary>
public sealed class SiLU() : Activation("SiLU()", x => x.Silu());

/// <summary>GELU with the erf form, like torch.nn.GELU (approximate='none').</summary>
public sealed class GELU() : Activation("GELU(approximate='none')", x => x.Gelu());

/// <summary><c>log(1 + exp(beta x)) / beta</c>, x above the threshold, like torch.nn.Softplus.</summary>
/// <param name="beta">The scale inside the exponential.</param>
/// <param name="threshold">Above it (in beta x) the output is x.</param>
public sealed class Softplus(double beta = 1, double threshold = 20)
    : Activation($"Softplus(beta={beta}, threshold={threshold})", x => x.Softplus(beta, threshold));

/// <summary>x above 0, else <c>negative_slope x</c>, like torch.nn.LeakyReLU.</summary>
/// <param name="negativeSlope">The slope below 0.</param>
public sealed class LeakyReLU(double negativeSlope = 0.01)
    : Activation($"LeakyReLU(negative_slope={negativeSlope})", x => x.LeakyRelu(negativeSlope));
