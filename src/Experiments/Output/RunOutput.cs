using Spectre.Console;

namespace TinyGrad.Experiments.Output;

/// <summary>
/// Where hw1 tells the user what it does: lines, tables, experiments starting and finishing, and the progress of
/// their stages. <see cref="TerminalOutput"/> draws Spectre.Console progress bars; <see cref="PlainOutput"/> writes
/// a short log for CI and batch jobs.
/// </summary>
public abstract class RunOutput
{
    /// <summary>Writes one line of text.</summary>
    public abstract void Line(string text);

    /// <summary>Writes a table.</summary>
    public abstract void Table(Table table);

    /// <summary>Says that experiment <paramref name="name"/> starts; <paramref name="details"/> says how it runs.</summary>
    public abstract void ExperimentStarted(string name, string details);

    /// <summary>Says that experiment <paramref name="name"/> finished after <paramref name="seconds"/>.</summary>
    public abstract void ExperimentFinished(string name, double seconds);

    /// <summary>Starts a stage of <paramref name="total"/> steps (a training loop, a series of runs) named <paramref name="label"/>.</summary>
    public abstract StageProgress Stage(string label, int total);

    /// <summary>Runs <paramref name="body"/>, which runs <paramref name="experiments"/> experiments, with the progress display shown.</summary>
    public virtual void Live(int experiments, Action body) => body();
}

/// <summary>The progress of one stage; disposing it ends the stage (also when it stopped early).</summary>
public abstract class StageProgress : IDisposable
{
    /// <summary>Reports that <paramref name="done"/> steps are finished; <paramref name="detail"/> is e.g. the current loss.</summary>
    public abstract void Report(int done, string detail = "");

    /// <summary>Ends the stage.</summary>
    public void Dispose()
    {
        End();
        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the stage (called once, by <see cref="Dispose"/>).</summary>
    protected abstract void End();
}
