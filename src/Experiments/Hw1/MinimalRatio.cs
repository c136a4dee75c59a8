using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class MinimalRatio : IExperiment
{
    /// <inheritdoc/>
    public string Name => "minimal-ratio";

    /// <inheritdoc/>
    public string Title => "minimal-ratio";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
