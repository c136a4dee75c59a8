namespace TinyGrad;

/// <summary>
/// What a custom op (<see cref="Autograd.Function(string, Tensor[], Func{FunctionContext, Tensor[], Tensor[]}, Func{FunctionContext, Tensor[], Tensor?[]})"/>)
/// carries from its forward to its backward, like the ctx of a torch.autograd.Function: the tensors saved
/// for backward and which inputs need a gradient. The saved tensors live as long as the op's graph: once
/// a backward without retainGraph has run through the op (or the outputs are dropped) they are released.
/// </summary>
public sealed class FunctionContext
{
    private Tensor[] saved = [];
    private readonly bool[] needsInputGrad;

    internal FunctionContext(Tensor[] inputs)
    {
        needsInputGrad = Array.ConvertAll(inputs, i => i.RequiresGrad && Autograd.IsEnabled);
    }

    /// <summary>
    /// Keeps <paramref name="tensors"/> for backward (call it in forward; a later call replaces the list).
    /// Save inputs and outputs themselves, not copies: in a backward recorded for double backward
    /// (<c>createGraph: true</c>) a saved input or output carries its place on the tape, so gradients
    /// flow through it. Any other tensor made in forward is a constant there (as in PyTorch): for an op
    /// that must be twice differentiable, recompute such intermediates in backward from the saved inputs.
    /// </summary>
    public void SaveForBackward(params Tensor[] tensors)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        foreach (var t in tensors) ArgumentNullException.ThrowIfNull(t, nameof(tensors));
        saved = (Tensor[])tensors.Clone();
    }

    /// <summary>The tensors given to <see cref="SaveForBackward"/>, in order (forward's outputs as returned by the op).</summary>
    public IReadOnlyList<Tensor> SavedTensors => saved;

    /// <summary>Whether input i requires a gradient (torch's ctx.needs_input_grad); backward may return null for the others.</summary>
    public IReadOnlyList<bool> NeedsInputGrad => needsInputGrad;

    /// <summary>Where forward returned <paramref name="original"/> but the op hands out <paramref name="replacement"/>, saved references follow.</summary>
    internal void Replace(Tensor original, Tensor replacement)
    {
        for (int i = 0; i < saved.Length; i++)
            if (ReferenceEquals(saved[i], original)) saved[i] = replacement;
    }
}
