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
    /// call with a ReLU epilogue: one pass over the output and one intermediate tensor fewer. The
    /// ReLU's gradient rule then moves to the output's consumer when it can take it: a MaxPool2d
    /// applies it to the pooled output (a quarter the size, 2 x 2 windows), a Linear in its input
    /// gradient's GEMM (the ReluGradient epilogue) instead of a pass of its own. A Conv2d, ReLU and
    /// MaxPool2d run as one call that pools each image's output while it is in cache and never
    /// keeps the convolution's output. Values, gradients and their derivatives are the bits of the
    /// modules run one by one, but for a first convolution's weight and bias gradients in a plain
    /// backward (no graph of the gradients), which a backend may sum in an order of its own from the
    /// pooled gradient (the same values within rounding).
    /// </summary>
    public override Tensor Forward(Tensor input)
    {
        var x = input;
        bool ofRelu = false; // x is a ReLU's output whose gradient rule layers[i] takes
        for (int i = 0; i < layers.Count; i++)
        {
            var layer = layers[i];
            bool fuse = layer is IEpilogueLayer && i + 1 < layers.Count && layers[i + 1] is ReLU;
            var epilogue = fuse ? Epilogue.Relu : Epilogue.None;
            if (fuse && i + 2 < layers.Count && layers[i + 2] is MaxPool2d pool)
            {
                x = layer is Conv2d conv && !ofRelu ? conv.ForwardReluMaxPool(x, pool) : pool.ForwardOfRelu(Apply(layer, x, epilogue, maskedByConsumer: true, ofRelu));
                ofRelu = false;
                i += 2;
                continue;
            }
            bool handOn = fuse && i + 2 < layers.Count && layers[i + 2] is IReluInputLayer;
            x = Apply(layer, x, epilogue, handOn, ofRelu);
            ofRelu = handOn;
            if (fuse) i++;
        }
        return x;
    }

    /// <summary>One layer's forward with the epilogue and gradient hand-offs decided by <see cref="Forward"/>.</summary>
    private static Tensor Apply(Module layer, Tensor x, Epilogue epilogue, bool maskedByConsumer, bool ofRelu) =>
        ofRelu ? ((IReluInputLayer)layer).ForwardOfRelu(x, epilogue, maskedByConsumer)
        : epilogue != Epilogue.None ? ((IEpilogueLayer)layer).Forward(x, epilogue, maskedByConsumer)
        : layer.Forward(x);

    /// <inheritdoc />
    public override string ToString() =>
        "Sequential(" + string.Join(", ", layers.Select((m, i) => $"{i}: {m}")) + ")";
}
