using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class Interpolation : IExperiment
{
    /// <inheritdoc/>
    public string Name => "interpolation";

    /// <inheritdoc/>
    public string Title => "interpolation";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
