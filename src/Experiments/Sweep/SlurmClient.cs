using System.ComponentModel;
using System.Diagnostics;

namespace TinyGrad.Experiments.Sweep;

/// <summary>A job or array task in Slurm's queue.</summary>
/// <param name="JobId">The job id (for an array task: the array's job id).</param>
/// <param name="ArrayTask">The array task id, or null for a job that is not an array.</param>
/// <param name="State">Slurm's state, e.g. PENDING or RUNNING.</param>
public readonly record struct QueuedJob(string JobId, int? ArrayTask, string State)
{
    /// <summary>Whether the job has not started yet.</summary>
    public bool Pending => State is "PENDING" or "REQUEUED" or "REQUEUE_HOLD";
}

/// <summary>Slurm's client commands: sbatch to submit, squeue to see the queue, scancel to withdraw a job.</summary>
public static class SlurmClient
{
    /// <summary>Submits <paramref name="script"/> with <paramref name="options"/>; returns the job id.</summary>
    public static string Submit(IEnumerable<string> options, string script)
    {
        string output = Run("sbatch", ["--parsable", .. options, script]);
        // --parsable prints "jobid" or "jobid;cluster".
        return output.Trim().Split(';')[0];
    }

    /// <summary>The current user's jobs in the queue, array tasks one by one.</summary>
    public static List<QueuedJob> Queue()
    {
        var jobs = new List<QueuedJob>();
        foreach (var line in Run("squeue", ["--noheader", "--array", "--me", "--format=%F|%K|%T"]).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var f = line.Trim().Split('|');
            if (f.Length != 3) continue;
            jobs.Add(new(f[0], int.TryParse(f[1], out int task) ? task : null, f[2]));
        }
        return jobs;
    }

    /// <summary>
    /// What <c>scontrol show job</c> says of a job that left the queue, e.g. "CANCELLED (DependencyNeverSatisfied)"; null once
    /// Slurm has forgotten it (MinJobAge) or when scontrol fails. Without slurmdbd there is no sacct to ask.
    /// </summary>
    public static string? JobState(string jobId)
    {
        try
        {
            var fields = Run("scontrol", ["show", "job", "--oneliner", jobId]).Split(' ', StringSplitOptions.RemoveEmptyEntries)
                .Select(f => f.Split('=', 2)).Where(f => f.Length == 2).GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1]);
            if (!fields.TryGetValue("JobState", out var state)) return null;
            return fields.TryGetValue("Reason", out var reason) && reason != "None" ? $"{state} ({reason})" : state;
        }
        catch (SchedulerException)
        {
            return null;
        }
    }

    /// <summary>Cancels job <paramref name="jobId"/>.</summary>
    public static void Cancel(string jobId) => Run("scancel", [jobId]);

    /// <summary>The sbatch command line, as a user would type it.</summary>
    public static string CommandLine(IEnumerable<string> options, string script) => Hw1Command.Join(["sbatch", .. options, script]);

    private static string Run(string command, IReadOnlyList<string> args)
    {
        var psi = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process p;
        try
        {
            p = Process.Start(psi) ?? throw new SchedulerException($"{command} did not start");
        }
        catch (Win32Exception e)
        {
            throw new SchedulerException($"{command} not found ({e.Message}): is this a Slurm login node with SLURM_CONF set? Use --scheduler local to run on this machine");
        }
        using (p)
        {
            var stderr = p.StandardError.ReadToEndAsync();
            string stdout = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new SchedulerException($"{Hw1Command.Join([command, .. args])} failed (exit {p.ExitCode}): {stderr.Result.Trim()}");
            return stdout;
        }
    }
}

/// <summary>A scheduler command failed; the message has its command line and error output.</summary>
public sealed class SchedulerException(string message) : Exception(message);
