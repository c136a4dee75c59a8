namespace TinyGrad.Experiments.Runner;

/// <summary>
/// One homework experiment, made of independent units (runs, models, batch sizes ...) that can run in any process in any
/// order, and an aggregation that builds metrics, figures and the report section from the finished units.
/// </summary>
public interface IExperiment
{
    /// <summary>The CLI name (e.g. function-fit).</summary>
    string Name { get; }

    /// <summary>The homework part and title (e.g. "1-1 Simulate a function").</summary>
    string Title { get; }

    /// <summary>One-line description for <c>hw1 list</c>.</summary>
    string Description { get; }

    /// <summary>The independent units at <paramref name="preset"/>, in order (one unit when it cannot be split), each with the datasets it reads.</summary>
    IReadOnlyList<ExperimentUnit> Units(Preset preset);

    /// <summary>The real datasets <see cref="Aggregate"/> reads itself (most aggregations read none: they work from the units' results).</summary>
    IReadOnlyList<RealDataset> AggregationData(Preset preset) => [];

    /// <summary>Runs unit <see cref="UnitContext.Index"/>, leaving its metrics, arrays and model rows in <paramref name="ctx"/>.</summary>
    void RunUnit(UnitContext ctx);

    /// <summary>
    /// Builds settings, figures, observations and any further metrics from the finished <paramref name="units"/> (in unit
    /// order; their metrics, model rows and data sources are already in <paramref name="ctx"/>). Units not run for missing
    /// data are absent from <paramref name="units"/> and listed in <see cref="RunContext.NotRun"/>: an experiment whose units
    /// read different datasets aggregates what it has and names the rest in its figures and observations.
    /// </summary>
    void Aggregate(RunContext ctx, IReadOnlyList<UnitResult> units);
}
