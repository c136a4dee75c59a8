using TinyGrad.Analysis;
using TinyGrad.Nn;
using TinyGrad.Optim;

namespace TinyGrad.Bench;

/// <summary>One training workload of compare.sh: a model, a fixed batch and an Adam optimizer (modules live on the CPU).</summary>
public sealed class Workload
{
    private readonly Func<Tensor, Tensor, Tensor> lossFn;

    private Workload(string name, Module model, Tensor input, Tensor target, Func<Tensor, Tensor, Tensor> lossFn, StepFlops lossFlops)
    {
        Name = name;
        Model = model;
        Input = input;
        Target = target;
        this.lossFn = lossFn;
        Parameters = [.. model.Parameters()];
        Optimizer = new Adam(Parameters, lr: 1e-3);
        Flops = FlopCount.TrainingStep(model, input.Shape) + lossFlops;
    }

    public string Name { get; }
    public Module Model { get; }
    public Tensor Input { get; }
    public Tensor Target { get; }
    public Tensor[] Parameters { get; }
    public Adam Optimizer { get; }

    /// <summary>FLOPs of one <see cref="Step"/> counted from the shapes (forward, loss, backward, Adam), for the roofline.</summary>
    public StepFlops Flops { get; }

    public static readonly string[] Names = ["mlp", "mnist_cnn", "cifar_cnn", "fit"];

    /// <summary>
    /// The workload with its model, data and optimizer state on <paramref name="device"/>, at
    /// <paramref name="batch"/> samples (fit: 100 points per sample; the GPU check's dry run on
    /// ILGPU's slow CPU simulator uses a small batch).
    /// </summary>
    public static Workload Create(string name, Device device, int batch = 100)
    {
        // Modules allocate their parameters on the default device.
        var saved = Device.Default;
        Device.Default = device;
        try
        {
            return Build(name, device, batch);
        }
        finally
        {
            Device.Default = saved;
        }
    }

    private static Workload Build(string name, Device device, int batch)
    {
        var g = new Generator(42);
        Tensor Labels(int n, int classes)
        {
            var labels = new int[n];
            for (int i = 0; i < n; i++) labels[i] = g.NextInt(classes);
            return Tensor.FromArray(labels, [n], device);
        }
        Tensor Uniform(int[] shape) => Tensor.Uniform(shape, -1, 1, g, device: device);
        Linear L(int i, int o) => new Linear(i, o, generator: g);
        Conv2d C(int i, int o, int k, int pad) => new Conv2d(i, o, k, padding: pad, generator: g);
        switch (name)
        {
            case "mlp":
                return new Workload(name, new Sequential(L(784, 700), new ReLU(), L(700, 700), new ReLU(), L(700, 700), new ReLU(), L(700, 10)),
                    Uniform([batch, 784]), Labels(batch, 10), (y, t) => Functional.CrossEntropy(y, t), FlopCount.CrossEntropy(batch, 10));
            case "mnist_cnn":
                return new Workload(name, new Sequential(
                        C(1, 32, 5, 2), new ReLU(), new MaxPool2d(2), C(32, 20, 3, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                        L(980, 48), new ReLU(), L(48, 42), new ReLU(), L(42, 10)),
                    Uniform([batch, 1, 28, 28]), Labels(batch, 10), (y, t) => Functional.CrossEntropy(y, t), FlopCount.CrossEntropy(batch, 10));
            case "cifar_cnn":
                return new Workload(name, new Sequential(
                        C(3, 32, 3, 1), new ReLU(), new MaxPool2d(2), C(32, 28, 3, 1), new ReLU(), new MaxPool2d(2),
                        C(28, 28, 3, 1), new ReLU(), new MaxPool2d(2), new Flatten(),
                        L(448, 30), new ReLU(), L(30, 30), new ReLU(), L(30, 10)),
                    Uniform([batch, 3, 32, 32]), Labels(batch, 10), (y, t) => Functional.CrossEntropy(y, t), FlopCount.CrossEntropy(batch, 10));
            case "fit":
            {
                var layers = new List<Module> { L(1, 50), new ReLU() };
                for (int i = 0; i < 4; i++) { layers.Add(L(50, 50)); layers.Add(new ReLU()); }
                layers.Add(L(50, 1));
                var x = Uniform([100 * batch, 1]);
                var y = (x * 3).Sin();
                return new Workload(name, new Sequential([.. layers]), x, y.Detach(), (p, t) => Functional.MseLoss(p, t), FlopCount.MseLoss(100 * batch));
            }
            default:
                throw new ArgumentException($"unknown workload '{name}'");
        }
    }

    /// <summary>
    /// Whether the model's modules run one by one instead of through Sequential's forward (which fuses
    /// a layer with its ReLU): the unfused baseline that <c>micro fusion</c> times against.
    /// </summary>
    public bool ModulesOneByOne { get; set; }

    /// <summary>The loss at the current parameters (records the graph).</summary>
    public Tensor Loss() => lossFn(ModulesOneByOne && Model is Sequential layers ? OneByOne(layers, Input) : Model.Forward(Input), Target);

    private static Tensor OneByOne(Sequential layers, Tensor x)
    {
        for (int i = 0; i < layers.Count; i++) x = layers[i].Forward(x);
        return x;
    }

    /// <summary>One training step: zero grads, forward, backward, Adam.</summary>
    public void Step()
    {
        Optimizer.ZeroGrad();
        Loss().Backward();
        Optimizer.Step();
    }

    /// <summary>The Hessian operator of the loss over all parameters.</summary>
    public HessianOperator Hessian() => new(Loss, Parameters);
}
