using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Hw1;

/// <summary>
/// The experiments of the homework, in homework order: the one list that <c>hw1 list</c>, <c>report</c>, <c>sweep all</c> and
/// the tests read. Adding an experiment is its file and one line here.
/// </summary>
public static class ExperimentRegistry
{
    /// <summary>All experiments in homework order.</summary>
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new FunctionFit(),
        new ActualTask(),
        new Trajectory(),
        new GradNorm(),
        new MinimalRatio(),
        new ErrorSurface(),
        new RandomLabels(),
        new ParamsVsGeneralization(),
        new Interpolation(),
        new SensitivityExperiment(),
        new SharpnessExperiment(),
    ];

    /// <summary>The experiment named <paramref name="name"/> (case-insensitive), or null.</summary>
    public static IExperiment? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
}
