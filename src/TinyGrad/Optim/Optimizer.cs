namespace TinyGrad.Optim;

/// <summary>
/// Base of the optimizers, like torch.optim.Optimizer: updates a fixed list of parameters in
/// place from their <see cref="Tensor.Grad"/>. Parameters whose gradient is null are skipped.
/// Per-parameter state (named tensors plus a step count) is created lazily on a parameter's
/// first update and is exposed for checkpointing through <see cref="StateDict"/> and <see cref="LoadStateDict"/>; it lives
/// on its parameter's device, and follows the parameter when Module.To moves or converts it.
/// </summary>
public abstract partial class Optimizer
{
    private readonly Tensor[] parameters;
    private readonly Dictionary<string, Tensor>[] state;
    private readonly int[] parameterSteps;
    private double learningRate;

    /// <summary>
    /// Takes the parameters to optimise. Each must be a floating-point leaf that requires grad and
    /// owns its whole buffer contiguously (as module parameters do): the fused update kernels
    /// write the buffer directly.
    /// </summary>
    protected Optimizer(IEnumerable<Tensor> parameters, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        this.parameters = [.. parameters];
        if (this.parameters.Length == 0) throw new ArgumentException("optimizer got an empty parameter list", nameof(parameters));
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < this.parameters.Length; i++)
        {
            var p = this.parameters[i] ?? throw new ArgumentException($"parameter {i} is null", nameof(parameters));
            if (!seen.Add(p)) throw new ArgumentException($"parameter {i} appears more than once", nameof(parameters));
            if (!p.IsLeaf || !p.RequiresGrad)
                throw new ArgumentException($"parameter {i} (shape {Shapes.Format(p.Shape)}) must be a leaf tensor that requires grad", nameof(parameters));
            if (!p.IsContiguous || p.Offset != 0 || p.Buffer.Length != p.Numel)
                throw new ArgumentException($"parameter {i} (shape {Shapes.Format(p.Shape)}) must own its buffer contiguously from offset 0, not be a view", nameof(parameters));
        }
        state = new Dictionary<string, Tensor>[this.parameters.Length];
        for (int i = 0; i < state.Length; i++) state[i] = [];
        parameterSteps = new int[this.parameters.Length];
        LearningRate = learningRate;
    }

    /// <summary>The parameters, in the order given.</summary>
    public IReadOnlyList<Tensor> Parameters => parameters;

    /// <summary>Step size; may be changed between steps (learning-rate schedules).</summary>
    public double LearningRate
    {
        get => learningRate;
        set
        {
            if (!(value >= 0) || double.IsInfinity(value)) throw new ArgumentOutOfRangeException(nameof(value), value, "learning rate must be finite and non-negative");
            learningRate = value;
        }
    }

    /// <summary>A hyperparameter that must be at least 0 (NaN is not), or an exception naming it.</summary>
    private protected static double NonNegative(double value, string parameter, string what) =>
        value >= 0 ? value : throw new ArgumentOutOfRangeException(parameter, value, $"{what} must be non-negative");

    /// <summary>A hyperparameter that must lie in [0, 1) (a decay rate), or an exception naming it.</summary>
    private protected static double Fraction(double value, string parameter) =>
        value >= 0 && value < 1 ? value : throw new ArgumentOutOfRangeException(parameter, value, $"{parameter} must be in [0, 1)");

    /// <summary>How many times <see cref="Step"/> has run; settable when restoring a checkpoint.</summary>
    public int StepCount { get; set; }

    /// <summary>Names of the state tensors this optimizer keeps per parameter (PyTorch's keys).</summary>
    public abstract IReadOnlyList<string> StateNames { get; }

    /// <summary>Applies one update to every parameter that has a gradient.</summary>
    public abstract void Step();

    /// <summary>Clears every parameter's gradient (sets it to null, like set_to_none=True).</summary>
    public void ZeroGrad()
    {
        foreach (var p in parameters) p.Grad = null;
    }

    /// <summary>The live state tensors of parameter <paramref name="parameterIndex"/>; empty before its first update.</summary>
    public IReadOnlyDictionary<string, Tensor> State(int parameterIndex) => Live(CheckIndex(parameterIndex));

    /// <summary>How many updates parameter <paramref name="parameterIndex"/> has received (Adam's bias-correction t).</summary>
    public int ParameterStep(int parameterIndex) => parameterSteps[CheckIndex(parameterIndex)];

    /// <summary>
    /// Restores the state of parameter <paramref name="parameterIndex"/>: its update count and a copy
    /// of each given tensor (names from <see cref="StateNames"/>, shape of the parameter).
    /// </summary>
    public void LoadState(int parameterIndex, int step, IReadOnlyDictionary<string, Tensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var p = parameters[CheckIndex(parameterIndex)];
        foreach (var (name, t) in tensors)
        {
            if (!StateNames.Contains(name))
                throw new ArgumentException($"unknown state '{name}' for {GetType().Name}; expected one of {string.Join(", ", StateNames)}", nameof(tensors));
            if (!t.Shape.SequenceEqual(p.Shape))
                throw new ArgumentException($"state '{name}' of parameter {parameterIndex} has shape {Shapes.Format(t.Shape)}, expected {Shapes.Format(p.Shape)}", nameof(tensors));
        }
        var restored = new Dictionary<string, Tensor>();
        using (Autograd.NoGrad())
        {
            foreach (var (name, t) in tensors)
            {
                var copy = Tensor.ZerosLike(p);
                copy.CopyFrom(t);
                restored[name] = copy;
            }
        }
        state[parameterIndex] = restored;
        parameterSteps[parameterIndex] = step;
    }

    /// <summary>Parameter <paramref name="index"/>'s gradient as a buffer the fused kernels can read, or null when it has none.</summary>
    private protected Tensor? DenseGrad(int index)
    {
        var p = parameters[index];
        var g = p.Grad;
        if (g is null) return null;
        if (!g.Shape.SequenceEqual(p.Shape))
            throw new InvalidOperationException($"gradient of parameter {index} has shape {Shapes.Format(g.Shape)}, expected {Shapes.Format(p.Shape)}");
        if (g.Device != p.Device)
            throw new InvalidOperationException($"gradient of parameter {index} is on {g.Device}, the parameter on {p.Device}");
        if (g.DType == p.DType && g.IsContiguous && g.Offset == 0 && g.Buffer.Length == g.Numel) return g;
        // Broadcast or sliced gradients (e.g. from sum's backward) are densified; Copy also converts the dtype.
        var dense = Tensor.Empty(p.ShapeArray, p.DType, p.Device);
        p.Backend.Copy(g.View, dense.View);
        return dense;
    }

    /// <summary>State tensor <paramref name="name"/> of parameter <paramref name="index"/>, or null before it exists.</summary>
    private protected Tensor? FindState(int index, string name) => Live(index).GetValueOrDefault(name);

    /// <summary>State tensor <paramref name="name"/> of parameter <paramref name="index"/>, created as zeros of its shape when absent.</summary>
    private protected Tensor GetOrCreateState(int index, string name)
    {
        var live = Live(index);
        if (!live.TryGetValue(name, out var t))
            live[name] = t = Tensor.ZerosLike(parameters[index]);
        return t;
    }

    /// <summary>
    /// Parameter <paramref name="index"/>'s state, on its parameter's device and in its dtype: after
    /// Module.To moved or converted the parameter, the state follows it here (as torch's load_state_dict
    /// casts state to its parameter), instead of failing the next step on a device mismatch.
    /// </summary>
    private Dictionary<string, Tensor> Live(int index)
    {
        var p = parameters[index];
        var live = state[index];
        bool stale = false;
        foreach (var t in live.Values) stale |= t.Device != p.Device || t.DType != p.DType;
        if (!stale) return live;
        foreach (var name in live.Keys.ToArray())
        {
            var t = live[name];
            if (t.Device == p.Device && t.DType == p.DType) continue;
            using var _ = Autograd.NoGrad();
            var moved = Tensor.ZerosLike(p);
            moved.CopyFrom(t);
            live[name] = moved;
        }
        return live;
    }

    /// <summary>Counts one more update of parameter <paramref name="index"/> and returns the new count.</summary>
    private protected int AdvanceParameterStep(int index) => ++parameterSteps[index];

    private int CheckIndex(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, parameters.Length);
        return index;
    }
}
