using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class RandomLabels : IExperiment
{
    /// <inheritdoc/>
    public string Name => "random-labels";

    /// <inheritdoc/>
    public string Title => "random-labels";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
