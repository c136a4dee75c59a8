using System.Globalization;

namespace TinyGrad.Optim;

/// <summary>
/// An optimizer's state, flat, as a checkpoint stores it (<c>Checkpoint.Save(path, sd.Tensors, sd.Values)</c>):
/// the per-parameter state tensors under "<c>i.name</c>" (parameter i in the optimizer's order, e.g.
/// "<c>0.exp_avg</c>"), and as strings the optimizer's type, "lr", "step_count", each parameter's update
/// count "<c>i.step</c>" and the other settings (momentum, betas ...) under their names.
/// </summary>
/// <param name="Tensors">State tensors by "parameter index.state name".</param>
/// <param name="Values">Type, learning rate, step counts and settings, as invariant-culture strings.</param>
public sealed record OptimizerStateDict(IReadOnlyDictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Values);

public abstract partial class Optimizer
{
    private const string TypeKey = "type", LrKey = "lr", StepCountKey = "step_count", StepSuffix = ".step";

    /// <summary>
    /// Settings besides the learning rate that the update depends on, by name; <see cref="LoadStateDict"/>
    /// refuses a state dict whose settings differ (an optimizer built otherwise would not resume exactly).
    /// </summary>
    private protected virtual IEnumerable<(string Name, double Value)> Settings => [];

    /// <summary>
    /// The optimizer's state, like torch's optimizer.state_dict(): the state tensors share the live
    /// state's memory (cut from the tape); the numbers are copied. <see cref="LoadStateDict"/> restores it.
    /// </summary>
    public OptimizerStateDict StateDict()
    {
        var tensors = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        var values = new OrderedDictionary<string, string>(StringComparer.Ordinal)
        {
            [TypeKey] = GetType().Name,
            [LrKey] = Text(LearningRate),
            [StepCountKey] = StepCount.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (name, value) in Settings) values[name] = Text(value);
        for (int i = 0; i < parameters.Length; i++)
        {
            values[$"{i}{StepSuffix}"] = parameterSteps[i].ToString(CultureInfo.InvariantCulture);
            foreach (var (name, t) in Live(i)) tensors[$"{i}.{name}"] = t.Detach();
        }
        return new OptimizerStateDict(tensors, values);
    }

    /// <summary>
    /// Restores a state from <see cref="StateDict"/> (of an optimizer of the same type and settings over
    /// parameters of the same shapes, in the same order), like torch's load_state_dict: the learning rate,
    /// the step counts and a copy of each state tensor, moved to its parameter's device and dtype, so
    /// training continues exactly. Everything is checked first; a mismatch throws an
    /// <see cref="ArgumentException"/> naming what differs and leaves the optimizer as it was.
    /// </summary>
    public void LoadStateDict(OptimizerStateDict stateDict)
    {
        var problems = CheckStateDict(stateDict);
        if (problems.Count > 0) throw new ArgumentException($"LoadStateDict into {GetType().Name}: {string.Join("; ", problems)}", nameof(stateDict));
        var values = stateDict.Values;
        for (int i = 0; i < parameters.Length; i++)
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            foreach (var name in StateNames)
                if (stateDict.Tensors.TryGetValue($"{i}.{name}", out var t)) tensors[name] = t;
            LoadState(i, int.Parse(values[$"{i}{StepSuffix}"], CultureInfo.InvariantCulture), tensors);
        }
        StepCount = int.Parse(values[StepCountKey], CultureInfo.InvariantCulture);
        LearningRate = double.Parse(values[LrKey], CultureInfo.InvariantCulture);
    }

    /// <summary>What keeps <paramref name="stateDict"/> from loading (empty when it loads).</summary>
    internal List<string> CheckStateDict(OptimizerStateDict stateDict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var problems = new List<string>();
        var values = stateDict.Values;
        string type = values.GetValueOrDefault(TypeKey) ?? "no type";
        if (type != GetType().Name)
        {
            problems.Add($"the state dict is of {type}, this optimizer is {GetType().Name}");
            return problems;
        }
        if (!double.TryParse(values.GetValueOrDefault(LrKey), NumberStyles.Float, CultureInfo.InvariantCulture, out double lr) || !(lr >= 0) || double.IsInfinity(lr))
            problems.Add($"'{LrKey}' must be a finite non-negative number, got {Quote(values.GetValueOrDefault(LrKey))}");
        CheckCount(problems, values, StepCountKey);
        foreach (var (name, value) in Settings)
        {
            // Checkpoints written before settings were stored carry none: nothing to compare.
            if (!values.TryGetValue(name, out var text)) continue;
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double setting) || setting != value)
                problems.Add($"'{name}' is {text} in the state dict but {Text(value)} in this optimizer (build it with the same settings)");
        }
        int stored = values.Keys.Count(k => k.EndsWith(StepSuffix, StringComparison.Ordinal));
        if (stored != parameters.Length)
            problems.Add($"the state dict is for {stored} parameters, this optimizer has {parameters.Length}");
        for (int i = 0; i < parameters.Length; i++) CheckCount(problems, values, $"{i}{StepSuffix}");
        foreach (var (key, t) in stateDict.Tensors)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            if (dot < 0 || !int.TryParse(key.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out int i) || i >= parameters.Length)
            {
                problems.Add($"unexpected state '{key}' (this optimizer has {parameters.Length} parameters, states named 'index.{string.Join("|", StateNames)}')");
                continue;
            }
            string name = key[(dot + 1)..];
            if (!StateNames.Contains(name))
                problems.Add($"unknown state '{name}' of parameter {i}; {GetType().Name} keeps {string.Join(", ", StateNames)}");
            else if (t is null || !t.Shape.SequenceEqual(parameters[i].Shape))
                problems.Add($"state '{key}' has shape {(t is null ? "null" : Shapes.Format(t.Shape))}, parameter {i} has shape {Shapes.Format(parameters[i].Shape)}");
        }
        return problems;
    }

    private static void CheckCount(List<string> problems, IReadOnlyDictionary<string, string> values, string key)
    {
        if (!values.TryGetValue(key, out var text)) problems.Add($"'{key}' is missing");
        else if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out _)) problems.Add($"'{key}' must be a non-negative integer, got {Quote(text)}");
    }

    private static string Quote(string? text) => text is null ? "nothing" : $"'{text}'";

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
