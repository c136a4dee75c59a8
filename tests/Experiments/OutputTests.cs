using NUnit.Framework;
using Spectre.Console;
using TinyGrad.Experiments.Output;

namespace TinyGrad.Tests.Experiments;

/// <summary>What hw1 prints: the plain log (not a terminal) and Spectre.Console's progress bars (a terminal).</summary>
public sealed class OutputTests
{
    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock : TimeProvider
    {
        public long Ticks { get; set; }

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp() => Ticks;

        public void Advance(double seconds) => Ticks += (long)(seconds * TimeSpan.TicksPerSecond);
    }

    [Test]
    public void PlainOutputWritesAtMostOneProgressLineEveryTenSeconds()
    {
        var clock = new ManualClock();
        var lines = new List<string>();
        var output = new PlainOutput(lines.Add, clock);
        // Two stages of 300 steps, 0.25 s each: 150 s in all.
        for (int stage = 0; stage < 2; stage++)
        {
            using var progress = output.Stage($"exp stage{stage}", 300);
            for (int i = 1; i <= 300; i++)
            {
                clock.Advance(0.25);
                progress.Report(i, "loss 0.5");
            }
        }
        Assert.That(lines, Has.Count.EqualTo(15), string.Join("\n", lines));
        Assert.That(lines[0], Is.EqualTo("  [exp stage0] 40/300 loss 0.5, eta 65s"), "first line after 10 s; eta from 10 s for 40 steps");
        Assert.That(lines[^1], Does.StartWith("  [exp stage1] 300/300 loss 0.5"));
    }

    [Test]
    public void PlainOutputSaysWhenExperimentsStartAndEndWithTheirTime()
    {
        var lines = new List<string>();
        var output = new PlainOutput(lines.Add);
        output.ExperimentStarted("fit", "1-1 Simulate a function");
        output.ExperimentFinished("fit", 12.34);
        Assert.That(lines, Is.EqualTo(new[] { "[fit] start: 1-1 Simulate a function", "[fit] done in 12.3s" }));
    }

    [Test]
    public void PlainTablesKeepEachRowOnOneLine()
    {
        var lines = new List<string>();
        string longText = string.Concat(Enumerable.Repeat("word ", 25));
        new PlainOutput(lines.Add).Table(new Table().AddColumns("a", "b").AddRow(new Text("x [not markup]"), new Text(longText)));
        Assert.That(lines.Count(l => l.Contains("x [not markup]", StringComparison.Ordinal) && l.Contains(longText.Trim(), StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void TerminalOutputDrawsProgressBarsAndALinePerFinishedExperiment()
    {
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Yes, ColorSystem = ColorSystemSupport.Standard, Interactive = InteractionSupport.Yes, Out = new AnsiConsoleOutput(text),
        });
        var output = new TerminalOutput(console);
        output.Live(1, () =>
        {
            output.ExperimentStarted("fit", "1-1 Simulate a function");
            using (var stage = output.Stage("fit [shallow]", 4))
            {
                stage.Report(2, "loss 0.5");
                // Let the display refresh (every 100 ms) while the stage is half done.
                Thread.Sleep(400);
            }
            output.ExperimentFinished("fit", 1.5);
        });
        string shown = text.ToString();
        Assert.That(shown, Does.Contain("fit [shallow] loss 0.5"), "the stage's bar, its label escaped from markup");
        Assert.That(shown, Does.Contain("50%"), "half done");
        Assert.That(shown, Does.Contain("\u001b["), "drawn with ANSI escapes");
        Assert.That(shown, Does.Contain("done").And.Contain("fit").And.Contain("1.5s"), "the finished experiment's line");
    }
}
