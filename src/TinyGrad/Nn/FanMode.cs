namespace TinyGrad.Nn;

/// <summary>Which fan Kaiming initialisation preserves the variance of (PyTorch's <c>mode</c>).</summary>
public enum FanMode
{
    /// <summary>Preserve the variance of activations in the forward pass.</summary>
    FanIn,

    /// <summary>Preserve the variance of gradients in the backward pass.</summary>
    FanOut,
}
