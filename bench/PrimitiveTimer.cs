using System.Diagnostics;
using TinyGrad.Kernels;

namespace TinyGrad.Bench;

/// <summary>Times every primitive a backend runs, by primitive and detail (for <c>profile</c>; not used in timed runs).</summary>
public sealed class PrimitiveTimer : IBackendObserver
{
    private readonly Stack<(string Key, long Start)> running = new();

    /// <summary>Milliseconds and calls per "primitive detail" key.</summary>
    public Dictionary<string, (double Ms, int Calls)> Times { get; } = [];

    /// <inheritdoc />
    public void Enter(string primitive, string detail) =>
        running.Push((detail.Length == 0 ? primitive : $"{primitive} {detail}", Stopwatch.GetTimestamp()));

    /// <inheritdoc />
    public void Exit(string primitive)
    {
        var (key, start) = running.Pop();
        var (ms, calls) = Times.GetValueOrDefault(key);
        Times[key] = (ms + Stopwatch.GetElapsedTime(start).TotalMilliseconds, calls + 1);
    }
}
