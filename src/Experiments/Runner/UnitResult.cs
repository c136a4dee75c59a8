using System.Text.Json;
using System.Text.Json.Serialization;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Runner;

/// <summary>A finished unit as its folder holds it: unit.json (this object), metrics.csv and arrays.npz.</summary>
public sealed class UnitResult
{
    /// <summary>The file describing a finished unit.</summary>
    public const string InfoFile = "unit.json";

    /// <summary>The file holding the unit's arrays for the aggregation.</summary>
    public const string ArraysFile = "arrays.npz";

    private Dictionary<string, HostArray>? arrays;

    /// <summary>The experiment name.</summary>
    public string Experiment { get; set; } = "";

    /// <summary>The unit's index (what <c>--unit</c> takes).</summary>
    public int Index { get; set; }

    /// <summary>The unit's name.</summary>
    public string Name { get; set; } = "";

    /// <summary>The preset it ran with.</summary>
    public string Preset { get; set; } = "";

    /// <summary>The base seed it ran with.</summary>
    public ulong Seed { get; set; }

    /// <summary>The device it ran on.</summary>
    public string Device { get; set; } = "";

    /// <summary>Model rows: name, architecture, parameter count.</summary>
    public List<string[]> Models { get; set; } = [];

    /// <summary>The data sources it used.</summary>
    public List<string> DataSources { get; set; } = [];

    /// <summary>Wall time in seconds.</summary>
    public double Seconds { get; set; }

    /// <summary>The machine it ran on.</summary>
    public string Host { get; set; } = "";

    /// <summary>The unit's folder.</summary>
    [JsonIgnore]
    public string Folder { get; set; } = "";

    /// <summary>The unit's metrics.</summary>
    [JsonIgnore]
    public Metrics Metrics { get; set; } = new();

    /// <summary>An array the unit saved with <see cref="UnitContext.SaveArray"/>.</summary>
    public HostArray Array(string name)
    {
        arrays ??= Npz.Read(Path.Combine(Folder, ArraysFile));
        return arrays.TryGetValue(name, out var a) ? a : throw new InvalidDataException($"{Path.Combine(Folder, ArraysFile)} has no array '{name}'");
    }

    /// <summary>Reads a finished unit's folder.</summary>
    public static UnitResult Read(string folder)
    {
        var r = JsonSerializer.Deserialize<UnitResult>(File.ReadAllText(Path.Combine(folder, InfoFile)), RunContext.JsonOptions)
            ?? throw new InvalidDataException($"{folder}/{InfoFile} is empty");
        r.Folder = Path.GetFullPath(folder);
        r.Metrics = Metrics.FromCsv(File.ReadAllText(Path.Combine(folder, "metrics.csv")));
        return r;
    }
}
