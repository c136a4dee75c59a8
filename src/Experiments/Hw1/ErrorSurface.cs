using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class ErrorSurface : IExperiment
{
    /// <inheritdoc/>
    public string Name => "error-surface";

    /// <inheritdoc/>
    public string Title => "error-surface";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
