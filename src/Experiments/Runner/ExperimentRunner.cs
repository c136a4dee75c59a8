using System.Globalization;
using TinyGrad.Experiments.Hw1;

namespace TinyGrad.Experiments.Runner;

/// <summary>The experiment registry and the logic that runs one experiment into its folder (idempotent: a DONE folder is skipped).</summary>
public static class ExperimentRunner
{
    /// <summary>All experiments in homework order.</summary>
    public static IReadOnlyList<IExperiment> All { get; } =
    [
        new FunctionFit(), new ActualTask(), new Trajectory(), new GradNorm(), new MinimalRatio(), new ErrorSurface(),
        new RandomLabels(), new ParamsVsGeneralization(), new Interpolation(), new SensitivityExperiment(), new SharpnessExperiment(),
    ];

    /// <summary>The experiment named <paramref name="name"/>, or null.</summary>
    public static IExperiment? Find(string name) => All.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>A default output folder name: runs/&lt;timestamp&gt;-&lt;suffix&gt;.</summary>
    public static string DefaultOut(string suffix) =>
        Path.Combine("runs", DateTime.Now.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + "-" + suffix);

    /// <summary>
    /// Runs <paramref name="experiment"/> into <paramref name="folder"/> unless that folder already holds a DONE marker;
    /// returns the section (read back from disk when skipped).
    /// </summary>
    public static Section Run(IExperiment experiment, string folder, RunOptions options)
    {
        if (File.Exists(Path.Combine(folder, RunContext.DoneMarker)))
        {
            options.Output.Line($"[{experiment.Name}] already done in {folder}; skipping (delete {RunContext.DoneMarker} to rerun)");
            return RunContext.ReadSection(folder);
        }
        if (!options.Resume && Directory.Exists(Path.Combine(folder, "checkpoints")))
            Directory.Delete(Path.Combine(folder, "checkpoints"), recursive: true);
        var ctx = new RunContext(experiment, folder, options);
        options.Output.ExperimentStarted(experiment.Name, $"{experiment.Title} — preset {ctx.Section.Preset}, seed {options.Seed}, device {Device.Default.Name} → {ctx.Folder}");
        ctx.WriteConfig();
        experiment.Run(ctx);
        ctx.Finish();
        options.Output.ExperimentFinished(experiment.Name, ctx.Section.Seconds);
        return ctx.Section;
    }
}
