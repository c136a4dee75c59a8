namespace TinyGrad.Experiments.Runner;

/// <summary>One homework experiment.</summary>
public interface IExperiment
{
    /// <summary>The CLI name (e.g. function-fit).</summary>
    string Name { get; }

    /// <summary>The homework part and title (e.g. "1-1 Simulate a function").</summary>
    string Title { get; }

    /// <summary>One-line description for <c>hw1 list</c>.</summary>
    string Description { get; }

    /// <summary>Runs the experiment, writing settings, metrics, figures and observations into <paramref name="ctx"/>.</summary>
    void Run(RunContext ctx);
}
