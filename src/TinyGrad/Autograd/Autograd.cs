using TinyGrad.Kernels;

namespace TinyGrad;

/// <summary>
/// Reverse-mode differentiation over the tape of recorded ops: <see cref="Grad"/> (like
/// torch.autograd.grad), <see cref="NoGrad"/> scopes, anomaly detection and custom ops.
/// </summary>
public static partial class Autograd
{
    [ThreadStatic] private static int disabledDepth;
    [ThreadStatic] private static int anomalyDepth;

    /// <summary>Whether ops on this thread are currently recorded.</summary>
    public static bool IsEnabled => disabledDepth == 0;

    /// <summary>Whether every recorded op checks its output (and backward its gradients) for NaN/Inf.</summary>
    public static bool IsAnomalyDetectionEnabled => anomalyDepth > 0;

    /// <summary>Stops recording on this thread until the returned scope is disposed.</summary>
    public static Scope NoGrad()
    {
        disabledDepth++;
        return new Scope(() => disabledDepth--);
    }

    /// <summary>
    /// Turns recording back on inside a <see cref="NoGrad"/> region until disposed (like
    /// torch.enable_grad): for analyses that differentiate while their callers do not.
    /// </summary>
    public static Scope EnableGrad()
    {
        int saved = disabledDepth;
        disabledDepth = 0;
        return new Scope(() => disabledDepth = saved);
    }

    /// <summary>
    /// Within the returned scope every recorded op checks its result for NaN/Inf and throws naming
    /// the first op that produced one (forward or backward). Slow: for debugging.
    /// </summary>
    public static Scope DetectAnomaly()
    {
        anomalyDepth++;
        return new Scope(() => anomalyDepth--);
    }

    /// <summary>Restores the previous mode when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Action restore;

        internal Scope(Action restore) => this.restore = restore;

        /// <inheritdoc />
        public void Dispose() => restore?.Invoke();
    }

    /// <summary>
    /// Records <paramref name="output"/> as produced by <paramref name="op"/> from <paramref name="inputs"/> when
    /// recording is on and some input requires a gradient. <paramref name="backward"/> maps the output's
    /// gradient to one gradient per input (null where none is needed).
    /// </summary>
    internal static Tensor Record(this Tensor output, string op, Tensor[] inputs, Func<Tensor, Tensor?[]>? backward)
    {
        if (IsAnomalyDetectionEnabled) ThrowIfNotFinite(output, op, "forward");
        if (!IsEnabled) return output;
        bool any = false;
        foreach (var input in inputs) any |= input.RequiresGrad;
        if (!any) return output;
        output.SetGradFn(new Node(op, inputs, backward));
        return output;
    }

    /// <summary>
    /// Gradients of <paramref name="outputs"/> with respect to <paramref name="inputs"/>, like
    /// torch.autograd.grad. <paramref name="gradOutputs"/> weights each output (required unless it is a
    /// scalar). With <paramref name="createGraph"/> the returned gradients are themselves on the tape,
    /// so they can be differentiated again (Hessian-vector products). The graph is freed afterwards
    /// unless <paramref name="retainGraph"/> (default: <paramref name="createGraph"/>). An input the
    /// outputs do not depend on throws unless <paramref name="allowUnused"/>, which gives zeros.
    /// </summary>
    public static Tensor[] Grad(
        IReadOnlyList<Tensor> outputs,
        IReadOnlyList<Tensor> inputs,
        IReadOnlyList<Tensor?>? gradOutputs = null,
        bool createGraph = false,
        bool? retainGraph = null,
        bool allowUnused = false)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        ArgumentNullException.ThrowIfNull(inputs);
        for (int i = 0; i < inputs.Count; i++)
            if (!inputs[i].RequiresGrad)
                throw new ArgumentException($"grad: input {i} (shape {Shapes.Format(inputs[i].Shape)}) does not require grad");
        var wanted = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        var grads = Run(outputs, gradOutputs, createGraph, retainGraph ?? createGraph, wanted.Contains);
        var result = new Tensor[inputs.Count];
        for (int i = 0; i < inputs.Count; i++)
        {
            if (grads.TryGetValue(inputs[i], out var g)) result[i] = g;
            else if (allowUnused) result[i] = Tensor.Zeros(inputs[i].ShapeArray, inputs[i].DType, inputs[i].Device);
            else throw new InvalidOperationException($"grad: input {i} (shape {Shapes.Format(inputs[i].Shape)}) was not used to compute the outputs; pass allowUnused: true to get zeros");
        }
        return result;
    }

    /// <summary>Accumulates d(outputs)/d(leaf) into the <see cref="Tensor.Grad"/> of every leaf that requires grad.</summary>
    internal static void Backward(Tensor output, Tensor? gradient, bool retainGraph, bool createGraph)
    {
        var grads = Run([output], [gradient], createGraph, retainGraph, t => t.IsLeaf);
        foreach (var (leaf, g) in grads)
        {
            var add = createGraph ? g : g.Detach();
            if (leaf.Grad is null) leaf.Grad = add;
            else
            {
                using var _ = createGraph ? default : NoGrad();
                leaf.Grad = leaf.Grad + add;
            }
        }
    }

    /// <summary>The engine: walks the tape from the outputs in reverse topological order.</summary>
    private static Dictionary<Tensor, Tensor> Run(
        IReadOnlyList<Tensor> outputs, IReadOnlyList<Tensor?>? gradOutputs, bool createGraph, bool retainGraph, Func<Tensor, bool> keep)
    {
        if (gradOutputs is not null && gradOutputs.Count != outputs.Count)
            throw new ArgumentException($"grad: {outputs.Count} outputs but {gradOutputs.Count} output gradients");
        var grads = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < outputs.Count; i++)
        {
            var output = outputs[i];
            if (!output.RequiresGrad)
                throw new InvalidOperationException($"backward: output {i} (shape {Shapes.Format(output.Shape)}) does not require grad: no input that requires grad was used to compute it");
            var seed = gradOutputs?[i];
            if (seed is null)
            {
                if (output.Numel != 1)
                    throw new InvalidOperationException($"backward: output {i} has shape {Shapes.Format(output.Shape)}, not a scalar; pass a gradient of that shape");
                seed = Tensor.OnesLike(output);
            }
            else if (!seed.Shape.SequenceEqual(output.Shape))
                throw new ArgumentException($"backward: gradient of shape {Shapes.Format(seed.Shape)} for output {i} of shape {Shapes.Format(output.Shape)}");
            Accumulate(grads, output, seed);
        }

        using var scope = createGraph ? default : NoGrad();
        foreach (var tensor in ReverseTopologicalOrder(outputs))
        {
            var node = tensor.GradFn!;
            if (!grads.TryGetValue(tensor, out var g)) continue;
            if (!keep(tensor)) grads.Remove(tensor);
            if (node.Freed)
                throw new InvalidOperationException(
                    $"Trying to backward through the graph a second time: the saved tensors of '{node.Op}' were freed when backward ran through it. " +
                    "Specify retainGraph: true on the first backward if you need to backward through the graph a second time.");
            if (!node.HasRule)
                throw new NotSupportedException($"op '{node.Op}' has no backward rule: it cannot be differentiated");
            var inputGrads = node.Backward!(g);
            for (int i = 0; i < node.Inputs.Length; i++)
            {
                var input = node.Inputs[i];
                var ig = inputGrads[i];
                if (ig is null || !input.RequiresGrad) continue;
                if (!ig.Shape.SequenceEqual(input.Shape))
                    throw new InvalidOperationException($"backward of '{node.Op}' gave a gradient of shape {Shapes.Format(ig.Shape)} for input {i} of shape {Shapes.Format(input.Shape)}");
                if (IsAnomalyDetectionEnabled) ThrowIfNotFinite(ig, node.Op, $"backward (gradient of input {i})");
                Accumulate(grads, input, ig);
            }
            if (!retainGraph) node.Free(); // its saved tensors become garbage now, their device blocks at the allocator's next collection
        }
        // Only leaves and kept tensors remain.
        foreach (var t in grads.Keys.ToList())
            if (!keep(t)) grads.Remove(t);
        return grads;
    }

    private static void Accumulate(Dictionary<Tensor, Tensor> grads, Tensor tensor, Tensor g)
    {
        grads[tensor] = grads.TryGetValue(tensor, out var prior) ? prior + g : g;
    }

    /// <summary>Tensors with a grad_fn reachable from <paramref name="outputs"/>, each after every tensor that uses it.</summary>
    private static List<Tensor> ReverseTopologicalOrder(IReadOnlyList<Tensor> outputs)
    {
        var order = new List<Tensor>();
        var visited = new HashSet<Tensor>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(Tensor Tensor, int Next)>();
        foreach (var output in outputs)
        {
            if (output.GradFn is null || !visited.Add(output)) continue;
            stack.Push((output, 0));
            while (stack.Count > 0)
            {
                var (t, next) = stack.Pop();
                var inputs = t.GradFn!.Inputs;
                if (next < inputs.Length)
                {
                    stack.Push((t, next + 1));
                    var child = inputs[next];
                    if (child.GradFn is not null && visited.Add(child)) stack.Push((child, 0));
                }
                else order.Add(t);
            }
        }
        order.Reverse();
        return order;
    }

    private static void ThrowIfNotFinite(Tensor t, string op, string where)
    {
        if (!t.DType.IsFloat()) return;
        foreach (double v in t.ToDoubleArray())
            if (!double.IsFinite(v))
                throw new ArithmeticException($"anomaly: '{op}' {where} produced {v} (shape {Shapes.Format(t.Shape)})");
    }
}
