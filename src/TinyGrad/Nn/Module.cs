namespace TinyGrad.Nn;

/// <summary>
/// Base of every layer and model, like torch.nn.Module: parameters and submodules registered in
/// order, so <see cref="NamedParameters"/> gives stable dotted names ("features.0.weight") that
/// checkpoints and optimizers rely on.
/// </summary>
public abstract partial class Module
{
    private readonly List<(string Name, Tensor Parameter)> parameters = [];
    private readonly List<(string Name, Module Module)> children = [];

    /// <summary>Whether the module is in training mode (the default): <see cref="Dropout"/> drops elements only then; see <see cref="Train"/>.</summary>
    public bool Training { get; private set; } = true;

    /// <summary>Computes the module's output.</summary>
    public abstract Tensor Forward(Tensor input);

    /// <summary>
    /// Adds <paramref name="parameter"/> under <paramref name="name"/>. It must be a leaf; it is
    /// marked as requiring grad, as torch.nn.Parameter does. Returns the parameter.
    /// </summary>
    public Tensor RegisterParameter(string name, Tensor parameter)
    {
        ArgumentNullException.ThrowIfNull(parameter);
        CheckNewName(name);
        if (!parameter.IsLeaf)
            throw new ArgumentException($"parameter '{name}' must be a leaf tensor, not the output of '{parameter.GradFnName}' (use Detach())");
        parameter.RequiresGrad = true;
        parameters.Add((name, parameter));
        return parameter;
    }

    /// <summary>Adds <paramref name="module"/> as a child named <paramref name="name"/>; returns it.</summary>
    public T RegisterModule<T>(string name, T module) where T : Module
    {
        ArgumentNullException.ThrowIfNull(module);
        CheckNewName(name);
        if (ReferenceEquals(module, this)) throw new ArgumentException($"module '{name}' cannot be registered as its own child");
        children.Add((name, module));
        return module;
    }

    /// <summary>The direct children in registration order.</summary>
    public IEnumerable<(string Name, Module Module)> NamedChildren() => children;

    /// <summary>
    /// Every parameter of this module and its descendants with its dotted path, own parameters
    /// first, then each child's in registration order. A tensor shared by several modules is
    /// listed once, under its first name (as PyTorch does), so optimizers step it once.
    /// </summary>
    public IEnumerable<(string Name, Tensor Parameter)> NamedParameters()
    {
        var seen = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        foreach (var (name, p) in AllParameters(""))
            if (seen.Add(p)) yield return (name, p);
    }

    /// <summary>The tensors of <see cref="NamedParameters"/>.</summary>
    public IEnumerable<Tensor> Parameters() => NamedParameters().Select(np => np.Parameter);

    /// <summary>Total number of parameter elements.</summary>
    public int ParameterCount => Parameters().Sum(p => p.Numel);

    /// <summary>Sets training mode on this module and every descendant; returns this module.</summary>
    public Module Train(bool mode = true)
    {
        Training = mode;
        foreach (var (_, child) in children) child.Train(mode);
        return this;
    }

    /// <summary>Evaluation mode: <c>Train(false)</c>.</summary>
    public Module Eval() => Train(false);

    /// <summary>Clears the gradient of every parameter (sets it to null, like set_to_none=True).</summary>
    public void ZeroGrad()
    {
        foreach (var p in Parameters()) p.Grad = null;
    }

    /// <summary>
    /// All parameters flattened and concatenated in <see cref="NamedParameters"/> order into one
    /// new 1-D tensor, detached from the tape (torch.nn.utils.parameters_to_vector).
    /// </summary>
    public Tensor ParametersToVector()
    {
        var ps = Parameters().ToList();
        if (ps.Count == 0) return Tensor.Zeros([0]);
        var vector = Tensor.Empty([ps.Sum(p => p.Numel)], ps[0].DType, ps[0].Device);
        int at = 0;
        foreach (var p in ps)
        {
            // A strided copy into a slice of the fresh buffer: the result never aliases a parameter.
            var slot = vector.Slice(0, at, at + p.Numel).Reshape(p.ShapeArray);
            p.Backend.Copy(p.View, slot.View);
            at += p.Numel;
        }
        return vector;
    }

    /// <summary>
    /// Copies consecutive slices of the 1-D <paramref name="vector"/> into the parameters in place,
    /// in <see cref="NamedParameters"/> order (torch.nn.utils.vector_to_parameters). Not recorded.
    /// </summary>
    public void VectorToParameters(Tensor vector)
    {
        ArgumentNullException.ThrowIfNull(vector);
        int expected = ParameterCount;
        if (vector.Rank != 1 || vector.Size(0) != expected)
            throw new ArgumentException($"VectorToParameters: expected a 1-D vector of length {expected} (the parameter count), got shape {Shapes.Format(vector.Shape)}", nameof(vector));
        using var _ = Autograd.NoGrad();
        int at = 0;
        foreach (var p in Parameters())
        {
            p.CopyFrom(vector.Slice(0, at, at + p.Numel).Reshape(p.ShapeArray));
            at += p.Numel;
        }
    }

    private IEnumerable<(string Name, Tensor Parameter)> AllParameters(string prefix)
    {
        foreach (var (name, p) in parameters) yield return (prefix + name, p);
        foreach (var (name, child) in children)
            foreach (var np in child.AllParameters(prefix + name + "."))
                yield return np;
    }

    private void CheckNewName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('.', StringComparison.Ordinal))
            throw new ArgumentException($"name '{name}' must not contain '.' (dots separate nested module names)", nameof(name));
        if (parameters.Exists(p => p.Name == name) || children.Exists(c => c.Name == name))
            throw new ArgumentException($"'{name}' is already registered in {GetType().Name}", nameof(name));
    }
}
