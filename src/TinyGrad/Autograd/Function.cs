using TinyGrad.Kernels;

namespace TinyGrad;

public static partial class Autograd
{
    /// <summary>
    /// A custom differentiable op with several outputs and a context, like a torch.autograd.Function.
    /// <paramref name="forward"/>(ctx, inputs) computes the outputs without recording them; it may call
    /// <see cref="FunctionContext.SaveForBackward"/>. <paramref name="backward"/>(ctx, gradOutputs) gets one
    /// gradient per output (zeros for an output that received none; for an integer output, which is never
    /// differentiable, an Int32 zero tensor) and returns one gradient per input, in input order, of that
    /// input's shape (null where <see cref="FunctionContext.NeedsInputGrad"/> is false or no gradient flows).
    /// Write backward in tensor ops: with <c>createGraph: true</c> it is recorded, so double backward works
    /// through it, through the saved tensors and through the incoming gradients. With a null backward,
    /// differentiating through the op throws, naming it.
    /// </summary>
    /// <param name="name">The op's name on the tape (<see cref="Tensor.GradFnName"/>) and in error messages.</param>
    /// <param name="inputs">The op's inputs; those that require grad get gradients.</param>
    /// <param name="forward">(ctx, inputs) to the outputs; not recorded.</param>
    /// <param name="backward">(ctx, gradients of the outputs) to the gradients of the inputs, or null.</param>
    /// <returns>The outputs, recorded as produced by the op when recording is on and an input requires grad.</returns>
    public static Tensor[] Function(string name, Tensor[] inputs, Func<FunctionContext, Tensor[], Tensor[]> forward, Func<FunctionContext, Tensor[], Tensor?[]>? backward)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(inputs);
        ArgumentNullException.ThrowIfNull(forward);
        for (int i = 0; i < inputs.Length; i++)
            if (inputs[i] is null) throw new ArgumentException($"{name}: input {i} is null", nameof(inputs));
        var ctx = new FunctionContext(inputs);
        Tensor[] outputs;
        using (NoGrad()) outputs = forward(ctx, (Tensor[])inputs.Clone());
        if (outputs is null || outputs.Length == 0) throw new InvalidOperationException($"{name}: forward returned no outputs");
        var seen = new HashSet<Tensor>(inputs, ReferenceEqualityComparer.Instance);
        for (int o = 0; o < outputs.Length; o++)
        {
            var y = outputs[o] ?? throw new InvalidOperationException($"{name}: forward returned null as output {o}");
            // Never re-label an input, a tensor another output already is, or a tensor already on the tape.
            if (seen.Contains(y) || y.RequiresGrad)
            {
                outputs[o] = y.Detach();
                if (!inputs.Contains(y)) ctx.Replace(y, outputs[o]);
            }
            seen.Add(outputs[o]);
        }
        if (!ctx.NeedsInputGrad.Contains(true)) return outputs;

        // The tape maps one tensor to one node, so the op is recorded as a hidden anchor tensor (its
        // node holds the context and calls backward once with every output's gradient) and one node per
        // differentiable output that hands its gradient to the anchor, which comes after all of them in
        // the backward order. Freeing the anchor's node frees the context, and with it the saved tensors.
        var gradients = new Tensor?[outputs.Length];
        var first = Array.Find(inputs, i => i.RequiresGrad)!;
        var anchor = Tensor.Zeros([], first.DType, first.Device);
        anchor.Record(name, inputs, backward is null ? null : AnchorRule(name, inputs.Length, outputs, gradients, ctx, backward));
        for (int o = 0; o < outputs.Length; o++)
            if (outputs[o].DType.IsFloat()) outputs[o].Record(name, [anchor], OutputRule(gradients, o, anchor));
        return outputs;
    }

    // The rules are made in separate methods so that each closure captures only what it uses: an
    // output's node, alive while that output is, must not keep the context (and its saved tensors).

    /// <summary>The anchor's rule: calls backward once with every output's gradient (zeros where none came).</summary>
    private static Func<Tensor, Tensor?[]> AnchorRule(string name, int inputCount, Tensor[] outputs, Tensor?[] gradients, FunctionContext ctx,
        Func<FunctionContext, Tensor[], Tensor?[]> backward) => _ =>
    {
        var g = new Tensor[outputs.Length];
        for (int o = 0; o < g.Length; o++) g[o] = gradients[o] ?? Tensor.ZerosLike(outputs[o]);
        Array.Clear(gradients);
        var result = backward(ctx, g) ?? throw new InvalidOperationException($"{name}: backward returned null");
        if (result.Length != inputCount)
            throw new InvalidOperationException($"{name}: backward returned {result.Length} gradients for {inputCount} inputs (one per input, null where none)");
        return result;
    };

    /// <summary>An output's rule: hands its gradient to the anchor (whose own gradient is a placeholder zero).</summary>
    private static Func<Tensor, Tensor?[]> OutputRule(Tensor?[] gradients, int slot, Tensor anchor) => g =>
    {
        gradients[slot] = g;
        return [Tensor.ZerosLike(anchor)];
    };

    /// <summary>
    /// A custom differentiable op with one output (see the overload with a context for several outputs and
    /// saved tensors): <paramref name="forward"/>(inputs) computes the output without recording it;
    /// <paramref name="backward"/>(gradOutput, inputs) gets the gradient of the output and the op's inputs
    /// (the same tensors, in order) and returns one gradient per input (null where none is needed), in tensor
    /// ops so that double backward works. With a null backward, differentiating through the op throws.
    /// </summary>
    /// <param name="name">The op's name on the tape and in error messages.</param>
    /// <param name="inputs">The op's inputs.</param>
    /// <param name="forward">inputs to the output; not recorded.</param>
    /// <param name="backward">(gradient of the output, inputs) to the gradients of the inputs, or null.</param>
    public static Tensor Function(string name, Tensor[] inputs, Func<Tensor[], Tensor> forward, Func<Tensor, Tensor[], Tensor?[]>? backward)
    {
        ArgumentNullException.ThrowIfNull(forward);
        return Function(name, inputs, (_, x) => [forward(x)], backward is null ? null : (_, g) => backward(g[0], inputs))[0];
    }
}
