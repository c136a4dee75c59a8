using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class ActualTask : IExperiment
{
    /// <inheritdoc/>
    public string Name => "actual-task";

    /// <inheritdoc/>
    public string Title => "actual-task";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
