using TinyGrad.IO;
using TinyGrad.Kernels;

namespace TinyGrad.Nn;

/// <summary>Keys of a state dict that the module and the dict do not share (torch's _IncompatibleKeys).</summary>
/// <param name="MissingKeys">Parameters of the module that the dict lacks.</param>
/// <param name="UnexpectedKeys">Entries of the dict that name no parameter of the module.</param>
public sealed record IncompatibleKeys(IReadOnlyList<string> MissingKeys, IReadOnlyList<string> UnexpectedKeys);

public abstract partial class Module
{
    /// <summary>
    /// Every parameter by its dotted name (<c>"features.0.weight"</c>), in registration order, like
    /// torch's state_dict(): the tensors share the parameters' memory but are cut from the tape. A tensor
    /// registered under several names (tied weights) appears under each.
    /// </summary>
    public OrderedDictionary<string, Tensor> StateDict()
    {
        var dict = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in AllParameters("")) dict.Add(name, p.Detach());
        return dict;
    }

    /// <summary>
    /// Copies <paramref name="stateDict"/> into the parameters in place, like torch's load_state_dict: values
    /// are converted to each parameter's dtype and moved to its device. Everything is checked before anything
    /// is copied: a tensor whose shape differs from its parameter's, or (with <paramref name="strict"/>) a
    /// parameter the dict lacks or a key that names no parameter, throws an <see cref="ArgumentException"/>
    /// naming every such key with both shapes, and leaves the module as it was. Returns the keys that did not match.
    /// </summary>
    public IncompatibleKeys LoadStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict = true)
    {
        var (keys, problems) = CheckStateDict(stateDict, strict);
        if (problems.Count > 0)
            throw new ArgumentException($"LoadStateDict into {GetType().Name}: {string.Join("; ", problems)}", nameof(stateDict));
        using (Autograd.NoGrad())
            foreach (var (name, p) in AllParameters(""))
                if (stateDict.TryGetValue(name, out var t)) p.CopyFrom(t);
        return keys;
    }

    /// <summary>
    /// Saves <see cref="StateDict"/> to a safetensors file atomically, with a CRC-32 per tensor and
    /// <paramref name="metadata"/> (see <see cref="Checkpoint.Save"/>); <see cref="Load"/> reads it back.
    /// </summary>
    public void Save(string path, IReadOnlyDictionary<string, string>? metadata = null) => Checkpoint.Save(path, StateDict(), metadata);

    /// <summary>
    /// Loads a file written by <see cref="Save"/> (or any <see cref="Checkpoint"/> holding this module's
    /// parameters by name) into the parameters in place, checksums verified; returns this module. A file of
    /// another model throws <see cref="InvalidDataFileException"/> naming the file, each key and both shapes.
    /// </summary>
    public Module Load(string path, bool strict = true)
    {
        var data = Checkpoint.Load(path, AllParameters("").Select(p => p.Parameter.Device).FirstOrDefault());
        var (_, problems) = CheckStateDict(data.Tensors, strict);
        if (problems.Count > 0) throw new InvalidDataFileException(path, $"the state dict of this {GetType().Name}", string.Join("; ", problems));
        LoadStateDict(data.Tensors, strict);
        return this;
    }

    /// <summary>The keys that do not match, and what is wrong (empty when the dict can be loaded).</summary>
    internal (IncompatibleKeys Keys, List<string> Problems) CheckStateDict(IReadOnlyDictionary<string, Tensor> stateDict, bool strict)
    {
        ArgumentNullException.ThrowIfNull(stateDict);
        var own = new OrderedDictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, p) in AllParameters("")) own.Add(name, p);
        var missing = new List<string>();
        var problems = new List<string>();
        foreach (var (name, p) in own)
        {
            if (!stateDict.TryGetValue(name, out var t))
            {
                missing.Add(name);
                if (strict) problems.Add($"missing key '{name}' (the module's parameter has shape {Shapes.Format(p.Shape)})");
                continue;
            }
            if (t is null) problems.Add($"key '{name}' holds null");
            else if (!t.Shape.SequenceEqual(p.Shape))
                problems.Add($"size mismatch for '{name}': shape {Shapes.Format(t.Shape)} in the state dict, {Shapes.Format(p.Shape)} in the module");
            else if (!t.DType.IsFloat())
                problems.Add($"dtype mismatch for '{name}': {t.DType} in the state dict, {p.DType} in the module");
        }
        var unexpected = stateDict.Keys.Where(k => !own.ContainsKey(k)).OrderBy(k => k, StringComparer.Ordinal).ToList();
        if (strict)
            foreach (var k in unexpected)
                problems.Add($"unexpected key '{k}' (shape {(stateDict[k] is { } t ? Shapes.Format(t.Shape) : "null")}, no such parameter)");
        return (new IncompatibleKeys(missing, unexpected), problems);
    }
}
