using System.Collections.Concurrent;
using TinyGrad.IO;

namespace TinyGrad.Experiments.Runner;

/// <summary>
/// Which data the units read, per dataset: the real files in <c>--data-dir</c> (its subfolder named by the dataset's key
/// when there is one), or the synthetic stand-in when no folder is given or <c>--synthetic</c> names the dataset. Says before
/// anything runs whether a real dataset is there, and if not, why and how to get it.
/// </summary>
public sealed class DataChoice
{
    // Per dataset: "" when present, else the reason it is missing. Found once per command.
    private readonly ConcurrentDictionary<RealDataset, string> checks = new();

    /// <summary>Creates the choice: real data from <paramref name="dir"/> (null: synthetic only), except <paramref name="synthetic"/>.</summary>
    public DataChoice(string? dir = null, IEnumerable<RealDataset>? synthetic = null, bool download = false)
    {
        Dir = dir is null ? null : Path.GetFullPath(dir);
        Synthetic = [.. (synthetic ?? []).Distinct()];
        Download = download;
    }

    /// <summary>The data folder (absolute), or null when every dataset is synthetic.</summary>
    public string? Dir { get; }

    /// <summary>The datasets replaced by their synthetic stand-ins on purpose (<c>--synthetic</c>).</summary>
    public IReadOnlyList<RealDataset> Synthetic { get; }

    /// <summary>Whether missing real files are downloaded (into <see cref="Folder"/>) when first checked.</summary>
    public bool Download { get; }

    /// <summary>Whether units read the synthetic stand-in of <paramref name="data"/>.</summary>
    public bool IsSynthetic(RealDataset data) => Dir is null || Synthetic.Contains(data);

    /// <summary>The folder the real files of <paramref name="data"/> are read from: <c>--data-dir/&lt;key&gt;</c> when it exists, else <c>--data-dir</c>.</summary>
    public string Folder(RealDataset data)
    {
        string dir = Dir ?? throw new InvalidOperationException($"{data.Label} is synthetic here: there is no --data-dir");
        string sub = Path.Combine(dir, data.Key);
        return Directory.Exists(sub) ? sub : dir;
    }

    /// <summary>
    /// Null when units can read <paramref name="data"/> (synthetic, or both real splits load, after downloading them if
    /// allowed); else why not: the files, the folder, where they come from, and how to download or replace them. Corrupt
    /// files throw (<see cref="InvalidDataFileException"/>): they are not missing but wrong.
    /// </summary>
    public string? Missing(RealDataset data)
    {
        if (IsSynthetic(data)) return null;
        string reason = checks.GetOrAdd(data, Check);
        return reason.Length == 0 ? null : reason;
    }

    private string Check(RealDataset data)
    {
        try
        {
            // Loading both splits also validates the files, before anything starts rather than an hour in.
            data.Load(Folder(data), train: true, Download);
            data.Load(Folder(data), train: false, Download);
            return "";
        }
        catch (DataUnavailableException e)
        {
            string download = Download ? "" : "--download fetches it, or ";
            return $"{e.Message.TrimEnd()} In hw1: {download}--synthetic {data.Key} uses the synthetic stand-in instead.";
        }
    }

    /// <summary>The hw1 options that make another process read the same data (--data-dir, --synthetic).</summary>
    public List<string> Args()
    {
        var args = new List<string>();
        if (Dir is not null) args.AddRange(["--data-dir", Dir]);
        foreach (var d in Synthetic) args.AddRange(["--synthetic", d.Key]);
        return args;
    }
}
