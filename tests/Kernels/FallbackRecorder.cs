using TinyGrad.Kernels;
using TinyGrad.Kernels.Cpu;

namespace TinyGrad.Tests.Kernels;

/// Counts the primitives a backend runs, by name: observing the reference backend a fast CPU backend
/// hands its fallbacks to, it shows which calls the fast backend did not run itself.
public sealed class FallbackRecorder : IBackendObserver
{
    private readonly Dictionary<string, int> counts = [];

    /// A fast CPU backend whose fallbacks go to a reference backend this recorder observes.
    public static (CpuBackend Cpu, FallbackRecorder Recorder) Cpu()
    {
        var recorder = new FallbackRecorder();
        var cache = new HostArrayCache();
        return (new CpuBackend(cache, new ReferenceBackend(cache) { Observer = recorder }), recorder);
    }

    /// Primitive calls received so far.
    public int Calls { get; private set; }

    /// Calls per primitive (Backend method name).
    public IReadOnlyDictionary<string, int> Counts => counts;

    public void Enter(string primitive, string detail)
    {
        Calls++;
        counts[primitive] = counts.GetValueOrDefault(primitive) + 1;
    }

    public void Exit(string primitive)
    {
    }

    public override string ToString() => counts.Count == 0 ? "none" : string.Join(", ", counts.Select(kv => $"{kv.Key} x{kv.Value}"));
}
