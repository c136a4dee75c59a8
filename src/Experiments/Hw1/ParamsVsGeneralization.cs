using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>Stub.</summary>
public sealed class ParamsVsGeneralization : IExperiment
{
    /// <inheritdoc/>
    public string Name => "params-vs-generalization";

    /// <inheritdoc/>
    public string Title => "params-vs-generalization";

    /// <inheritdoc/>
    public string Description => "todo";

    /// <inheritdoc/>
    public void Run(RunContext ctx)
    {
    }
}
