namespace TinyGrad;

/// <summary>
/// One recorded op on the tape: its inputs and the rule that maps the gradient of its output to
/// gradients of its inputs. Rules are written in tensor ops, so they can be recorded themselves.
/// </summary>
internal sealed class Node(string op, Tensor[] inputs, Func<Tensor, Tensor?[]>? backward)
{
    public string Op { get; } = op;

    public Tensor[] Inputs { get; private set; } = inputs;

    /// <summary>Null for an op that has no backward rule, or once the graph has been freed.</summary>
    public Func<Tensor, Tensor?[]>? Backward { get; private set; } = backward;

    public bool HasRule { get; } = backward is not null;

    public bool Freed { get; private set; }

    /// <summary>Drops the rule and the saved tensors so the intermediates can be collected.</summary>
    public void Free()
    {
        Backward = null;
        Freed = true;
        Inputs = [];
    }
}
