namespace TinyGrad;

public sealed partial class Tensor
{
    /// <summary>
    /// log(softmax(x)) along <paramref name="dim"/>, computed stably as (x - m) - log(sum(exp(x - m)))
    /// with m the (detached) maximum: the value does not depend on m, so neither does the gradient.
    /// </summary>
    public Tensor LogSoftmax(int dim = -1)
    {
        int d = Shapes.Axis(dim, Rank, "log_softmax");
        var shifted = this - Max(d, keepDim: true).Detach();
        return shifted - shifted.Exp().Sum(d, keepDim: true).Log();
    }

    /// <summary>softmax(x) along <paramref name="dim"/>.</summary>
    public Tensor Softmax(int dim = -1) => LogSoftmax(dim).Exp();
}
