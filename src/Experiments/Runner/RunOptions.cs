using TinyGrad.Experiments.Output;

namespace TinyGrad.Experiments.Runner;

/// <summary>How much work an experiment does.</summary>
public enum Preset
{
    /// <summary>Tiny: every experiment in seconds, for CI.</summary>
    Smoke,
    /// <summary>Minutes: shows the phenomena on embedded data.</summary>
    Quick,
    /// <summary>The original homework settings (hours).</summary>
    Full,
}

/// <summary>Options shared by every experiment run.</summary>
public sealed record RunOptions
{
    /// <summary>The preset.</summary>
    public Preset Preset { get; init; } = Preset.Quick;

    /// <summary>The device name (cpu, opencl[:N], cuda[:N], auto).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>The base seed; every experiment derives its seeds from it.</summary>
    public ulong Seed { get; init; }

    /// <summary>The output folder (the run folder for <c>run</c>, the report folder for <c>report</c>).</summary>
    public string? Out { get; init; }

    /// <summary>The data units read: real MNIST / CIFAR-10 files from a folder, or the embedded synthetic stand-ins (the default).</summary>
    public DataChoice Data { get; init; } = new();

    /// <summary>Continue an interrupted run from its last checkpoint instead of starting over.</summary>
    public bool Resume { get; init; }

    /// <summary>Where progress and messages go (default: plain lines on the console).</summary>
    public RunOutput Output { get; init; } = new PlainOutput(Console.WriteLine);

    /// <summary>Test hook: simulate an interruption after this many checkpointed epochs of one training loop.</summary>
    public int? InterruptAfterEpochs { get; init; }
}

/// <summary>Thrown by the <see cref="RunOptions.InterruptAfterEpochs"/> test hook to simulate a killed run.</summary>
public sealed class RunInterruptedException(string message) : Exception(message);
