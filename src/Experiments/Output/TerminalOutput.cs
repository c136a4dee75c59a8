using Spectre.Console;

namespace TinyGrad.Experiments.Output;

/// <summary>
/// Output for a terminal: Spectre.Console progress bars with elapsed time and ETA, one for all experiments and one per
/// running stage (hidden when it ends); a line above the bars as each experiment finishes.
/// </summary>
public sealed class TerminalOutput(IAnsiConsole console) : RunOutput
{
    private ProgressContext? context;
    private ProgressTask? overall;

    /// <summary>Whether stdout is an interactive terminal that understands ANSI escapes.</summary>
    public static bool IsTerminal => !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities is { Ansi: true, Interactive: true };

    /// <inheritdoc/>
    public override void Line(string text) => console.WriteLine(text);

    /// <inheritdoc/>
    public override void Table(Table table) => console.Write(table);

    /// <inheritdoc/>
    public override void Live(int experiments, Action body) =>
        console.Progress()
            .AutoClear(true)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                context = ctx;
                overall = ctx.AddTask(Describe("experiments"), maxValue: experiments);
                try
                {
                    body();
                }
                finally
                {
                    (context, overall) = (null, null);
                }
            });

    /// <inheritdoc/>
    public override void ExperimentStarted(string name, string details)
    {
        overall?.Description(Describe(name));
    }

    /// <inheritdoc/>
    public override void ExperimentFinished(string name, double seconds)
    {
        overall?.Increment(1);
        console.MarkupLineInterpolated($"[green]done[/] {name} [grey]{seconds:0.0}s[/]");
    }

    /// <inheritdoc/>
    public override StageProgress Stage(string label, int total) =>
        new TerminalStage(context?.AddTask(Describe($"  {label}"), maxValue: Math.Max(1, total)), $"  {label}");

    // Descriptions are Spectre markup: escape, and keep them to one line of the bar's row.
    private static string Describe(string text) => Markup.Escape(text.Length > 60 ? text[..59] + "…" : text);

    private sealed class TerminalStage(ProgressTask? task, string label) : StageProgress
    {
        public override void Report(int done, string detail = "")
        {
            if (task is null) return;
            task.Value = done;
            if (detail.Length > 0) task.Description = Describe($"{label} {detail}");
        }

        protected override void End()
        {
            if (task is null) return;
            task.Value = task.MaxValue;
            task.StopTask();
        }
    }
}
