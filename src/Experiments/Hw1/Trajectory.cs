using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class Trajectory : IExperiment
{
    /// <inheritdoc/>
    public string Name => "trajectory";

    /// <inheritdoc/>
    public string Title => "trajectory";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
