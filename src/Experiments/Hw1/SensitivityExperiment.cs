using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class SensitivityExperiment : IExperiment
{
    /// <inheritdoc/>
    public string Name => "sensitivity";

    /// <inheritdoc/>
    public string Title => "sensitivity";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
