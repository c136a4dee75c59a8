namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// Accumulates the gradient of this tensor into <see cref="Grad"/> of every leaf that requires
    /// one. A non-scalar tensor needs <paramref name="gradient"/> of its shape. The graph is freed
    /// unless <paramref name="retainGraph"/>; with <paramref name="createGraph"/> the gradients are recorded.
    /// </summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false, bool createGraph = false) =>
        Autograd.Backward(this, gradient, retainGraph || createGraph, createGraph);
}
