using System.Text.Json;
using TinyGrad.Experiments.Runner;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Sweep;

/// <summary>One hand-over of work to a scheduler: which units, and the job ids Slurm gave them.</summary>
public sealed class Submission
{
    /// <summary>"slurm" or "local".</summary>
    public string Scheduler { get; set; } = "";

    /// <summary>When (UTC, ISO 8601).</summary>
    public string Time { get; set; } = "";

    /// <summary>The unit indices handed over.</summary>
    public List<int> Units { get; set; } = [];

    /// <summary>The Slurm array job id of the units (null when no units were submitted, or locally).</summary>
    public string? ArrayJob { get; set; }

    /// <summary>The Slurm job id of the aggregation (or of the report), if one was submitted.</summary>
    public string? AggregateJob { get; set; }
}

/// <summary>
/// The record of a sweep's submissions (<c>sweep/jobs.json</c>), so that <c>--status</c> and a rerun know which units and
/// jobs were handed to the scheduler. Only the DONE markers say what finished.
/// </summary>
public sealed class SweepJournal
{
    /// <summary>The submissions, oldest first.</summary>
    public List<Submission> Submissions { get; set; } = [];

    /// <summary>Reads <paramref name="path"/>; an absent file is an empty journal.</summary>
    public static SweepJournal Read(string path) =>
        File.Exists(path) ? JsonSerializer.Deserialize<SweepJournal>(File.ReadAllText(path), RunContext.JsonOptions) ?? new() : new();

    /// <summary>Appends <paramref name="submission"/> to the journal at <paramref name="path"/> (written atomically).</summary>
    public static void Append(string path, Submission submission)
    {
        var journal = Read(path);
        journal.Submissions.Add(submission);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        AtomicFile.WriteAllBytes(path, JsonSerializer.SerializeToUtf8Bytes(journal, RunContext.JsonOptions));
    }

    /// <summary>The journal of experiment <paramref name="e"/>'s sweep.</summary>
    public static string PathOf(SweepOptions o, IExperiment e) => Path.Combine(o.SweepFolder(e), "jobs.json");

    /// <summary>The journal of the report job of a sweep over all experiments.</summary>
    public static string ReportPath(SweepOptions o) => Path.Combine(Path.GetFullPath(o.Out), "sweep", "jobs.json");

    /// <summary>Whether unit <paramref name="index"/> was ever handed to a scheduler.</summary>
    public bool Submitted(int index) => Submissions.Any(s => s.Units.Contains(index));
}
