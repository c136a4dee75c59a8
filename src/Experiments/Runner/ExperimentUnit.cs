namespace TinyGrad.Experiments.Runner;

/// <summary>
/// One independent unit of an experiment (a run, a model, a batch size ...): its name, and the real datasets it reads (none
/// for units on generated data such as target functions). A unit that reads a dataset it does not declare fails.
/// </summary>
/// <param name="Name">The unit's name (e.g. run3, w16, cifar-cnn-deep); its folder is units/&lt;index&gt;-&lt;name&gt;.</param>
/// <param name="Data">The datasets the unit reads.</param>
public sealed record ExperimentUnit(string Name, params IReadOnlyList<RealDataset> Data)
{
    /// <inheritdoc/>
    public override string ToString() => Name;
}
