using TinyGrad.Experiments.Output;
using TinyGrad.Experiments.Runner;

namespace TinyGrad.Experiments.Sweep;

/// <summary>What a sweep says about units it does not submit because a dataset they read is missing.</summary>
public static class BlockedUnits
{
    /// <summary>Says, per missing dataset, which units are blocked and what to put where; returns whether any is.</summary>
    public static bool Say(IReadOnlyList<SweepState> states, RunOutput output)
    {
        var missing = NotRunUnit.ByDataset(states.Select(s => (s.Experiment.Name, s.Units.Count, s.Blocked)));
        foreach (var (dataset, units, reason) in missing)
        {
            output.Line($"blocked: {dataset} missing: {units}; not submitted (add the data and run the same 'hw1 sweep' again)");
            foreach (var line in reason.Split('\n')) output.Line("  " + line);
        }
        return missing.Count > 0;
    }
}
