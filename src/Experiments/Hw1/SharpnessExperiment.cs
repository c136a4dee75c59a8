using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class SharpnessExperiment : IExperiment
{
    /// <inheritdoc/>
    public string Name => "sharpness";

    /// <inheritdoc/>
    public string Title => "sharpness";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
