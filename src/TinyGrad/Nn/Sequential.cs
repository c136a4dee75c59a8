using TinyGrad.Kernels;

namespace TinyGrad.Nn;

/// <summary>Applies its modules in order, like torch.nn.Sequential; children are named "0", "1", ....</summary>
public sealed class Sequential : Module
{
    private readonly List<Module> layers = [];

    /// <summary>Chains <paramref name="modules"/> in the given order.</summary>
    public Sequential(params Module[] modules)
    {
        ArgumentNullException.ThrowIfNull(modules);
        foreach (var m in modules) Add(m);
    }

    /// <summary>Number of modules.</summary>
    public int Count => layers.Count;

    /// <summary>The module at <paramref name="index"/>.</summary>
    public Module this[int index] => layers[index];

    /// <summary>Appends <paramref name="module"/> under the next index; returns this container.</summary>
    public Sequential Add(Module module)
    {
        layers.Add(RegisterModule(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module));
        return this;
    }

    /// <summary>
    /// Applies the modules in order. A Linear or Conv2d directly followed by a ReLU runs as one kernel
    /// call with a ReLU epilogue: one pass over the output and one intermediate tensor fewer. When a
    /// MaxPool2d follows, ReLU's gradient mask moves to the pooled output, a quarter the size (2 x 2
    /// windows). Values, gradients and their derivatives are the bits of the modules run one by one.
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        for (int i = 0; i < layers.Count; i++)
        {
            if (layers[i] is IEpilogueLayer fused && i + 1 < layers.Count && layers[i + 1] is ReLU)
            {
                if (i + 2 < layers.Count && layers[i + 2] is MaxPool2d pool)
                {
                    x = pool.ForwardOfRelu(fused.Forward(x, Epilogue.Relu, maskedByConsumer: true));
                    i += 2;
                }
                else
                {
                    x = fused.Forward(x, Epilogue.Relu, maskedByConsumer: false);
                    i++;
                }
            }
            else x = layers[i].Forward(x);
        }
        return x;
    }

    /// <inheritdoc />
    public override string ToString() =>
        "Sequential(" + string.Join(", ", layers.Select((m, i) => $"{i}: {m}")) + ")";
}
