using System.Globalization;
using Spectre.Console;

namespace TinyGrad.Experiments.Output;

/// <summary>
/// Output for logs (stdout not a terminal: CI, Slurm, a file): one line when an experiment starts and one when it ends
/// with its time, and at most one progress line every <see cref="ProgressInterval"/> over all stages. Tables are drawn
/// as text.
/// </summary>
public sealed class PlainOutput(Action<string> write, TimeProvider? clock = null) : RunOutput
{
    /// <summary>The least time between two progress lines.</summary>
    public static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(10);

    private readonly TimeProvider clock = clock ?? TimeProvider.System;
    private long lastProgress = (clock ?? TimeProvider.System).GetTimestamp();

    /// <inheritdoc/>
    public override void Line(string text) => write(text);

    /// <inheritdoc/>
    public override void Table(Table table)
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No, Out = new AnsiConsoleOutput(text),
        });
        // Wide enough that a row stays on one line in a log.
        console.Profile.Width = 320;
        console.Write(table);
        foreach (var line in text.ToString().TrimEnd().Split('\n')) write(line.TrimEnd('\r'));
    }

    /// <inheritdoc/>
    public override void ExperimentStarted(string name, string details) => write($"[{name}] start: {details}");

    /// <inheritdoc/>
    public override void ExperimentFinished(string name, double seconds) =>
        write(string.Create(CultureInfo.InvariantCulture, $"[{name}] done in {seconds:0.0}s"));

    /// <inheritdoc/>
    public override StageProgress Stage(string label, int total) => new PlainStage(this, label, total);

    // A progress line when the interval since the last one (of any stage) has passed.
    private void Progress(string label, int done, int total, string detail, TimeSpan elapsed)
    {
        if (clock.GetElapsedTime(lastProgress) < ProgressInterval) return;
        lastProgress = clock.GetTimestamp();
        string eta = done > 0 && done < total ? string.Create(CultureInfo.InvariantCulture, $", eta {elapsed.TotalSeconds / done * (total - done):0}s") : "";
        write($"  [{label}] {done}/{total}{(detail.Length > 0 ? " " + detail : "")}{eta}");
    }

    private sealed class PlainStage(PlainOutput output, string label, int total) : StageProgress
    {
        private readonly long start = output.clock.GetTimestamp();

        public override void Report(int done, string detail = "") => output.Progress(label, done, total, detail, output.clock.GetElapsedTime(start));

        protected override void End()
        {
        }
    }
}
