namespace TinyGrad.Nn;

/// <summary>Activation a layer feeds, for <see cref="Init.CalculateGain"/> (PyTorch's <c>nonlinearity</c> names).</summary>
public enum Nonlinearity
{
    /// <summary>Identity (gain 1).</summary>
    Linear,

    /// <summary>Any convolution (gain 1).</summary>
    Conv,

    /// <summary>Logistic sigmoid (gain 1).</summary>
    Sigmoid,

    /// <summary>Hyperbolic tangent (gain 5/3).</summary>
    Tanh,

    /// <summary>ReLU (gain sqrt(2)).</summary>
    Relu,

    /// <summary>Leaky ReLU with negative slope a (gain sqrt(2 / (1 + a^2))).</summary>
    LeakyRelu,

    /// <summary>SELU (gain 3/4).</summary>
    Selu,
}
