using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class GradNorm : IExperiment
{
    /// <inheritdoc/>
    public string Name => "grad-norm";

    /// <inheritdoc/>
    public string Title => "grad-norm";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
